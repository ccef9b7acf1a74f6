#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# test-timed.sh COMMAND...: Automake's LOG_COMPILER for every test.  Runs
# the test, then says how long it took as a TAP comment, "# took N s", that
# check-summary.sh reports per lane (where a fresh clone's time goes).  The
# test's exit status is kept.
start=$(date +%s)
"$@"
rc=$?
echo "# took $(($(date +%s) - start)) s"
exit $rc
