#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_kselftests.sh [--kmemleak] [--timeout S] [VAR=VALUE...] [PROGRAM...]
#
# Runs inside the VM (busybox sh).  Runs every test case of every kselftest
# harness PROGRAM (default: the *_test programs beside this script) on its
# own, under a timeout, with a marker written to /dev/kmsg before it; a case
# fails if its exit status says so or if the kernel log after its marker
# shows any splat listed in /kipc/splat-patterns.  Prints one flat TAP stream
# (a test point per case) for Automake's TAP driver; the harness's own output
# comes along as TAP comments.  With --kmemleak, a kmemleak scan after all
# cases is one more test point.  VAR=VALUE arguments go to the programs'
# environment (e.g. KIPC_FUZZ_CALLS, see fuzz_test.c).  Exits 1 if anything
# failed.
dir=$(cd "$(dirname "$0")" && pwd)
kmemleak=0
timeout=900
while [ $# -gt 0 ]; do
	case $1 in
	--kmemleak) kmemleak=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	[A-Z]*=*)
		# shellcheck disable=SC2163 # "$1" is NAME=VALUE: export it so
		export "$1"
		shift
		;;
	*) break ;;
	esac
done
if [ $# -eq 0 ]; then
	set -- "$dir"/*_test
fi
patterns=$(cat /kipc/splat-patterns 2>/dev/null)
[ -n "$patterns" ] || patterns='WARNING:|BUG:|Oops|Call Trace:'

# The harness's -l prints "%-20s %-25s %s" (fixture, variant, test) lines;
# the fixture appears on the first line of its block only, and the variant
# and test columns are independent lists whose product is the set of cases.
list_cases() { # PROGRAM -> "fixture.variant.test" or "fixture.test" lines
	"$1" -l 2>&1 | awk '
	function flush(   i, j) {
		if (f == "") return
		for (j = 1; j <= nt; j++) {
			if (nv == 0) print f "." t[j]
			for (i = 1; i <= nv; i++) print f "." v[i] "." t[j]
		}
	}
	function trim(s) { gsub(/^ +| +$/, "", s); return s }
	/^# FIXTURE/ { next }
	/^-----/ { flush(); f = ""; nv = 0; nt = 0; next }
	{
		if (length($0) > 47 && (substr($0, 21, 1) != " " || substr($0, 47, 1) != " ")) {
			print "BAD-LIST-LINE " $0; next
		}
		a = trim(substr($0, 1, 20)); b = trim(substr($0, 22, 25))
		c = trim(substr($0, 48))
		if (a != "") f = a
		if (b != "") v[++nv] = b
		if (c != "") t[++nt] = c
	}
	END { flush() }'
}

cases=/tmp/kipc-cases.$$
: >"$cases"
for prog; do
	list_cases "$prog" | while read -r id; do
		echo "$prog $id"
	done >>"$cases"
done
total=$(wc -l <"$cases")
[ $kmemleak = 1 ] && total=$((total + 1))

echo "TAP version 13"
echo "1..$total"
n=0
failed=0
out=/tmp/kipc-case-out.$$
while read -r prog id; do
	n=$((n + 1))
	name="$(basename "$prog") $id"
	case $id in
	BAD-LIST-LINE*)
		echo "not ok $n - $name # cannot parse the test list (name too long?)"
		failed=1
		continue
		;;
	esac
	echo "kipc-test: begin $n $name" >/dev/kmsg
	timeout -s KILL "$timeout" "$prog" -r "$id" >"$out" 2>&1 </dev/null
	rc=$?
	splat=$(dmesg | sed -n "/kipc-test: begin $n /,\$p" | grep -E "$patterns")
	sed 's/^/# /' "$out"
	if [ -n "$splat" ]; then
		echo "# kernel log after the start of this test:"
		dmesg | sed -n "/kipc-test: begin $n /,\$p" | sed 's/^/# /' | head -n 60
		echo "not ok $n - $name # kernel splat"
		failed=1
	elif [ $rc = 4 ] || { [ $rc = 0 ] && grep -q '^ok [0-9]* .* # SKIP' "$out"; }; then
		# The harness exits 0 for a skipped case and says so in its TAP.
		reason=$(sed -n 's/^ok [0-9]* .* # SKIP *//p' "$out" | head -n 1)
		echo "ok $n - $name # SKIP $reason"
	elif [ $rc = 0 ]; then
		echo "ok $n - $name"
	else
		[ $rc = 137 ] && echo "# killed after $timeout s"
		echo "not ok $n - $name # exit status $rc"
		failed=1
	fi
done <"$cases"

if [ $kmemleak = 1 ]; then
	n=$((n + 1))
	f=/sys/kernel/debug/kmemleak
	if [ ! -w $f ]; then
		echo "not ok $n - kmemleak # $f is missing"
		failed=1
	else
		# kmemleak ignores objects younger than 5 s; then two scans: an
		# object is reported once it stays unreferenced.
		sleep 5
		echo scan >$f
		sleep 1
		echo scan >$f
		leaks=$(cat $f)
		if [ -n "$leaks" ]; then
			echo "$leaks" | sed 's/^/# /' | head -n 80
			echo "not ok $n - kmemleak # leaks found"
			failed=1
		else
			echo "ok $n - kmemleak"
		fi
	fi
fi
rm -f "$cases" "$out"
exit $failed
