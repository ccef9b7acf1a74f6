#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kipcctl's semaphore commands and exit statuses, run inside the VM by
# tests/kipcctl.test; prints TAP.
n=0
failed=0
out=/tmp/kipcctl.out
t() { # DESCRIPTION EXPECTED_STATUS COMMAND...: run, keep output in $out
	desc=$1 want=$2
	shift 2
	"$@" >$out 2>&1
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want" ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (status $rc, expected $want)"
		sed 's/^/# /' $out
		failed=1
	fi
}
has() { # DESCRIPTION REGEX: the last output has a line matching REGEX
	n=$((n + 1))
	if grep -qE -- "$2" $out; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 (no line matching $2)"
		sed 's/^/# /' $out
		failed=1
	fi
}
waiters_are() { # N: wait until the semaphore s1 has N waiters
	i=0
	while [ $i -lt 100 ]; do
		[ "$(kipcctl sem stat s1 | sed -n 's/^waiters *//p')" = "$1" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}


t "create prints the id" 0 kipcctl sem create s1 --value 2 --mode 640
has "the id is a number" '^[0-9]+$'
t "create --excl of an existing name: status 5" 5 kipcctl sem create s1 --excl
t "P 2 takes both units" 0 kipcctl sem P s1 2
t "P --nowait with value 0: status 3" 3 kipcctl sem P s1 --nowait
has "it says it would wait" 'would have to wait'
t "P --timeout 0.2 with value 0: status 3" 3 kipcctl sem P s1 --timeout 0.2
has "it says it timed out" 'timed out'

kipcctl sem P s1 3 &
pid=$!
waiters_are 1
t "stat with a waiter" 0 kipcctl sem stat s1
has "stat shows the value" '^value +0$'
has "stat shows the mode" '^mode +0640$'
has "stat shows the waiter's pid and request" "^ +1\. pid $pid +wants 3$"
t "stat --json" 0 kipcctl --json sem stat s1
has "the JSON has the waiter" "\"waiters\": \[\{\"pid\": $pid, \"count\": 3\}\]"
t "ls" 0 kipcctl ls
has "ls lists s1 with its waiter" '^sem +[0-9]+ +s1 +0 +32767 +1 0640 '
t "ls --json" 0 kipcctl --json ls
has "the JSON lists s1" '"name": "s1", "value": 0, "max": 32767, "waiters": 1, "mode": "0640"'
t "V 3 grants the waiter" 0 kipcctl sem V s1 3
wait $pid
t "the waiter's P succeeded" 0 test $? = 0
t "unlink" 0 kipcctl sem unlink s1
t "stat after unlink: status 4" 4 kipcctl sem stat s1

kipcctl sem create s2 >/dev/null
kipcctl sem P s2 >/tmp/waiter.out 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && ! kipcctl sem stat s2 | grep -q '^waiters *1$'; do
	sleep 0.05
	i=$((i + 1))
done
t "rm with a waiter" 0 kipcctl sem rm s2
wait $pid
rc=$?
n=$((n + 1))
if [ $rc = 1 ] && grep -q 'Identifier removed' /tmp/waiter.out; then
	echo "ok $n - the waiter got EIDRM"
else
	echo "not ok $n - the waiter got EIDRM (status $rc)"
	sed 's/^/# /' /tmp/waiter.out
	failed=1
fi
t "the name is gone after rm: status 4" 4 kipcctl sem V s2

kipcctl sem create s3 --value 32767 >/dev/null
t "V past the maximum fails: status 1" 1 kipcctl sem V s3
has "it says so" 'Value too large'
t "an unknown command: status 2" 2 kipcctl sem frobnicate s3
t "a bad count: status 2" 2 kipcctl sem V s3 0
kipcctl sem unlink s3
echo "1..$n"
exit $failed
