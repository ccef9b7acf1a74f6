#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench-vm.sh: the part of "make bench" that runs inside the VM, in one boot:
# kipc-bench's full run, then the reference workloads of other projects
# (rt-tests pmqtest and svsematest, stress-ng's msg, mq and pipe stressors),
# each bounded in time.  Sections are delimited by "=== NAME" lines that
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
# svsematest makes its IPC key with ftok(argv[0]): give it a real path.
echo "=== svsematest -S -i 1000 -l $((secs * 300)) -q"
"$(command -v svsematest)" -S -i 1000 -l $((secs * 300)) -q 2>&1 | grep -E '^#[0-9]'
for s in msg mq pipe; do
	echo "=== stress-ng --$s 1 -t ${secs}s --metrics-brief"
	stress-ng --$s 1 -t "${secs}s" --metrics-brief 2>&1 |
		grep -E "metrc:.* $s |bogo ops/s|fail|error" | sed 's/^stress-ng: //'
done
echo "=== end"
