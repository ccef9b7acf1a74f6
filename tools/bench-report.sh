#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-report.sh: "make bench".  Boots the VM once under TCG, runs
# tools/bench/bench-vm.sh there (kipc-bench's full run and the reference
# workloads), then on the host turns the results into
#   $BENCH_DOC (default Documentation/performance.md): the table, the goals,
#       the reference workloads and the circumstances of the run;
#   Documentation/performance.csv, performance.png (the scenarios' medians)
#       and performance-curves.png (the cost curves C1-C4, log-log) beside it;
#   bench/vm-output.txt in the build directory: everything the VM printed.
#
# Environment: BENCH_ARGS (extra kipc-bench options: "--quick" tries the
# whole pipeline in a minute), BENCH_REF_SECONDS (each reference run, 10),
# BENCH_DOC (the Markdown file to write).
set -uo pipefail
: "${top_builddir:?}" "${top_srcdir:?}"
doc=${BENCH_DOC:-$top_srcdir/Documentation/performance.md}
docdir=$(dirname "$doc")
base=$(basename "$doc" .md)
out=$top_builddir/bench
mkdir -p "$out" "$docdir"

bench=$top_builddir/tools/kipc-bench
[ -x "$bench" ] || { echo "bench-report: build first ($bench is missing)" >&2; exit 2; }
adds=(--add "$top_srcdir/tools/bench/bench-vm.sh:/kipc/bench-vm.sh")
for t in pmqtest svsematest stress-ng; do
	p=$(command -v $t) || { echo "bench-report: $t is missing (tools/setup.sh installs it)" >&2; exit 2; }
	adds+=(--add "$p")
done
command -v gnuplot >/dev/null || echo "bench-report: no gnuplot: no chart" >&2

kernel=$("$top_builddir/tools/vm-run" --list-kernels | tail -n 1)
echo "bench-report: booting $kernel under TCG for the full run (about 10 minutes)" >&2
start=$(date +%s)
# idle=halt, tsc=reliable: see "The idle routine" and "The clock" in the
# document written below.
"$top_builddir/tools/vm-run" --accel tcg --cpus 2 --memory 1024 --timeout 1800 \
	--append 'idle=halt tsc=reliable' \
	--env "BENCH_ARGS=${BENCH_ARGS:-}" --env "BENCH_REF_SECONDS=${BENCH_REF_SECONDS:-10}" \
	"${adds[@]}" -- sh /kipc/bench-vm.sh >"$out/vm-output.txt" 2>&1
vmrc=$?
secs=$(($(date +%s) - start))
if [ $vmrc != 0 ]; then
	echo "bench-report: the VM run failed (status $vmrc); see $out/vm-output.txt" >&2
	tail -n 20 "$out/vm-output.txt" >&2
	exit 1
fi
sed -n '/^=== csv$/,/^=== end csv$/p' "$out/vm-output.txt" | sed '1d;$d' >"$out/results.csv"
if ! grep -q '^scenario,' "$out/results.csv"; then
	echo "bench-report: no results in $out/vm-output.txt" >&2
	exit 1
fi
benchrc=$(sed -n 's/^=== kipc-bench status //p' "$out/vm-output.txt")

# S8 on a contended host, as a cloud VM with steal time: a second boot runs
# S8's cases while one busy process per host CPU competes with the vCPUs.
hostbusy=()
stop_busy() {
	[ ${#hostbusy[@]} -gt 0 ] && kill "${hostbusy[@]}" 2>/dev/null
	wait "${hostbusy[@]}" 2>/dev/null
	hostbusy=()
}
trap stop_busy EXIT
for _ in $(seq "$(nproc)"); do
	(while :; do :; done) &
	hostbusy+=($!)
done
echo "bench-report: S8 again with $(nproc) busy processes on the host" >&2
# shellcheck disable=SC2016 # $BENCH_ARGS expands in the VM
"$top_builddir/tools/vm-run" --accel tcg --cpus 2 --memory 1024 --timeout 1800 \
	--append 'idle=halt tsc=reliable' --env KIPC_BENCH_HOST_BUSY=1 \
	--env "BENCH_ARGS=${BENCH_ARGS:-}" -- sh -c \
	'kipc-bench --no-progress -s S8 --csv /tmp/s8.csv $BENCH_ARGS; echo "=== csv"; cat /tmp/s8.csv; echo "=== end csv"' \
	>"$out/vm-output-s8.txt" 2>&1
stop_busy
sed -n '/^=== csv$/,/^=== end csv$/p' "$out/vm-output-s8.txt" | sed '1d;$d' |
	grep '^S8,' >>"$out/results.csv" ||
	echo "bench-report: no host-busy S8 results; see $out/vm-output-s8.txt" >&2
cp "$out/results.csv" "$docdir/$base.csv"
"$bench" --from-csv "$out/results.csv" --markdown "$out/table.md" >/dev/null || exit 1
png=
if command -v gnuplot >/dev/null &&
	"$bench" --from-csv "$out/results.csv" --plot "$docdir/$base.png" >/dev/null; then
	png=$base.png
fi
cpng=
if [ -n "$png" ] && grep -q '^C[1-4],' "$out/results.csv" &&
	"$bench" --from-csv "$out/results.csv" --plot-curves "$docdir/$base-curves.png" >/dev/null; then
	cpng=$base-curves.png
fi

section() { # NAME-PREFIX: the lines of the VM output's section
	awk -v p="=== $1" 'index($0, p) == 1 { on = 1; print "$ " substr($0, 5); next }
		/^=== / { on = 0 } on' "$out/vm-output.txt"
}

# pmqtest's latencies, natively and through kipc-compat: a Markdown table.
pmq_table() {
	echo '| pmqtest -S (µs) | pair | min | avg | max |'
	echo '|---|---|--:|--:|--:|'
	awk '/^=== pmqtest / { m = "POSIX mq, native"; next }
		/^=== kipc-compat pmqtest / { m = "kipc, through kipc-compat"; next }
		/^=== / { m = ""; next }
		m != "" && /^#[0-9]+ -> #[0-9]+,/ {
			gsub(",", "")
			printf "| %s | %s %s %s | %s | %s | %s |\n", m, $1, $2, $3, $5, $9, $11
		}' "$out/vm-output.txt"
}

host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
qemu_version=$(qemu-system-x86_64 --version | head -n 1)
{
	cat <<HEAD
# Performance

Written by \`make bench\` (tools/bench-report.sh) on $(date -u '+%Y-%m-%d %H:%M UTC');
do not edit by hand: run it again.

**Absolute times here mean nothing.**  The run is inside a QEMU virtual
machine under TCG, software emulation: code runs 10 to 50 times slower than
on the host, unevenly (system calls, atomics and timers are emulated at
different costs), and a busy host stalls virtual CPUs for milliseconds.
Only the ratios between mechanisms measured in the same run mean anything,
which is why kipc and every peer run in the same process tree and the same
boot, with their trials interleaved.

- Kernel: $kernel (Debian), booted by tools/vm-run
- VM: $qemu_version, \`-accel tcg,thread=multi -cpu max -smp 2 -m 1024\`,
  guest kernel command line \`idle=halt tsc=reliable\`
- Host CPU: ${host_cpu:-unknown}, $(nproc) CPUs; the VM ran for $secs s
- kipc-bench: full run${BENCH_ARGS:+ with $BENCH_ARGS}; exit status ${benchrc:-?}

How kipc-bench measures (see \`kipc-bench(1)\`): every mechanism gets a
warm-up trial, then the trials run interleaved (kipc, peer, peer, ...,
kipc, ...).  Latencies are percentiles (nearest rank) over every individual
sample of every trial; rates are one number per trial, and their "p99" is
the low tail (the rate 99% of the trials reached).  kipc/peer is the ratio
of the medians: below 1 is better for kipc on latencies, above 1 on rates.
System calls per operation are counted by the kernel (a perf counter on the
\`raw_syscalls:sys_enter\` tracepoint in each participant) in a separate run
without timestamps.
The cost curves (C1-C4) run 3 shorter trials per point, so that they fit
in a few minutes; each is shown as medians by x with its log-log slope.

kipc is measured two ways in every case: **kipc**, the fast path (objects
opened liblkipc's default way, whose sends, receives, P and V use the mapped
ring or semaphore page when they need not wait), and **kipc-ioctl**, the
system-call path (objects opened with \`LKIPC_OPEN_NOMAP\`: an ioctl per
operation); in S3 also **kipc-batch**, the batch ioctls, 32 messages per
send and up to 32 per receive.  A fast-path send or receive that would
block first polls the ring for up to 20 µs (liblkipc's default,
\`lkipc_set_spin(3)\`), except in S2, whose receivers must sleep: there
kipc polls for nothing, like its peers.  The ratios, and the goals, use the case's
*base* kipc row: the fast path where it ran, else the system-call path; the
goals are judged again on kipc-ioctl in S2 and on kipc-batch in S3.  kipc
rows marked n/a are features that this build's module (as it reports in
KIPC_IOC_GET_INFO) or liblkipc (the fast path comes with
\`LKIPC_OPEN_NOMAP\`) does not have yet; the goals say which row they were
judged on and why, and are listed as not measurable where no kipc row ran,
never estimated.

## Results

HEAD
	cat "$out/table.md"
	if [ -n "$png" ]; then
		printf '\n![medians per scenario, log scale](%s)\n' "$png"
	fi
	if [ -n "$cpng" ]; then
		printf '\n![cost per operation against x, log-log](%s)\n' "$cpng"
	fi
	printf '\nThe numbers: [%s.csv](%s.csv).\n' "$base" "$base"
	cat <<NOTES

## Reading the results

- **The idle routine.**  The guest boots with \`idle=halt\`.  With the
  kernel's default idle routine, in our runs under TCG, a task woken on an
  idle virtual CPU through a wait queue (pipe, eventfd, SOCK_SEQPACKET,
  kipc's semaphore) often ran only at the next timer tick, milliseconds
  later, while futex, POSIX and System V wake-ups took tens of
  microseconds in the same run: that measured the emulator's idle, not the
  IPC.  With \`idle=halt\` a wake-up is an interrupt to a halted virtual CPU
  for everyone.
- **The clock.**  The guest boots with \`tsc=reliable\`.  Under TCG the
  kernel's boot-time check of the TSC across virtual CPUs, and its
  clocksource watchdog on a loaded host, can declare the TSC unstable
  (Debian's 6.1 did so in our boots) and fall back to the HPET: every
  \`clock_gettime()\` is then a system call and an emulated device read,
  which would be charged to every mechanism that times itself and to the
  system-call counts ("timer only" counts 0 only on the TSC).  QEMU's TSC
  under TCG is one clock for all virtual CPUs, so the flag states a fact.
- **A busy host.**  Each virtual CPU is a host thread; when the host has no
  core free for it, it stalls for a host time slice (milliseconds).  A
  spinning partner then waits, and so does a task that needs a spinlock the
  stalled CPU holds.  The kernel's wait-queue wake-ups run under such a
  spinlock that the woken task may need right away; futex and the SysV
  and POSIX queues wake after dropping theirs.  On a busy host the former
  suffer first, and the tails (p99, p99.9) of everything show it.  Run
  \`make bench\` on an otherwise idle machine with at least two free cores,
  and compare runs only through their ratios.
- **Fairness (S6): overtakes and the wait's tail.**  Counting
  acquisitions per process (max/min, Jain's index, kept as information)
  says more about scheduling than about the semaphore: a process that has
  just posted is not waiting until its next P, and if it is descheduled in
  between, the queue is served without it; a process that never ran is
  "starved" by any lock.  What a FIFO lock promises is about the processes
  that *are* waiting, so S6 counts **overtakes**, acquisitions made while
  another process had been queued longer, per 1000 acquisitions.  Each
  holder logs its acquisition inside the critical section, so the log is in
  grant order, with each request's start (a timestamp before the P) and
  grant (when the P returned).  *By timestamps*, for every mechanism: an
  acquisition overtakes if another process's request, served later,
  started before its own by more than a margin, the median cost of an
  uncontended P on the same semaphore (shown in the notes): two requests
  closer than that may enter any queue in either order.  This count also
  includes the time between a request's timestamp and its entering the
  queue (system-call entry, the object's lookup, a process preempted in
  between), so it is not zero even for a FIFO queue.  *By the kernel's
  queue order*, for kipc: every 8th holder reads the semaphore's waiters
  (\`KIPC_IOC_SEM_STAT\`, pids in queue order) inside its critical section,
  where no grant can happen; after that snapshot each waiter must be served
  after at most one acquisition by each process ahead of it, and any other
  acquisition before its own is an overtake.  The goal is 0 there.  Both
  counts were checked against a deliberately unfair module (waiters queued
  at the head): kipc then showed 885 to 994 overtakes per 1000 by queue
  order at N = 4 and 8.  S6's semaphores use the default FIFO order; a
  priority-order one serves a higher-priority newcomer first by design,
  which this count would show.  The **wait for P** row is every acquisition's wait
  (request to grant) as percentiles and the longest: a lock that lets
  newcomers barge (glibc's \`sem_t\`: a poster can take the unit back
  before the waiter it woke runs) has a short median and a long tail; the
  goals compare kipc's p99.9 with glibc's and SysV's.
  \`KIPC_BENCH_DEBUG=1\` prints every process's count.
- **System calls per operation** are the kernel's count, in a separate
  untimed run: for ping-pong, both processes per round trip; for streams,
  producers and consumer per message; for S5, the post and the wait per
  notification; for S6 and S7, every process per P+V pair.  Polling
  mechanisms count their retries; kipc-batch's few are its batch ioctls
  shared among the messages each one moved.

## The kernel path against mqueue (issue #12), measured on 2026-12-05

Not written by a \`make bench\` run: measured by hand in single boots of
6.12.118 under TCG (2 vCPUs, \`idle=halt\`), swapping the module inside the
boot (\`rmmod\`/\`insmod\`) so that before and after share the boot, on a host
that was **not** quiet: other VMs and compilers kept the 2-core host at a
load average of 11 to 15.  Every figure below is therefore a same-boot
ratio, and even those vary by 2x from round to round.

**Where the time went.**  Three probes, each in one boot:

- *One process, no waiting* (a send then a receive with
  \`KIPC_MSG_NONBLOCK\`, 20,000 pairs, three rounds): kipc-ioctl 5.5-5.8 µs
  per pair against POSIX mq's 4.0-4.4 µs at 64 B (mq/kipc 0.73-0.76), 0.82-
  0.94 at 4 KiB.  A \`KIPC_IOC_QUEUE_STAT\` costs 3.0-3.3 µs, \`getppid()\`
  0.52-0.55 µs.  A module with switches to skip parts of the path (the
  ring's enter and leave, the poll and SIGIO notification, writing the
  receive's results, copying the message in before the lock) moved the
  pair by less than the noise: it took 4.6 to 10.0 µs across settings and
  rounds (5.7 and 6.4 µs with none), in no order that followed the
  switches.  None of these parts is where the difference lies.
  \`function_graph\` tracing costs about 0.8 µs per traced call under TCG,
  more than the functions it measures, and was not usable to compare.
- *One producer, one consumer, blocking* (S3's shape), with modules that
  have one change each, three rounds, kipc-ioctl/POSIX mq at 64 B: the
  module before 0.05-0.40x; with only the send's copy moved before the
  lock 0.07-0.09x; with only the wake-ups moved after the lock
  0.34-0.79x; with both 0.55-0.79x.  The collapse was the wake-up under the
  queue's mutex: the woken receiver's first act is to take that mutex
  again, which its waker still held, so it slept on it, and with vCPUs
  stalled by the host each such round cost milliseconds (about 200 sleeps
  a second at 64 messages each, 13k msgs/s).  mqueue wakes with \`wake_q\`
  after its spinlock is dropped.

**What changed.**  A queue wakes the tasks it hands a message to, or
admits, after it drops its lock (\`kipc_queue_unlock_wake()\`; ipc/'s \`wake_q\`
is not exported to modules), and a send copies its message into a kernel
buffer before it takes the lock, as mqueue's \`load_msg()\` does (on the
stack up to 256 bytes, else allocated and charged to the sender's memory
cgroup).

**Before and after, same boot** (kipc-bench \`-s S2,S3,S4,S8 -t 3\`, three
rounds, each round the old module then the new; kipc-ioctl/POSIX mq, and
kipc/POSIX mq for the fast path; S2 is a latency, shown as mq/kipc so that
above 1 is better for kipc everywhere):

| case | kipc-ioctl/mq before | after | kipc/mq before | after |
|---|---|---|---|---|
| S2 64 B round trip | 0.69 0.66 0.01 | 0.79 0.74 0.73 | 0.45 0.01 0.01 | 0.89 1.00 0.75 |
| S3 64 B | 0.05 0.10 0.16 | 0.51 0.56 0.21 | 0.12 0.08 0.09 | 0.71 1.22 0.62 |
| S3 4 KiB | 0.46 0.68 0.91 | 0.55 0.49 0.81 | 0.48 0.82 0.86 | 0.97 1.10 0.51 |
| S4 4x64 B | 0.13 0.54 0.33 | 0.65 0.49 1.03 | 0.36 0.35 0.34 | 0.87 2.30 1.15 |
| S8 S3 64 B, guest busy | 0.41 0.64 2.11 | 1.07 0.20 0.86 | 2.88 0.35 5.32 | 1.09 0.93 4.92 |
| S8 S4, guest busy | 0.60 0.63 0.43 | 0.51 1.01 0.54 | 0.07 0.66 0.59 | 2.12 1.24 0.16 |

In messages per second, S3 64 B kipc-ioctl went from 9.9k, 17.3k and 10.1k
to 81.8k, 61.5k and 14.2k (POSIX mq in the same rounds: 195k, 176k, 64k
before; 160k, 110k, 69k after).  The goal, kipc-ioctl at least 1.0x POSIX mq
in S2 and S3, is **not met**: 0.2-0.8x.  What remains, by the probes above:
the uncontended path is about 1.3x mqueue's with no single part to blame,
and a receiver handed a message still takes the queue's lock again to copy
it out of the ring and free its slot (mqueue's receiver, handed the message
itself, does not); that second acquisition contends with the sender's
next one.  Closing it would take a pipelined receive: the sender copies
into the waiting receiver's kernel buffer, and the slot is freed by the
next holder of the lock after the receiver's copy-out succeeds (a fault
must still put the message back in order).  Polling before blocking did
not collapse with busy processes in the guest (kipc's fast path 0.93-4.9x
mq in S8's S3), so liblkipc's spin was not made adaptive.  S8's host-busy
cases (busy processes on the host, started by \`make bench\`) were not run
for this table: the host was already saturated by other work.

## The ioctl path's time under the lock, measured on 2026-12-06

Not written by a \`make bench\` run: profiled and measured by hand in
boots of 6.12.118 under TCG (2 vCPUs, \`idle=halt\`), on a host running
nothing else of ours (the idle-host \`make bench\` above ran just before).

**Where the time went.**  \`perf record -a -e cpu-clock\` in the guest, a
producer and a consumer process on one queue, 64 B messages, kipc through
\`KIPC_IOC_SEND\`/\`KIPC_IOC_RECV\` (no mapping) against POSIX mq:

| share of samples | kipc-ioctl | POSIX mq |
|---|--:|--:|
| spinning for the queue's lock (\`mutex_spin_on_owner\`; mq: \`native_queued_spin_lock_slowpath\`) | 19.9% | 15.7% |
| user copies (\`rep_movs_alternative\`) | 16.4% | 2.6% |
| \`find_vmap_area\` (hardened usercopy checking a copy out of the ring's \`vmap()\`) | 1.2% | - |
| \`kipc_ring_enter\` | 1.8% | - |
| the ioctl's LSM hook (TOMOYO) | 1.7% | - |

A receive held the lock across three copies to user memory (the
message, then the whole 72-byte \`struct kipc_recv\` back), while mqueue
holds its spinlock only around its lists; the sender spins meanwhile.

**What changed.**  Under the lock a receive now writes only its two
results (\`type\`, \`msg_len\`) and copies the message page by page from
the ring's own pages (no vmalloc lookup); the poll wake-up check lost
its barrier (the lock orders it); and a queue nobody has mapped skips the
ring's enter work, two locked instructions and a barrier per call, until
its first \`mmap\` (ring.md §5).

**Before and after, same boot**, the module swapped (\`rmmod\`/\`insmod\`),
kipc-ioctl against POSIX mq at 64 B (S2 as mq/kipc so that above 1 is
better for kipc everywhere), \`kipc-bench -s S2,S3\`, two boots:

| case | before | after |
|---|---|---|
| S3 64 B, boot 1 (\`-t 3\`, 2 rounds) | 0.64 0.60 | 0.44 0.70 |
| S3 64 B, boot 2 (\`-t 5\`, 2 rounds) | 0.86 0.62 | 1.10 0.64 |
| S2 64 B round trip, boot 1 | 0.85 0.80 | 1.01 1.07 |
| S2 64 B round trip, boot 2 | 0.74 0.83 | 0.91 0.88 |
| S3 4 KiB, boot 2 | 0.75 0.88 | 1.03 0.91 |

A one-process loop of a non-blocking send and receive (20,000 pairs, six
runs a module, boot 1) went from 13.0-14.1 µs a pair to 11.9-12.9 µs; its
two-process blocking form from 7.5-11.6 µs a message to 5.9-8.0 µs
(POSIX mq 5.1-5.9 µs in both).  The goal, kipc-ioctl at least 1.0x POSIX
mq in S2 and S3, is met in some rounds and **not reliably**: what remains
is the receive's copy out under the lock and the handed-off receiver's
second acquisition of it (the section above).

## S1: the fast path's fence, and two pollers on one CPU, measured on 2026-12-06

Not written by a \`make bench\` run: one boot of 6.12.118 under TCG, a
two-process ping-pong of 64 B messages through two mapped queues, both
sides polling with \`KIPC_MSG_NONBLOCK\` (S1's shape), 50,000 round trips a
run, two builds of liblkipc linked into two copies of the program.

- **The fence.**  The fast path's only explicit fence is the \`seq_cst\`
  fence after a send or a receive (ring.md's S8 and R7), before
  the SLOW check that pairs with the kernel's enter.  A build without it
  (unsafe: measurement only) took 2.44-2.74 µs a round trip against
  2.51-3.13 µs with it, four runs each, interleaved.  The fence is at
  most about a tenth of S1's cost, so an asymmetric barrier on the
  kernel's side (the \`membarrier(2)\` idea) cannot by itself bring S1
  from 2.95x the raw spin to 1.2x: the rest is the protocol's per-message
  work (a compare-and-swap on \`prod\` or \`cons\`, the lane's intent word,
  the slot's \`seq\`) against a raw store and load.  A single-producer,
  single-consumer mode without the compare-and-swap is what is left to
  try.
- **Two pollers on one CPU.**  In another boot, which shared the host
  with a debug-kernel test boot, the first run took 480 µs a round trip
  and the next 7 µs.  Not confirmed, but the likely cause is the two
  processes starting on the same vCPU, where each poll loop can only
  wait for the scheduler's tick to run the other (host contention may
  have added to it).  The loop was the program's own, but liblkipc's
  spin before blocking is as blind within its budget
  (\`LKIPC_SPIN_US\`): it cannot tell whether the peer is running.

## A queue's lock never waits on user memory, measured on 2026-12-06

Not written by a \`make bench\` run: same-boot comparisons of the module
before and after, swapped with \`rmmod\`/\`insmod\`, in boots of 6.12.118
under TCG with nothing else of ours running on the host.

**What changed.**  A receive used to copy its message out and write its
results under the queue's lock, so that a fault lost nothing; a fault on
a buffer registered with userfaultfd then held every other user of the
queue for as long as its process wanted.  Now the copy is made under the
lock only with page faults disabled (a buffer that is there and
writable, the usual case: one hold, as before); otherwise the message is
copied into a kernel buffer and held for its receiver, the lock dropped
for the copy out, and taken again to take the message or put it back in
order (queues-storage.md §5).  Batches do the same for their later
entries; a send batch faults its messages in before its hold.

**The first version cost a quarter.**  Copying every receive through a
kernel buffer with two holds of the lock took S3's two-process 64 B
kipc-ioctl loop from 125-153k to 87-115k msgs/s (three runs each, same
boot): the second acquisition of the lock contends with the sender's.
With the no-fault copy first, the same loop ran 86-97k msgs/s against
86-93k before (POSIX mq 131-150k in that boot; the host was slower
than in the first), and \`kipc-bench -s S3 -t 5\`, two rounds a module:

| S3, ratio to POSIX mq in the same round | before | after |
|---|---|---|
| 64 B kipc-ioctl | 0.78 0.72 | 0.72 1.03 |
| 4 KiB kipc-ioctl | 0.64 0.94 | 0.85 0.66 |
| 64 B kipc-batch | 1.07 1.17 | 1.20 1.75 |
| 4 KiB kipc-batch | 0.65 0.83 | 0.69 0.63 |

The system-call path's speed is unchanged within this host's noise
(POSIX mq itself moved from 34k to 48k msgs/s at 4 KiB between rounds).
The goal of kipc-ioctl at least 1.0x POSIX mq is still **not met**: the
receive still copies under the lock in the usual case, and a handed-off
receiver still takes the lock a second time to free its slot; a copy
out of the lock in every case costs more than it saves, as measured
above, unless the sender copies into the waiting receiver's buffer and
the slot is freed without the receiver taking the lock again.

## S9: P and V with undo without a system call, measured on 2026-12-06

Not written by a \`make bench\` run: \`kipc-bench -s S7,S9 -t 10\` and
\`-s S9 -t 10\`, two boots of 6.12.118 under TCG, while spin model checks
and a test VM of ours ran on the host (load about 1.8).

**What changed.**  P(1) and V(1) with \`KIPC_SEM_UNDO\` went to the kernel
every time, because the undo record was the kernel's: 4.34 µs and 2
system calls per pair in the table above, 13.8x glibc's \`sem_t\`.  Now an
open description holds a slot in the semaphore's undo page, a record
only the kernel writes, and the compare-and-swap that takes or gives the
unit also adds the change to the word's undo tag, which the kernel
records at its next section or at the release (ring.md, "Undo without a
system call").  The first P or V with undo on a handle asks for the slot
and maps the page (two system calls, once; S9's setup makes them before
the measured process starts, as opening maps the semaphore's page).

| S9, µs per P+V pair (median) | boot 1 | boot 2 |
|---|--:|--:|
| kipc, with undo | 0.56 | 0.30 |
| kipc-ioctl, with undo | 6.58 | 3.82 |
| glibc \`sem_t\` (no undo) | 0.47 | 0.27 |
| robust \`pthread_mutex\` | 0.38 | 0.34 |
| timer only (in every row) | 0.17 | 0.12 |
| **kipc/glibc** | **1.19x** | **1.11x** |
| kipc system calls per pair | 0.00 | 0.00 |

Both S9 goals are met in both boots (at most 1.5x glibc, no system
call); S7 (no undo) was 1.04x in boot 1.  Counted by callgrind on the
host against a fake page, a P+V pair with undo is 196 instructions and
one without 134.  A protocol that recorded every change with a second
compare-and-swap by the process cost 350, and was wrong: the Promela
model and the kill torture both found a change lost or a unit forged
when a kernel section or another process recorded a tag that its owner
was still adding to (testing.md, \`sem_fast_test\`).  Descriptions that
take turns on one semaphore make one system call per turn, which hands
them the tag; S9 has one.

## S10: releasing a set in one call, measured on 2026-12-05

Not written by a \`make bench\` run (S10 joins the table at its next full
run).  Four processes take one unit of each of K semaphores of
value 1 at once and check that they are alone.  kipc:
\`lkipc_sem_wait_all()\`, then one \`lkipc_sem_post_all()\` (an ioctl each way);
kipc-ioctl: the same wait, then a post per semaphore, each an ioctl; SysV:
one \`semop()\` of K \`sembuf\`s on a set of K, both ways.  Max/min and Jain's
index are S6's starvation measure over the four processes' acquisitions.

**Releasing with one call (\`lkipc_sem_post_all()\`) against a post each**,
measured in one boot of 6.12.118 under TCG (\`idle=halt\`) on 2026-12-05
12:53 UTC, three rounds of \`kipc-bench -s S10 -t 3\` alternating the
kipc-bench from before \`lkipc_sem_post_all()\` (kipc row: a post per
semaphore, on the fast path when nobody waits) and the one after; another
helper's TCG VM shared the 2-core host (load average 2 to 4), so the
numbers are rough.  Acquisitions per second, medians:

| case | kipc, a post each (before) | kipc, post_all (after) | kipc-ioctl, an ioctl per post | SysV set |
|---|---|---|---|---|
| K=2 | 4287 2751 3243 | 1527 1524 1318 | 1762-3158 | 8756-58558 |
| K=8 | 1654 2111 1423 | 1361 811 904 | 553-986 | 16900-36263 |

One call makes the release cheaper in system calls (2.00 per
acquisition for kipc, against 3 and 9 with a post each through the
ioctl) but **not faster**: at K=2 it halves the rate, at K=8 it is 0.4
to 0.8 of it, though above a post per ioctl; SysV stays 6 to 45 times
faster.  Even uncontended the call is not cheaper: one process taking
and giving back K semaphores of value 1 (20,000 rounds, three runs in one
boot, host load average 5) spent 10.7-24.3 µs a round at K=2 with
\`lkipc_sem_post_all()\` against 7.2-20.9 µs with two post ioctls, and
42-94 µs at K=8 against 52-109 µs with eight.  The cost is in the module,
not in the number of calls (read from the code; the parts were not timed
one by one):

- \`KIPC_IOC_SEM_OP\` (like the multi-wait) takes the global
  \`kipc_sem_multi_lock\` mutex, sorts its entries, takes a reference to
  each descriptor and every semaphore's lock, where a post takes one
  spinlock.
- A queued multi-wait is not granted by the post: the post wakes its
  task, under all those locks, and the task must take the same mutex and
  locks again to decide.  It wakes while its waker still holds the mutex,
  so it sleeps on it once more; every process of S10 is such a
  multi-waiter.  SysV's \`semop()\` performs the sleeper's operation on its
  behalf, under the one set lock, and wakes it (\`wake_q\`) after dropping
  it.

Closing the gap takes a change in \`kmod/kipc_sem.c\`'s multi-wait: grant a
multi-wait from the post (the poster holds every lock the decision needs
when all of the request's semaphores are in the same \`KIPC_IOC_SEM_OP\`,
and can check the rest with their locks in address order), and wake after
unlocking, as the queues now do.  The acquisition counts per process are
also less even than SysV's (Jain 0.42-0.90 on the kipc row against
0.64-0.96), because a process that has just released is not queued until
its next acquire-all (see "Fairness (S6)" above).

## stress-ng --msg through kipc-compat: where the time goes

\`stress-ng --msg 2 --msg-ops 2000 --verify\` through \`kipc-compat\` ran 12
to 16 times slower than natively (6.1: 23,702 against 1,912 bogo ops/s;
6.12: 26,520 against 1,621).  Measured on 2026-12-05 around 12:58 UTC in
boots of 6.12.118 under TCG (\`idle=halt\`, 2 vCPUs), another helper's TCG
VM on the host (load average 3 to 4.6):

- **Most of it is creating queues, not messages.**  Before it streams,
  stress-ng 0.15's msg stressor calls \`msgget(IPC_PRIVATE)\` until it fails
  or has made about 1024 queues (1027 \`msgget\` calls traced natively),
  then removes them.  Natively each costs 5 to 10 µs.  Through kipc each
  is a kipc queue created with the SysV geometry (64 messages of up to
  MSGMAX, 8 KiB), whose ring the module allocates and zeroes up front:
  128 slots of 8 KiB and a header, about 1 MiB, 260 pages.  A program of
  ours timing 1024 \`msgget(IPC_PRIVATE)\` and their \`IPC_RMID\`: native 4.9
  to 10 µs per create and 6 to 8.5 µs per removal; kipc 7.5 to 10.5 ms per
  create and 190 to 224 µs per removal, and the 63rd create fails with
  \`ENOSPC\`, the 64 MiB per-user byte limit (\`user_bytes_max\`) being full
  of rings.  \`function_graph\` on \`kipc_queue_create()\` (depth 2) puts 2.9
  to 3.4 ms of its 3.0 to 5.9 ms in \`kipc_shared_alloc()\`, the ring's
  pages.  In stress-ng, 63 or 64 kipc queues are created per run
  (\`LKIPC_POSIX_LOG=1\`), about 0.5 s: most of the run.
- **Same boot, the creation cut short**: with \`user_bytes_max\` lowered
  to 4 MiB, so that only 4 or 5 queues fit, the same command went from
  3886, 4687 and 3440 bogo ops/s to 8044, 5084 and 8773 (native in the
  same rounds: 41462, 23888, 25761).
- **What remains is the message path**: per message, liblkipc-posix
  makes four system calls where the kernel's queues take two (a send
  or receive ioctl, and \`geteuid()\` and \`getegid()\` in its table lookup,
  which serves a handle only to the credentials that opened it: 3986 and
  3975 of them for 2000 messages under \`strace -f\`), and the ioctl path
  itself is slower than \`msgsnd\`/\`msgrcv\` (see "The kernel path against
  mqueue" above).  A sender and a receiver process streaming 5000
  4-byte messages: native 40.0k-84.3k messages/s, kipc 14.0k-43.9k;
  without the two credential calls (a build for timing only) 23.1k-31.1k,
  within the noise of this host.

**Not fixed here.**  The cost is the ring's storage, allocated and zeroed
for the queue's whole capacity at creation, where a SysV queue allocates
storage per message sent and can hold only \`MSGMNB\` (16 KiB) of text
anyway; the library cannot shrink it (a smaller ring holds fewer messages
and only lets the same loop create more queues before \`ENOSPC\`).  The fix
belongs to the queue's storage in the module (\`kipc_queue_create()\` and
\`kipc_shared_alloc()\`): give a queue its slot pages as the ring first
reaches them instead of all at creation (the header page and the pages
of the slots written so far; a send that reaches an unpopulated page
allocates it under the queue's lock with \`GFP_KERNEL_ACCOUNT\`, and \`mmap\`
maps pages as they are populated, or populates the rest on the first
\`mmap\`), so that a queue nobody fills costs one page, as a SysV queue
costs nothing.
## S6 overtakes and wait tails, and the mutex+cond peer, measured on 2026-12-05

Not written by a \`make bench\` run (S6's new rows and the mutex+cond peer
join the table at its next full run).  One boot of 6.12.118 under TCG
(2 vCPUs, \`idle=halt\`), 2026-12-05 16:36-16:39 UTC, \`kipc-bench -s S6 -t 3\`
then \`kipc-bench -s S2,S3,S4 -t 3\` in the same boot.  The host was **not**
quiet: two other helpers' debug-kernel VMs (KASAN, kmemleak) ran beside
it on the 2-core host, load average 6.5 to 8.0 (\`uptime\` before, during
and after), so tails in milliseconds are mostly vCPU stalls and only the
same-run comparisons below mean anything.

**S6, the wait for P** (µs, every acquisition of the 3 trials) and
**overtakes per 1000 acquisitions**, by the kernel's queue order (kipc
only) and by timestamps (everyone; margin: the median uncontended P, 0.2
to 4.3 µs):

| N | mechanism | median | p99 | p99.9 | max | by queue | by timestamps | acq/s |
|---|---|--:|--:|--:|--:|--:|--:|--:|
| 2 | kipc | 0.23 | 4063 | 9417 | 16067 | 0 | 17.3 | 5612 |
| 2 | kipc-ioctl | 2.69 | 440 | 8130 | 89942 | 0 | 358 | 10137 |
| 2 | glibc sem_t | 0.23 | 0.49 | 0.80 | 52927 | - | 211 | 615.1k |
| 2 | SysV sem | 2.15 | 4.18 | 121 | 48863 | - | 629 | 118.6k |
| 4 | kipc | 0.48 | 5085 | 16496 | 59470 | 0 | 392 | 5800 |
| 4 | kipc-ioctl | 2.19 | 1585 | 6296 | 47682 | 0 | 562 | 55786 |
| 4 | glibc sem_t | 0.24 | 0.79 | 589 | 1284.8k | - | 700 | 167.3k |
| 4 | SysV sem | 2.00 | 969 | 5360 | 37115 | - | 315 | 53346 |
| 8 | kipc | 0.27 | 24594 | 65661 | 67586 | 0 | 53.7 | 3482 |
| 8 | kipc-ioctl | 4.28 | 60522 | 91349 | 97984 | 0 | 116 | 940 |
| 8 | glibc sem_t | 0.25 | 2.68 | 3984 | 112.1k | - | 811 | 133.1k |
| 8 | SysV sem | 506 | 6767 | 21188 | 26490 | - | 64.3 | 7655 |

- **Overtakes by queue order: 0 for kipc**, fast path and system-call
  path, at N = 2, 4 and 8: the goal is met.  The measure does find
  overtakes when there are some: with a module built only for this check
  whose waiters are queued at the head instead of the tail (LIFO), one
  boot of \`kipc-bench -q -t 1 -s S6\` showed 931 to 994 per 1000 at N = 4
  and 8 (and 0 at N = 2, where a LIFO of one waiter is a FIFO), and
  \`tests/bench.test\` against that module fails its check "no overtakes by
  kipc's queue order".
- **By timestamps kipc is not at 0** (17 to 562 per 1000), in the same
  range as SysV (64 to 629); glibc's \`sem_t\`, which lets a poster take the
  unit back before the waiter it woke runs, is the highest at N = 4 and 8
  (700, 811).  The timestamp is taken before the call: a request counts
  from then, but it joins kipc's queue only once the fast path's attempt
  on the mapped page has failed and the ioctl has reached the semaphore's
  lock.  A V that finds nobody queued yet makes the unit available, and
  the poster's own next P (on the fast path, or its ioctl reaching the
  lock first) takes it, ahead of the caller still on its way in: that is
  our reading of the code, not traced.  Under TCG, with vCPUs stalled by the host, that
  window is microseconds to milliseconds.  The module's FIFO covers
  queued waiters only; closing the window would take a P that announces
  itself before its fast-path attempt (a "someone is arriving" count in
  the page that V respects).  Not done here: it is kmod/ and liblkipc
  work, and the issue's goal is the queue order.
- **The tail: not met.**  kipc's p99.9 is 16 to 11845 times glibc's and 3
  to 78 times SysV's, and its throughput 0.05 to 0.45 times SysV's (the
  acq/s goal, kept, is not met in this run either; \`make bench\` on
  2026-12-05 had met it at 1.3-1.9x on a quieter host).  A strong
  semaphore hands the unit to the waiter it wakes, so every acquisition
  under contention waits for a wake-up, and under TCG on this host a
  wake-up of a stalled vCPU costs milliseconds; glibc's barging keeps the
  lock with the running process and its median wait at 0.2 µs, and shows
  its starvation only in the maximum (1.28 s at N = 4).  The ratio needs a
  run on a quiet host before anything is concluded from it.

**The userspace peer** (a ring under a process-shared robust pthread
mutex with condition variables, mutex+cond), same boot, kipc/peer ratio
of medians in brackets:

| case | kipc | kipc-ioctl | POSIX mq | SysV msg | mutex+cond |
|---|--:|--:|--:|--:|--:|
| S2 64 B round trip (µs) | 52.8 | 57.6 | 43.4 (1.22x) | 43.4 (1.22x) | 46.0 (1.15x) |
| S3 64 B (msgs/s) | 46179 | 21022 | 68225 (0.68x) | 61502 (0.75x) | 198.6k (0.23x) |
| S3 4 KiB (msgs/s) | 10772 | 5389 | 14537 (0.74x) | 9610 (1.12x) | 4656 (2.31x) |
| S4 4x64 B (msgs/s) | 20551 | 12599 | 21153 (0.97x) | 15016 (1.37x) | 18922 (1.09x) |

At 64 B the mutex+cond ring streams 4.3 times as fast as kipc's fast path
in S3: its producer and consumer sleep only when the ring is full or
empty and otherwise make no system call (0.16 per message, counted), and
a 64-byte copy is cheap.  At 4 KiB, and with four producers contending
for its one mutex (S4), it falls behind kipc; its ping-pong latency is
the kernel queues'.  The issue sets no goal against it.

## Cost curves (C1-C4) and S9, measured on 2026-12-05

Not written by a \`make bench\` run (the curves and S9 join the tables
above, with the plot performance-curves.png, at the next full run).  One
boot of 6.12.118 under TCG (2 vCPUs, \`idle=halt tsc=reliable\`, 1 GiB),
19:53-19:57 UTC, \`kipc-bench -s C1,C2,C3,C4,S9\`: 3 min 32 s of VM time
for all of it (C4 at W = 1024 alone 86 s), so the curves fit the full
run's budget.  C4 was run again in a second boot (19:58-20:01 UTC).  The
host was **not** idle: another helper's VMs ran beside both boots on the
2-core host, and builds beside the first.  Each curve point is 3
interleaved trials (a rate: 0.15 s each; a latency: up to 400 samples);
every figure below is a median, and only the same-run comparisons mean
anything.  Slope: the least-squares fit of log(cost per operation) on
log(x), the cost being the latency or the inverse of the rate (about 0:
O(1); about 1: O(n)); last step: the same between the last two x values.
The first boot's curves, log-log (its numbers:
[performance-curves-2026-12-05.csv](performance-curves-2026-12-05.csv)):

![cost per operation against x, first boot](performance-curves-2026-12-05.png)

**C1, producers** (S4's shape, 64 B; msgs/s):

| mechanism | P=1 | P=2 | P=4 | P=8 | P=16 | slope | last step |
|---|--:|--:|--:|--:|--:|--:|--:|
| **kipc** | 96741 | 56870 | 35270 | 33491 | 9106 | +0.76 | +1.88 |
| **kipc-ioctl** | 75958 | 62533 | 16501 | 15142 | 10574 | +0.77 | +0.52 |
| POSIX mq | 120.9k | 72872 | 39139 | 28037 | 13602 | +0.77 | +1.04 |
| SysV msg | 110.2k | 73001 | 37479 | 28233 | 6786 | +0.94 | +2.06 |

**C2, message size** (S3's shape, queues of 16; msgs/s):

| mechanism | 16 B | 64 B | 512 B | 4 KiB | 8 KiB | slope | last step |
|---|--:|--:|--:|--:|--:|--:|--:|
| **kipc** | 78625 | 85926 | 62464 | 29905 | 18406 | +0.23 | +0.70 |
| **kipc-ioctl** | 78732 | 70809 | 60644 | 22554 | 15920 | +0.26 | +0.50 |
| POSIX mq | 133.9k | 95104 | 84951 | 26130 | 15413 | +0.33 | +0.76 |
| SysV msg | 104.6k | 94787 | 75732 | 31251 | 16984 | +0.28 | +0.88 |

**C3, named objects alive** (µs; one mechanism's N objects at a time;
kipc's object limits raised for the curve through the module parameters
\`max_objects\` and \`max_objects_per_user\`, RLIMIT_MSGQUEUE and
RLIMIT_NOFILE raised; kipc is measured on semaphores, whose names live in
the same registry as its queues', because 4096 queues would hold 4096
rings):

| mechanism | open, N=1 | 16 | 256 | 4096 | slope | last step | op, N=1 | 16 | 256 | 4096 | slope | last step |
|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
| **kipc** | 55.5 | 58.2 | 58.0 | 61.0 | +0.01 | +0.02 | 0.22 | 0.19 | 0.46 | 0.93 | +0.19 | +0.25 |
| **kipc-ioctl** | 12.7 | 12.5 | 12.5 | 16.3 | +0.03 | +0.10 | 3.47 | 3.31 | 3.66 | 4.83 | +0.04 | +0.10 |
| POSIX mq | 9.88 | 9.68 | 9.67 | 10.6 | +0.01 | +0.03 | 4.42 | 4.14 | 4.38 | 5.40 | +0.02 | +0.07 |
| SysV sem | 1.23 | 1.20 | 1.16 | 1.56 | +0.02 | +0.11 | 3.18 | 3.06 | 3.18 | 3.55 | +0.01 | +0.04 |

**C4, queued waiters** (µs; W threads of one process blocked, the V from
another process; two boots, the second in brackets):

| mechanism | V, W=1 | 16 | 256 | 1024 | slope | wake, W=1 | 16 | 256 | 1024 | slope |
|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
| **kipc** | 3880 (2130) | 3887 (2172) | 8.07 (3587) | 11.0 (1830) | -0.99 (-0.02) | 7849 (5518) | 7873 (6224) | 23.8 (5418) | 6079 (3503) | -0.39 (-0.03) |
| **kipc-ioctl** | 3862 (2474) | 3878 (2204) | 3821 (2452) | 11.9 (3060) | -0.60 (-0.00) | 7851 (6082) | 7894 (6245) | 22.7 (6168) | 6037 (4223) | -0.39 (-0.03) |
| glibc sem_t | 36.7 (45.0) | 34.4 (84.6) | 40.6 (54.5) | 56.3 (60.0) | +0.05 (+0.03) | 22.6 (27.7) | 20.8 (30.9) | 29.6 (34.0) | 37.1 (42.7) | +0.07 (+0.05) |
| SysV sem | 33.8 (43.2) | 33.7 (76.9) | 37.1 (53.4) | 55.0 (58.2) | +0.06 (+0.03) | 21.3 (27.1) | 20.3 (29.4) | 30.3 (34.2) | 36.2 (39.7) | +0.08 (+0.05) |
| POSIX mq | 35.2 (43.0) | 34.1 (52.1) | 37.4 (53.4) | 53.1 (62.3) | +0.05 (+0.05) | 21.3 (27.8) | 21.5 (32.0) | 29.4 (36.5) | 38.8 (42.9) | +0.08 (+0.05) |

**S9, P+V with undo** (µs, 15 trials; system calls per pair counted):

| mechanism | median | p99 | p99.9 | kipc/peer | syscalls/op |
|---|--:|--:|--:|--:|--:|
| **kipc** (liblkipc, \`KIPC_SEM_UNDO\`, mapped semaphore) | 3.93 | 6.21 | 45.3 | base | 2.00 |
| **kipc-ioctl** | 3.87 | 5.65 | 45.3 | - | 2.00 |
| glibc sem_t (no undo) | 0.26 | 0.34 | 0.57 | 15.40x | 0.00 |
| robust mutex (process-shared, in shared memory) | 0.31 | 0.40 | 0.71 | 12.50x | 0.00 |
| timer only | 0.12 | 0.16 | 0.18 | - | 0.00 |

| goal | same-run value | verdict |
|---|--:|---|
| S9 - P+V with undo: kipc/glibc sem_t <= 1.50 | 15.396x | NOT met |
| S9: kipc P+V with undo with 0 system calls | 2.00 syscalls | NOT met |

Today liblkipc takes P and V with undo through the kernel even on a mapped
semaphore (the undo record is the kernel's), so kipc's row is its ioctl
row; making them system-call free is issue #12's item 4, and S9 measures
whatever liblkipc does.

**What the curves say.**

- *Nothing kipc does per operation grows with the number of objects,
  waiters or producers faster than its peers'.*  Every C3 and C4 slope of
  kipc's is between -1 and +0.25, the peers' between 0 and +0.11.
- *C1*: the cost per message grows with the producers for every
  mechanism alike (slopes +0.76 to +0.94): 16 producers and a consumer
  share 2 vCPUs and one queue.  kipc's fast path loses most from 8 to 16
  producers (last step +1.88, kipc-ioctl +0.52): its senders poll the ring
  for up to 20 µs before they block (\`lkipc_set_spin(3)\`), CPU time the
  consumer needs when producers outnumber CPUs 8 to 1.  Our reading, not
  traced.
- *C2*: the copy: from 512 B on, every mechanism's cost grows towards
  O(size) (last steps +0.5 to +0.9); kipc's fast path copies each message
  once into the mapped ring, its peers twice through the kernel, and it
  is the cheapest per message at 8 KiB (18.4k msgs/s against 15.4k to
  17.0k).
- *C3, open by name*: flat for everyone to N = 256; from 256 to 4096
  kipc-ioctl's open grew by 3.8 µs (+30%), System V's \`semget\` by 0.4 µs
  (+34%), POSIX's \`mq_open\` by 0.9 µs (+10%).  kipc's name lookup
  (\`kipc_name_lookup()\` in kmod/kipc_registry.c) walked one bucket of
  a fixed table of 64 (\`DECLARE_HASHTABLE(names, 6)\` in \`struct
  kipc_ns\`), under the global \`kipc_registry_lock\` mutex: past 64
  names a lookup was O(N/64), 64 names compared per lookup at N = 4096
  (a \`strcmp()\` each, the names of one creator sharing their first 16
  bytes).  That was worse than O(log n) per lookup, and it is fixed
  since these figures were taken: each namespace's names are now a
  red-black tree ordered by (type, name), so a lookup compares O(log N)
  names (12 at N = 4096), and the tree's nodes live in the objects, so it
  needs no memory of its own (a resizable hash table's bucket array would
  be memory no creator is charged for).  \`registry_test many_names\`
  checks 2000 names that differ only in their last 5 of 213 bytes.  Same
  boot before and after (6.12, \`kipc-bench -s C3 -t 3\`, modules swapped
  old, new, old, new; the host was not idle and the peers' own medians
  moved up to 2x between rounds, so each open is given against POSIX
  \`mq_open()\`'s in the same round): kipc-ioctl's open cost 1.40, 1.41,
  1.37 and 1.47 times mq_open's at N = 1, and at N = 4096 1.89 and 1.69
  times with the old module, 1.33 and 1.31 with the new: the old lookup's
  growth with N is gone.
  kipc's fast-path open (55-61 µs, 5 system calls) is 4.5 times its
  system-call path's: the open maps the semaphore's page and the close
  unmaps it.
- *C3, one operation*: kipc-ioctl and the peers are flat (+0.01 to +0.10).
  kipc's fast path, 0.22 µs at N = 1, reaches 0.93 µs at 4096 (slope
  +0.19): a P+V on a random one of N mapped pages touches a new page each
  time, 16 MiB of them at N = 4096, and under TCG a TLB miss is an
  emulated page walk; the kernel's objects cost their peers a system call
  instead (3.2 to 5.4 µs).  It makes no system call (0 counted) at any N:
  the fast path does not look anything up.
- *C4, the V that hands off*: O(1) in W for every mechanism, kipc
  included: kipc's grant takes the first waiter of its FIFO list
  (\`kipc_sem_grant()\`, the head, O(1)) and a waiter queues at the tail.
  But **kipc's V and its wake-up cost milliseconds where the peers' cost
  tens of microseconds**: in both boots, both paths, the V took about one
  4-ms timer tick (2-4 ms medians) and the wake one to two ticks, at
  every W from 1 to 1024 (in the first boot some points, W = 256 and 1024,
  did not).  The times are bimodal, tens of microseconds or a tick: a
  third boot (20:07 UTC, \`-t 3 -s S5\`, then \`-q -s C4\`) had kipc's V at
  10 µs for W = 1 but 2-3 ms for W = 4 and 16, and S5, a single waiter
  *process*, had kipc's wake at a 34 µs median (glibc 30) but a 7.9 ms p99
  (glibc 2.3 ms), while the eventfd semaphore, whose wake-up also runs
  under the lock its waiter takes next (the wait queue's), had a 6.5 ms
  median.  The difference in
  kipc's code from every peer: \`kipc_sem_v()\` wakes the granted waiter
  with \`wake_up_process()\` while it holds the semaphore's spinlock, and
  the woken waiter's first act is \`kipc_sem_lock()\` on that spinlock;
  futex, System V and POSIX queues collect their wake-ups (\`wake_q\`) and
  wake after unlocking.  This is the same shape that made kipc's queues
  collapse, fixed there with \`kipc_queue_unlock_wake()\`.  Not traced: why
  threads of one process suffer where a single process does not is not
  known.  **Fixed since** (kmod: "wake a semaphore's sleepers after its
  lock is dropped"): a section collects the sleepers it wakes (a reference
  on each, up to 8) and \`kipc_sem_unlock()\` wakes them after
  \`spin_unlock()\`, as \`kipc_queue_unlock_wake()\` does for queues.  In
  one boot of 6.12 (20:31-20:52 UTC; \`kipc-bench -t 3 -s C4\`, the old
  and the new module swapped in by \`rmmod\`/\`insmod\`; other VMs loading
  the host), kipc's wake latency at W = 1, 4, 16, 64, 256, 1024 had
  medians of 7318, 7726, 62, 78, 105, 117 µs with the old module in one
  round and 47, 55, 54, 7371, 7664, 3379 µs in the next, and 60, 64, 35,
  59, 46, 49 µs with the new one; its p99 at W = 1 went from 23.8 ms to
  0.19 ms.  Its V that hands off: old 54, 22, 25, 33, 36, 2435 µs and
  20, 3001, 3130, 5951, 3147, 3108 µs; new 15, 18, 56, 145, 71, 77 µs.
  A later boot (20:53 UTC, host busier still) gave the new module wake
  medians of 34-143 µs and V medians of 53-126 µs, beside glibc's
  \`sem_t\` at 39-70 µs and 61-136 µs, SysV's at 34-64 and 53-492 µs and
  POSIX mq's at 35-133 and 52-556 µs: kipc's hand-off is now in the
  peers' range at every W, and O(1) in W.  C4 with waiter processes
  instead of threads was not run.
NOTES
	cat <<REF

## Reference workloads, same boot

Other projects' IPC benchmarks, run right after kipc-bench in the same VM,
so that our peers' numbers can be checked against tools people know.  rt-tests
report latencies in microseconds (Min/Cur/Avg/Max per sender-receiver pair,
the pair on one CPU with \`-S\`); stress-ng reports bogo operations per
second (one message, or one pipe write plus read, per bogo op).  pmqtest
runs twice: on the kernel's POSIX queues, then unmodified on kipc queues
through \`kipc-compat\` (liblkipc-posix preloaded):

REF
	pmq_table
	echo
	echo '```'
	section "pmqtest"
	section "kipc-compat pmqtest"
	section "svsematest"
	section "stress-ng"
	echo '```'
} >"$doc.tmp" && mv "$doc.tmp" "$doc"
echo "bench-report: wrote $doc${png:+, $docdir/$png} and $docdir/$base.csv (VM output: $out/vm-output.txt)" >&2
