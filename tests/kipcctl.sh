#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kipcctl's semaphore and queue commands and exit statuses, run inside the
# VM by tests/kipcctl.test; prints TAP.
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
is() { # DESCRIPTION EXPECTED: the last output is EXPECTED (trailing newlines aside)
	n=$((n + 1))
	if [ "$(cat $out)" = "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "# expected:"
		echo "$2" | sed 's/^/#   /'
		echo "# got:"
		sed 's/^/#   /' $out
		failed=1
	fi
}
got_eidrm() { # DESCRIPTION PID FILE: background command PID failed with EIDRM, said in FILE
	wait "$2"
	rc=$?
	n=$((n + 1))
	if [ $rc = 1 ] && grep -q 'Identifier removed' "$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 (status $rc)"
		sed 's/^/# /' "$3"
		failed=1
	fi
}
until_stat() { # QUEUE REGEX: wait until "queue stat QUEUE" has a line matching REGEX
	i=0
	while [ $i -lt 200 ]; do
		kipcctl queue stat "$1" | grep -qE -- "$2" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
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
has "stat shows the order" '^order +fifo$'
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
got_eidrm "the waiter got EIDRM" $pid /tmp/waiter.out
t "the name is gone after rm: status 4" 4 kipcctl sem V s2

t "sem create --prio-order" 0 kipcctl sem create s4 --prio-order
t "stat shows the order" 0 kipcctl sem stat s4
has "  priority" '^order +priority$'
t "ls shows the order" 0 kipcctl ls
has "  on s4's line only" '^sem +[0-9]+ +s4 .* \(priority order\)$'
t "ls --json shows the order" 0 kipcctl --json ls
has "  as \"order\"" '"name": "s4", .*"order": "priority"\}'
t "queue create --prio-order" 0 kipcctl queue create q4 --prio-order
t "queue stat shows the order" 0 kipcctl queue stat q4
has "  priority" '^order +priority$'
t "info names the feature" 0 kipcctl info
has "  prio_order" 'prio_order'
kipcctl sem unlink s4
kipcctl queue unlink q4

kipcctl sem create s3 --value 32767 >/dev/null
t "V past the maximum fails: status 1" 1 kipcctl sem V s3
has "it says so" 'Value too large'
t "an unknown command: status 2" 2 kipcctl sem frobnicate s3
t "a bad count: status 2" 2 kipcctl sem V s3 0
kipcctl sem unlink s3

# ---- Message queues ---------------------------------------------------
t "queue create prints the id" 0 \
	kipcctl queue create q1 --msgs 4 --msgsize 16 --bytes 32 --mode 640
has "the id is a number" '^[0-9]+$'
t "queue create --excl of an existing name: status 5" 5 \
	kipcctl queue create q1 --excl
t "queue create without --excl opens it" 0 kipcctl queue create q1
t "queue create with a bad --msgs: status 2" 2 kipcctl queue create q9 --msgs x
t "queue create above msgsize_max: status 1" 1 \
	kipcctl queue create q9 --msgsize 99999999
has "it says why" 'Invalid argument'
t "queue create with --bytes below --msgsize: status 1" 1 \
	kipcctl queue create q9 --msgsize 64 --bytes 32
t "queue create --json" 0 kipcctl --json queue create q2 --msgs 2 --msgsize 8
has "the JSON has the geometry" \
	'^\{"name": "q2", "id": [0-9]+, "cap_msgs": 2, "msgsize": 8, "cap_bytes": 16, "pipe": false\}$'

t "send two messages from arguments" 0 kipcctl queue send q1 hello world
t "send --type 7" 0 kipcctl queue send q1 --type 7 seven
t "send a message above msgsize: status 1" 1 \
	kipcctl queue send q1 01234567890123456
has "it says the message is too long" 'Message too long'
t "send --type 0: status 2" 2 kipcctl queue send q1 --type 0 x
t "send --json" 0 kipcctl --json send q2 a b
has "the JSON counts the messages" '^\{"sent": 2\}$'
t "send --nowait to a full queue: status 3" 3 kipcctl queue send q2 --nowait c
has "it says it would wait" 'would have to wait'
t "send --timeout 0.2 to a full queue: status 3" 3 \
	kipcctl queue send q2 --timeout 0.2 c
has "it says it timed out" 'timed out'
t "send --nowait with --timeout: status 2" 2 \
	kipcctl queue send q2 --nowait --timeout 1 c

t "queue stat" 0 kipcctl queue stat q1
has "stat shows the occupancy and high-water mark" \
	'^messages +3 of 4 \(at most 3 so far\)$'
has "stat shows the bytes" '^bytes +15 of 32 \(at most 15 so far\)$'
has "stat shows the largest message" '^msgsize +16$'
has "stat shows the mode" '^mode +0640$'
has "stat shows the owner" '^owner +uid 0 gid 0$'
has "stat shows the counters" '^sent +3 \(15 bytes\)$'
has "stat shows what destroy dropped" '^dropped +0$'
has "stat shows what dead processes lost" '^lost +0$'
has "stat shows the ring's mode" '^storage +[0-9]+ bytes, fast mode, 0 threads on the fast path$'
has "stat says it is not a pipe" '^pipe +no$'
t "queue stat --json" 0 kipcctl --json queue stat q1
has "the JSON has geometry and occupancy" \
	'"msgs": 3, "cap_msgs": 4, "bytes": 15, "cap_bytes": 32, "msgsize": 16, "pipe": false'
has "the JSON has the counters" \
	'"sent": 3, "received": 0, "dropped": 0, "bytes_sent": 15, "bytes_received": 0, "hwm_msgs": 3, "hwm_bytes": 15'
has "the JSON has the owner" '"mode": "0640", "uid": 0, "gid": 0'
has "the JSON has the ring" '"lost": 0, "lanes": 0, "ring_mode": "fast"'
t "queue ls" 0 kipcctl queue ls
has "queue ls lists q1" '^[0-9]+ +q1 +3 +4 +15 +16 +0 +0 +no +0640 +0 +0 '
t "queue ls --json" 0 kipcctl --json queue ls
has "the JSON lists q1" \
	'"type": "queue", "id": [0-9]+, "name": "q1", "msgs": 3, "cap_msgs": 4, "bytes": 15, "cap_bytes": 32, "msgsize": 16, "waiters": 0'
t "ls lists queues too" 0 kipcctl ls
has "with messages, capacity and waiters" '^queue +[0-9]+ +q1 +3 +4 +0 0640 '

t "peek shows the first message" 0 kipcctl queue peek q1
is "peek: hello" "hello"
t "recv --type 7 takes the typed one" 0 kipcctl queue recv q1 --type 7
is "recv --type 7: seven" "seven"
t "recv --count 2" 0 kipcctl queue recv q1 --count 2
is "recv --count 2: in send order" "hello
world"
t "recv --nowait on an empty queue: status 3" 3 kipcctl queue recv q1 --nowait
has "it says it would wait" 'would have to wait'
t "recv --timeout 0.2 on an empty queue: status 3" 3 \
	kipcctl queue recv q1 --timeout 0.2
has "it says it timed out" 'timed out'
t "stat counts received and keeps the high-water mark" 0 kipcctl queue stat q1
has "received 3" '^received +3 \(15 bytes\)$'
has "high-water mark 3" '^messages +0 of 4 \(at most 3 so far\)$'

kipcctl queue send q1 --type 3 a
kipcctl queue send q1 --type 1 b
kipcctl queue send q1 --type 2 c
kipcctl queue send q1 --type 3 d
t "recv --select le --type 2: the lowest type" 0 \
	kipcctl queue recv q1 --select le --type 2
is "le 2 takes type 1" "b"
t "recv --select not --type 3" 0 kipcctl queue recv q1 --select not --type 3
is "not 3 takes type 2" "c"
t "recv --select exact --type 3" 0 kipcctl queue recv q1 --select exact --type 3
is "exact 3 takes the first of type 3" "a"
t "recv --select le --type 2 with only type 3 left: status 3" 3 \
	kipcctl queue recv q1 --select le --type 2 --nowait
t "recv --json" 0 kipcctl --json queue recv q1
is "a JSON object per message" '{"type": 3, "length": 1, "data": "d"}'
t "--select le without --type: status 2" 2 kipcctl queue recv q1 --select le
t "--select any with --type: status 2" 2 \
	kipcctl queue recv q1 --select any --type 3
t "an unknown selector: status 2" 2 kipcctl queue recv q1 --select most
t "--peek --count 2: status 2" 2 kipcctl queue recv q1 --peek --count 2

printf 'l1\nl2\n\nl4' >/tmp/lines
t "send from standard input, a message per line" 0 \
	sh -c 'kipcctl queue send q1 </tmp/lines'
t "recv them" 0 kipcctl queue recv q1 --count 4
is "the lines come back, the empty one and the unterminated one too" "l1
l2

l4"
printf '0123456789abcdefGHIJKLMNOPQRSTUVwxyz0123' >/tmp/raw
kipcctl queue create q3 --msgsize 16 >/dev/null
t "send --raw: standard input in chunks of msgsize" 0 \
	sh -c 'kipcctl --json queue send q3 --raw </tmp/raw'
has "40 bytes in 16-byte messages: 3" '^\{"sent": 3\}$'
t "recv --raw --count 3" 0 \
	sh -c 'kipcctl queue recv q3 --raw --count 3 >/tmp/raw.out'
t "the bytes come back as they were" 0 cmp /tmp/raw /tmp/raw.out
t "send --raw with MESSAGE arguments: status 2" 2 kipcctl queue send q3 --raw x
kipcctl queue unlink q3
printf '\377\001' | kipcctl queue send q1 --raw
t "recv --json of a message that is not text" 0 kipcctl --json queue recv q1
is "its data is an array of byte values" \
	'{"type": 1, "length": 2, "data": [255, 1]}'
t "recv --nowait --count 0 drains an empty queue: status 3" 3 \
	kipcctl queue recv q1 --nowait --count 0
kipcctl queue send q1 x y
t "recv --nowait --count 0 drains the queue: status 0" 0 \
	kipcctl queue recv q1 --nowait --count 0
is "both" "x
y"

kipcctl queue recv q1 >/tmp/recv.out 2>&1 &
pid=$!
t "a blocked receiver shows in stat" 0 until_stat q1 '^blocked +1 receivers, 0 senders$'
t "kipcctl send (the short form)" 0 kipcctl send q1 handed
wait $pid
t "the receiver got the message" 0 test $? = 0
t "and printed it" 0 grep -qx handed /tmp/recv.out
kipcctl queue send q1 1 2 3 4
kipcctl queue send q1 5 >/dev/null 2>&1 &
pid=$!
t "a blocked sender shows in stat" 0 until_stat q1 '^blocked +0 receivers, 1 senders$'
t "kipcctl recv (the short form)" 0 kipcctl recv q1 --count 5
is "every message in order" "1
2
3
4
5"
wait $pid
t "the sender was admitted" 0 test $? = 0

kipcctl queue send q1 queued
kipcctl queue send q1 1 2 3 4 >/tmp/send.out 2>&1 &
pid=$!
until_stat q1 '^blocked +0 receivers, 1 senders$'
t "queue rm with a blocked sender" 0 kipcctl queue rm q1
got_eidrm "the sender got EIDRM" $pid /tmp/send.out
t "the name is gone after rm: status 4" 4 kipcctl queue send q1 x
t "stat of no such queue: status 4" 4 kipcctl queue stat q1
t "rm of no such queue: status 4" 4 kipcctl queue rm q1
t "queue unlink" 0 kipcctl queue unlink q2
t "unlink again: status 4" 4 kipcctl queue unlink q2
t "an unknown queue command: status 2" 2 kipcctl queue frobnicate q2
t "recv without a name: status 2" 2 kipcctl queue recv

# ---- Pipe mode: kipcctl send and recv in shell pipelines ---------------
t "queue create --pipe" 0 kipcctl --json queue create p1 --pipe
has "the JSON says pipe" '"pipe": true'
# shellcheck disable=SC2016 # expanded by the inner shell
t "a writer: the lines of a producer" 0 \
	sh -c '(for i in 1 2 3; do echo $i; done) | kipcctl queue send p1'
t "recv on a pipe-mode queue reads to end-of-file" 0 kipcctl queue recv p1
is "1 2 3, then end-of-file" "1
2
3"
t "recv at end-of-file again: nothing, status 0" 0 kipcctl queue recv p1
is "nothing" ""

kipcctl queue create p2 --pipe --msgs 4 >/dev/null
kipcctl queue recv p2 >/tmp/p2.out 2>&1 &
pid=$!
t "a reader waits for a writer" 0 until_stat p2 '^blocked +1 receivers'
t "stat: the reader counts, stat itself does not" 0 kipcctl queue stat p2
has "1 reader, no writer" '^pipe +yes: 1 readers, 0 writers$'
seq 1 100 >/tmp/p2.want
t "100 lines through a queue of 4" 0 sh -c 'seq 1 100 | kipcctl queue send p2'
wait $pid
t "the reader ended at end-of-file with status 0" 0 test $? = 0
t "it got every line, in order" 0 cmp /tmp/p2.want /tmp/p2.out
t "stat after a pipe-mode transfer" 0 kipcctl queue stat p2
has "the last receive is the reader's" \
	"^last recv +pid $pid, [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\$"
has "the last send is a writer's" \
	'^last send +pid [1-9][0-9]*, [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
t "stat --json after a pipe-mode transfer" 0 kipcctl --json queue stat p2
has "the JSON has the last sender and receiver" \
	"\"lspid\": [1-9][0-9]*, \"stime\": [1-9][0-9]*, \"lrpid\": $pid, \"rtime\": [1-9][0-9]*, "

kipcctl queue create p3 --pipe >/dev/null
t "stat before any reader" 0 kipcctl queue stat p3
has "no send yet" '^last send +none$'
has "no receive yet" '^last recv +none$'
t "peek before any reader, nothing queued: status 3" 3 \
	kipcctl queue peek p3 --nowait
t "a send after them works: looking is not reading" 0 kipcctl queue send p3 x
t "a reader takes it" 0 kipcctl queue recv p3 --count 1
is "x" "x"
t "a send after the last reader left: killed by SIGPIPE" 141 \
	kipcctl queue send p3 y
t "with SIGPIPE ignored: EPIPE, status 1" 1 \
	sh -c "trap '' PIPE; kipcctl queue send p3 y"
has "it says so" 'Broken pipe'

kipcctl queue create p4 --pipe --msgs 4 >/dev/null
(yes | kipcctl queue send p4 2>/tmp/p4.send.err; echo $? >/tmp/p4.send.rc) &
pid=$!
kipcctl queue recv p4 2>/tmp/p4.recv.err | head -n 3 >$out
is "recv | head -n 3: three lines" "y
y
y"
wait $pid
t "recv ended quietly when head left" 0 test ! -s /tmp/p4.recv.err
t "then the writer got SIGPIPE, like yes | head" 0 \
	test "$(cat /tmp/p4.send.rc)" = 141
t "quietly" 0 test ! -s /tmp/p4.send.err
kipcctl queue create p5 --pipe --msgs 4 >/dev/null
(yes | kipcctl queue send p5 2>/dev/null) &
pid=$!
(trap '' PIPE; kipcctl queue recv p5 2>/tmp/p5.err; echo $? >/tmp/p5.rc) |
	head -n 1 >$out
is "recv with SIGPIPE ignored | head -n 1: one line" "y"
wait $pid
t "recv got EPIPE and ended with status 1" 0 test "$(cat /tmp/p5.rc)" = 1
t "quietly" 0 test ! -s /tmp/p5.err
# Live views: top and watch, bounded with -n and -d.
kipcctl queue create tq --msgs 8 >/dev/null
kipcctl sem create ts --value 0 >/dev/null
kipcctl queue recv tq --count 0 >/dev/null 2>&1 &
rpid=$!
yes | kipcctl queue send tq >/dev/null 2>&1 &
spid=$!	# the pipeline's last command: kipcctl
kipcctl sem P ts >/dev/null 2>&1 &
ppid=$!
waiters_of() { kipcctl sem stat "$1" | sed -n 's/^waiters *//p'; }
i=0
while [ "$(waiters_of ts)" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
kipcctl top --plain -n 2 -d 0.2 >/tmp/top.out 2>&1
t "top --plain -n 2 -d 0.2" 0 test $? = 0
t "two samples, each with its header" 0 test "$(grep -c '^type ' /tmp/top.out)" = 2
t "no terminal control sequences in plain mode" 1 \
	grep -q "$(printf '\033')" /tmp/top.out
awk '/^type /{getline; print; exit}' /tmp/top.out >/tmp/top.first
t "the busy queue first: rates, ring mode, nothing lost" 0 grep -qE \
	'^queue +[0-9]+ +tq +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+ +[0-9]+ +(fast|kernel) +0$' \
	/tmp/top.first
t "its rates are above zero" 1 grep -qE '^queue +[0-9]+ +tq +0\.0 +0\.0 ' \
	/tmp/top.first
t "the semaphore with its waiter, without rates" 0 grep -qE \
	'^sem +[0-9]+ +ts +- +- +0 +1 +- +-$' /tmp/top.out
kipcctl top -n 1 -d 0.1 | cat >/tmp/top.out
t "top on a pipe without --plain: no control sequences" 1 \
	grep -q "$(printf '\033')" /tmp/top.out
t "  but the table" 0 grep -q '^type ' /tmp/top.out
t "--json top" 0 kipcctl --json top -n 2 -d 0.1
t "  one line per sample" 0 test "$(wc -l <$out)" = 2
kipcctl --json top -n 1 -d 0.1 >$out
has "  with rates, ring mode and losses" \
	'"name": "tq".*"send_rate": [0-9.]+, "recv_rate": [0-9.]+, "ring_mode": "(fast|kernel)", "lost": 0'
t "top -n 0: usage" 2 kipcctl top -n 0
t "top -d 0: usage" 2 kipcctl top -d 0
t "top NAME: usage" 2 kipcctl top tq
kill $spid $rpid 2>/dev/null
wait $spid $rpid 2>/dev/null

kipcctl watch ts -n 30 -d 0.1 >/tmp/watch.out 2>&1 &
wpid=$!
sleep 0.5
kipcctl sem V ts
wait $ppid
wait $wpid
t "watch ended after its samples with status 0" 0 test $? = 0
t "  a line per change only: two" 0 test "$(wc -l </tmp/watch.out)" = 2
cp /tmp/watch.out $out
has "  first the waiter, by pid" "^\+0\.[0-9]{3}s value=0 waiters=1: $ppid wants 1$"
has "  then the grant" '^\+[0-9.]+s value=0 waiters=0$'
kipcctl sem create ts2 >/dev/null
kipcctl watch ts2 -d 0.05 >/tmp/watch.out 2>&1 &
wpid=$!
sleep 0.3
kipcctl sem rm ts2
wait $wpid
t "watch ends when the object is destroyed, status 0" 0 test $? = 0
cp /tmp/watch.out $out
has "  and says so" '^\+[0-9.]+s destroyed$'
t "--json watch of a queue" 0 kipcctl --json watch tq -n 1
has "  its counters and ring mode" '^\{"t": 0\.[0-9]{3}, "msgs": [0-9]+, .*"ring_mode": "(fast|kernel)", "lanes": [0-9]+\}$'
t "watch of no such object: status 4" 4 kipcctl watch nosuch -n 1
kipcctl sem create tq >/dev/null
t "watch of a name both types have: usage" 2 kipcctl watch tq -n 1
t "  unless --type says which" 0 kipcctl watch tq --type sem -n 1
has "  the semaphore's" '^\+0\.[0-9]{3}s value=0 waiters=0$'
kipcctl sem unlink tq
kipcctl sem unlink ts
kipcctl queue unlink tq
for q in p1 p2 p3 p4 p5; do kipcctl queue unlink $q; done
t "every queue is gone" 0 kipcctl queue ls
is "only the header" "$(kipcctl queue ls | head -n 1)"
echo "1..$n"
exit $failed
