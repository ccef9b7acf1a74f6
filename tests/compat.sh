#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the VM (busybox sh), from tests/compat.test: programs nobody here
# wrote, unmodified, natively and on kipc through tools/kipc-compat; prints
# TAP.  Each run through kipc must have opened kipc objects (the library's
# log, LKIPC_POSIX_LOG, names the posix.mq.* kipc queue of each mq_open),
# pmqtest's must show in kipcctl ls while it runs (stress-ng's run is too
# short to sample), and the kernel's /dev/mqueue must stay empty.  The
# same for SysV semaphores (svsematest, stress-ng --sem-sysv): the log
# names the sysv.sem.* set of each semget, and the kernel's own sets
# (/proc/sysvipc/sem) stay unused.
#
# compat.sh BASE KERNEL: test points are numbered from BASE + 1 and named
# after KERNEL; the plan (COMPAT_POINTS of them) is compat.test's.
export LKIPC_POSIX_LIB=/usr/local/lib/liblkipc-posix.so.0
n=$1 k=$2
ok() { n=$((n + 1)); echo "ok $n - $k: $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $k: $*"; }
check() { # DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
mkdir -p /dev/mqueue
mount -t mqueue none /dev/mqueue

# vm-run carries what glibc dlopens at run time.
check "vm-run carries libgcc_s.so.1" test -e /lib/x86_64-linux-gnu/libgcc_s.so.1

watch_start() { # FILE: sample kipcctl ls every 100 ms
	(while :; do kipcctl ls; sleep 0.1; done) >"$1" 2>&1 &
	watcher=$!
}
watch_stop() { kill "$watcher"; wait "$watcher" 2>/dev/null; }

run() { # NAME TIMEOUT COMMAND...: output in /tmp/NAME.out, status in $rc
	name=$1 t=$2
	shift 2
	timeout "$t" "$@" >"/tmp/$name.out" 2>&1
	rc=$?
	grep -v '^liblkipc-posix: pid' "/tmp/$name.out" | sed 's/^/# /' | tail -n 12
}

# pmqtest: two threads ping-pong over two queues, 1000 rounds.
run pmq-native 60 pmqtest -l 1000 -i 1000 -q
check "pmqtest natively (status $rc)" test $rc = 0
watch_start /tmp/pmq.ls
LKIPC_POSIX_LOG=1 run pmq-kipc 60 kipc-compat pmqtest -l 1000 -i 1000 -q
watch_stop
check "pmqtest through kipc-compat (status $rc)" test $rc = 0
check "pmqtest opened its queues on kipc" \
	grep -q 'mq_open /.*: kipc queue posix\.mq\.' /tmp/pmq-kipc.out
check "pmqtest's queues showed in kipcctl ls" grep -q 'posix\.mq\.' /tmp/pmq.ls
check "pmqtest left /dev/mqueue empty" test -z "$(ls /dev/mqueue)"
check "pmqtest measured latencies" grep -q 'Max' /tmp/pmq-kipc.out

# stress-ng: 2 workers, 2000 operations, checking what it receives.
run sng-native 120 stress-ng --mq 2 --mq-ops 2000 --verify --metrics-brief
check "stress-ng --mq natively (status $rc)" test $rc = 0
LKIPC_POSIX_LOG=1 run sng-kipc 120 kipc-compat stress-ng --mq 2 --mq-ops 2000 --verify --metrics-brief
check "stress-ng --mq --verify through kipc-compat (status $rc)" test $rc = 0
check "stress-ng opened its queues on kipc" \
	grep -q 'mq_open /.*: kipc queue posix\.mq\.' /tmp/sng-kipc.out
check "stress-ng left /dev/mqueue empty" test -z "$(ls /dev/mqueue)"
check "stress-ng reported no failure" sh -c '! grep -qE "fail:|failures|error" /tmp/sng-kipc.out'

# stress-ng --msg: SysV message queues, 2 workers, 2000 operations each
# way, checked; the log names the sysv.msg.* kipc queue of each msgget,
# and kipcctl ls (about 10 samples) shows them with their key.
run msg-native 120 stress-ng --msg 2 --msg-ops 2000 --verify --metrics-brief
check "stress-ng --msg natively (status $rc)" test $rc = 0
watch_start /tmp/msg.ls
LKIPC_POSIX_LOG=1 run msg-kipc 120 kipc-compat stress-ng --msg 2 --msg-ops 2000 --verify --metrics-brief
watch_stop
check "stress-ng --msg --verify through kipc-compat (status $rc)" test $rc = 0
check "its queues showed in kipcctl ls with their SysV key" \
	grep -q 'sysv\.msg\..* sysv key 0x' /tmp/msg.ls
check "stress-ng --msg opened its queues on kipc" \
	grep -q 'msgget 0x.*: kipc queue sysv\.msg\.' /tmp/msg-kipc.out
check "stress-ng --msg reported no failure" sh -c '! grep -qE "fail:|failures|error" /tmp/msg-kipc.out'

# svsematest: two threads (then two processes, -f) ping-pong over a SysV
# semaphore set, 1000 rounds; run from /tmp with its full path (ftok).
cd /tmp || exit 1
run svs-native 60 /usr/bin/svsematest -l 1000 -i 1000 -q
check "svsematest natively (status $rc)" test $rc = 0
LKIPC_POSIX_LOG=1 run svs-kipc 60 kipc-compat /usr/bin/svsematest -l 1000 -i 1000 -q
check "svsematest through kipc-compat (status $rc)" test $rc = 0
check "svsematest opened its set on kipc" \
	grep -q 'semget .*: kipc semaphore set sysv\.sem\.' /tmp/svs-kipc.out
check "svsematest measured latencies" grep -q 'Max' /tmp/svs-kipc.out
LKIPC_POSIX_LOG=1 run svsf-kipc 60 kipc-compat /usr/bin/svsematest -f -l 1000 -i 1000 -q
check "svsematest -f (processes) through kipc-compat (status $rc)" \
	sh -c "test $rc = 0 && grep -q 'Max' /tmp/svsf-kipc.out"
# The kernel's own sets (/proc/sysvipc/sem: a header line alone) unused.
check "svsematest left the kernel's SysV semaphores unused" \
	sh -c '! grep -qv "^ *key" /proc/sysvipc/sem'

# stress-ng: 2 workers, 2000 operations, checking the values it reads.
run sngs-native 120 stress-ng --sem-sysv 2 --sem-sysv-ops 2000 --verify --metrics-brief
check "stress-ng --sem-sysv natively (status $rc)" test $rc = 0
LKIPC_POSIX_LOG=1 run sngs-kipc 120 kipc-compat stress-ng --sem-sysv 2 --sem-sysv-ops 2000 --verify --metrics-brief
check "stress-ng --sem-sysv --verify through kipc-compat (status $rc)" test $rc = 0
check "stress-ng opened its set on kipc" \
	grep -q 'semget .*: kipc semaphore set sysv\.sem\.' /tmp/sngs-kipc.out
check "stress-ng --sem-sysv reported no failure" sh -c '! grep -qE "fail:|failures|error" /tmp/sngs-kipc.out'
exit 0
