#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-summary.sh [--lint-failed 0|1] LABEL TEST...
#
# Add up the results Automake's TAP driver wrote for each TEST (TEST.trs;
# a test that never ran counts as failed) and print one closing line:
#   LABEL: N passed, N failed, N skipped
# Before it, each failing test's "not ok" lines and their diagnostics, and
# how long each test ran (test-timed.sh's "# took N s"):
#   LABEL took N s: TEST N s, ...
# With --lint-failed, "make lint" counts as one more test.  Exits 1 if
# anything failed.
lint=
if [ "$1" = --lint-failed ]; then
	lint=$2
	shift 2
fi
label=$1
shift
pass=0 fail=0 skip=0 took='' total=0
for t; do
	trs=${t%.*}.trs
	# test-timed.sh's last line: how long the test ran.
	secs=$(sed -n 's/^# took \([0-9]*\) s$/\1/p' "${t%.*}.log" \
		2>/dev/null | tail -n 1)
	if [ -n "$secs" ]; then
		took="$took${took:+, }${t##*/} $secs s"
		total=$((total + secs))
	fi
	if [ ! -f "$trs" ]; then
		fail=$((fail + 1))
		continue
	fi
	p=$(grep -c '^:test-result: PASS' "$trs")
	x=$(grep -c '^:test-result: XFAIL' "$trs")
	s=$(grep -c '^:test-result: SKIP' "$trs")
	f=$(grep -c '^:test-result: \(FAIL\|XPASS\|ERROR\)' "$trs")
	pass=$((pass + p + x))
	skip=$((skip + s))
	fail=$((fail + f))
	# What failed, with the test's own diagnostics, where the end of
	# the output (often all a CI log keeps) shows it.
	if [ "$f" != 0 ] && [ -f "${t%.*}.log" ]; then
		echo "== ${t%.*}: what failed"
		awk '/^#/ { if (p) print; else b[n++ % 20] = $0; next }
			/^not ok / { for (i = n > 20 ? n - 20 : 0; i < n; i++)
					print b[i % 20]
				print; p = 1; n = 0; next }
			{ p = 0; n = 0 }' "${t%.*}.log" | head -n 80
	fi
done
case $lint in
0) pass=$((pass + 1)) ;;
1) fail=$((fail + 1)) ;;
esac
[ -z "$took" ] || echo "$label took $total s: $took"
echo "$label: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
