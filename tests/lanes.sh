# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # failed: read by the sourcing lane
#
# lanes.sh: sourced by the userspace CI lanes (tests/lane-*.test, run by
# make check-lanes).  Each lane configures the userspace alone
# (--disable-kmod) in its own build directory lanes/NAME, beside a copy of
# the sources made by "make distdir" (lanes/src: Automake refuses a VPATH
# build from a source tree configured in place, as CI's is), so the main
# build is never touched (LANE_SRC=DIR: another copy, e.g. a scratch one
# with a deliberate fault, to see a lane fail).  TAP helpers as in the
# other tests.
: "${top_builddir:?}" "${top_srcdir:?}"
lanes=$top_builddir/lanes
lanesrc=${LANE_SRC:-$lanes/src}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# The tail of a log as TAP comments (compiler diagnostics first).
show() { # FILE [LINES]
	{ grep -E 'error|warning|runtime error|Sanitizer' "$1" | head -n 40
	  echo '--- end of the log:'; tail -n "${2:-30}" "$1"; } | sed 's/^/# /'
}

# lane_configure NAME CONFIGURE-ARGS...: a fresh lanes/NAME, configured.
lane_configure() {
	local name=$1 ksft
	shift
	[ -x "$lanesrc/configure" ] || { echo "# no $lanesrc: run make check-lanes"; return 1; }
	dir=$lanes/$name
	log=$lanes/$name.log
	rm -rf "$dir"
	mkdir -p "$dir/build-aux"
	# The kselftest headers the main configure extracted: no second
	# pass over the kernel tarball.
	ksft=$(sed -n 's/^KSFT_DIR = //p' "$top_builddir/Makefile")
	ln -s "$ksft" "$dir/build-aux/linux-source"
	(cd "$dir" && "$lanesrc/configure" --quiet --disable-kmod "$@") >"$log" 2>&1
}

# lane_make ARGS...: make in lanes/NAME, appending to its log.
lane_make() {
	make -C "$dir" -s -j"$(nproc)" --no-print-directory "$@" >>"$log" 2>&1
}

# lane_selftests KERNEL OUT [VM-RUN OPTIONS...] -- PROGRAM...: run the lane's
# selftest PROGRAMs (names in lanes/NAME/selftests/kipc; none: all) in the
# VM with the main build's module, the output in OUT; then its test points
# renumbered into this lane's TAP stream, the rest as comments.
lane_selftests() {
	local kernel=$1 out=$2 opts=() p vprogs=() rc
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	for p; do
		vprogs+=("/kipc-tests/$p")
	done
	"$top_builddir/tools/vm-run" --kernel "$kernel" --timeout 900 "${opts[@]}" \
		--add "$dir/selftests/kipc:/kipc-tests" \
		--add "$top_srcdir/selftests/kipc/run_kselftests.sh:/kipc-tests/run_kselftests.sh" \
		-- /kipc-tests/run_kselftests.sh "${vprogs[@]}" >"$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*" - "*) ok "${line#ok * - }" ;;
		"not ok "[0-9]*" - "*) not_ok "${line#not ok * - }" ;;
		"1.."*|"TAP version"*) ;;
		*) echo "# $line" ;;
		esac
	done <"$out"
	return $rc
}
