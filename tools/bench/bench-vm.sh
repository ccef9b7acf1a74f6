#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench-vm.sh: the part of "make bench" that runs inside the VM, in one boot:
# kipc-bench's full run, then the reference workloads of other projects
# (rt-tests pmqtest and svsematest, stress-ng's msg, mq and pipe stressors),
# each bounded in time; pmqtest runs twice, natively and through
# kipc-compat (its POSIX queues on kipc), so that both latencies come from
# the same boot.  Sections are delimited by "=== NAME" lines that
# tools/bench-report.sh reads; the CSV travels on stdout because nothing
# else leaves the VM.
#
# Environment: BENCH_ARGS (extra kipc-bench options, e.g. --quick),
# BENCH_REF_SECONDS (each stress-ng run, default 10).
secs=${BENCH_REF_SECONDS:-10}

echo "=== kipc-bench"
# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
kipc-bench --no-progress --csv /tmp/results.csv ${BENCH_ARGS:-}
echo "=== kipc-bench status $?"
echo "=== csv"
cat /tmp/results.csv
echo "=== end csv"

# rt-tests: -S puts one sender/receiver pair on each CPU; latencies in us.
echo "=== pmqtest -S -i 1000 -l $((secs * 300)) -q"
pmqtest -S -i 1000 -l $((secs * 300)) -q 2>&1 | grep -E '^#[0-9]'
# The same through liblkipc-posix, which vm-run puts in /usr/local/lib;
# its log of each mq_open shows that the queues were kipc's.
echo "=== kipc-compat pmqtest -S -i 1000 -l $((secs * 300)) -q"
LKIPC_POSIX_LIB=/usr/local/lib/liblkipc-posix.so.0 LKIPC_POSIX_LOG=1 \
	kipc-compat pmqtest -S -i 1000 -l $((secs * 300)) -q >/tmp/pmq.out 2>&1
grep -E '^#[0-9]|rror' /tmp/pmq.out
echo "(mq_open on kipc queues: $(grep -c 'mq_open .*: kipc queue' /tmp/pmq.out))"
# svsematest makes its IPC key with ftok(argv[0]): give it a real path.
echo "=== svsematest -S -i 1000 -l $((secs * 300)) -q"
"$(command -v svsematest)" -S -i 1000 -l $((secs * 300)) -q 2>&1 | grep -E '^#[0-9]'
for s in msg mq pipe; do
	echo "=== stress-ng --$s 1 -t ${secs}s --metrics-brief"
	stress-ng --$s 1 -t "${secs}s" --metrics-brief 2>&1 |
		grep -E "metrc:.* $s |bogo ops/s|fail|error" | sed 's/^stress-ng: //'
done
echo "=== end"
