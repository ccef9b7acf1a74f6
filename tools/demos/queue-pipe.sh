#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Pipe semantics with kipcctl: a pipe-mode queue between two shell
# pipelines behaves like a named pipe.  The consumer, "kipcctl recv | ...",
# starts first and waits for a writer; the producer, "seq | kipcctl send",
# sends every line as a message through a queue of 4 and exits, and the
# consumer gets end-of-file and exits 0 once the queue is empty.  Then the
# other direction: when the reader ("kipcctl recv | head") goes, the writer
# ("yes | kipcctl send") dies of SIGPIPE, as "yes | head" does.
set -u
LINES=1000
q=demo-pipe-$$
dir=$(mktemp -d) || exit 2
trap 'rm -rf "$dir"; kipcctl queue rm $q 2>/dev/null' EXIT

kipcctl queue create $q --pipe --msgs 4 >/dev/null || exit 2

# The consumer: numbers the lines it reads, as any filter would.
(kipcctl recv $q; echo $? >"$dir/recv.rc") | cat -n >"$dir/out" &
consumer=$!
# The producer.
seq 1 $LINES | kipcctl send $q
send_rc=$?
wait $consumer
recv_rc=$(cat "$dir/recv.rc")
seq 1 $LINES | cat -n >"$dir/want"
if cmp -s "$dir/want" "$dir/out"; then
	got="all $LINES lines in order"
else
	got="WRONG lines"
fi

# The reader goes away first.
kipcctl queue rm $q
kipcctl queue create $q --pipe --msgs 4 >/dev/null || exit 2
(yes | kipcctl send $q; echo $? >"$dir/send.rc") &
writer=$!
kipcctl recv $q | head -n 3 >/dev/null
wait $writer
sigpipe_rc=$(cat "$dir/send.rc")

echo "pipe: seq | kipcctl send -> queue of 4 -> kipcctl recv | cat -n:" \
	"$got, send exited $send_rc, recv saw end-of-file and exited $recv_rc;" \
	"yes | kipcctl send with the reader gone: status $sigpipe_rc (SIGPIPE)"
[ "$got" = "all $LINES lines in order" ] && [ "$send_rc" = 0 ] &&
	[ "$recv_rc" = 0 ] && [ "$sigpipe_rc" = 141 ]
