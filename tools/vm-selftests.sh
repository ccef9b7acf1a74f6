#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vm-selftests.sh FILE.vmtest: the log compiler of make check's .vmtest
# files.  FILE sets kernel=, module=, memory=, args= and append= (more
# kernel command line); this boots that
# kernel with vm-run and runs every selftest inside, which prints TAP.
set -u
# shellcheck source=/dev/null # a .vmtest file, written by make
. "./$1" 2>/dev/null || . "$1"
: "${top_builddir:?}" "${top_srcdir:?}"
# kernel= and args= come from the .vmtest file; args is a list of options.
# shellcheck disable=SC2154,SC2086
exec "$top_builddir/tools/vm-run" --kernel "$kernel" \
	${module:+--module "$module"} --memory "${memory:-1024}" \
	--timeout "${timeout:-1500}" ${append:+--append "$append"} \
	--add "$top_builddir/selftests/kipc:/kipc-tests" \
	--add "$top_srcdir/selftests/kipc/run_kselftests.sh:/kipc-tests/run_kselftests.sh" \
	-- /kipc-tests/run_kselftests.sh $args
