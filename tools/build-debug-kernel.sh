#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) a debug 6.12 kernel from Debian's linux-source-6.12 package:
# KASAN, lockdep, atomic-sleep checks, kmemleak, UBSAN, list debugging and
# failslab; no networking, no debug info.  The result is cached outside the
# source tree, keyed by the source tarball and the config fragment below, so
# a second call is instant.
#
# Prints the cache directory on stdout.  It holds:
#   bzImage   the kernel to boot
#   obj/      the kbuild object tree to build modules against (M=...)
#
# Usage: build-debug-kernel.sh [--cache DIR] [--jobs N]
set -euo pipefail

cache=${KIPC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kipc}
jobs=$(nproc)
tarball=${KIPC_LINUX_SOURCE:-}

while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--source) tarball=$2; shift 2 ;;
	*) echo "usage: $0 [--cache DIR] [--jobs N] [--source TARBALL]" >&2; exit 2 ;;
	esac
done

if [ -z "$tarball" ]; then
	# shellcheck disable=SC2012 # Debian's own file names, no odd characters
	tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
fi
if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
	echo "build-debug-kernel: Debian's linux-source-6.12 is not installed" >&2
	exit 1
fi

# The configuration on top of x86_64 defconfig.  Changing it changes the key.
fragment='
-e PREEMPT
-e NET
-e UNIX
-d INET
-d NETDEVICES
-d NETFILTER
-d BT
-d CFG80211
-d RFKILL
-d ETHTOOL_NETLINK
-e SECCOMP
-e SECCOMP_FILTER
-d DRM
-d SOUND
-d USB_SUPPORT
-d WIRELESS
-d WLAN
-d INPUT_MOUSE
-d INPUT_JOYSTICK
-d INPUT_TABLET
-d INPUT_TOUCHSCREEN
-d HID
-d AGP
-d VIRTUALIZATION
-d DEBUG_INFO
-d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT
-d DEBUG_INFO_DWARF4
-d DEBUG_INFO_DWARF5
-e DEBUG_INFO_NONE
-e MODULES
-e MODULE_UNLOAD
-d MODULE_SIG
-e IO_URING
-e SERIAL_8250
-e SERIAL_8250_CONSOLE
-e BLK_DEV_INITRD
-e DEVTMPFS
-e DEBUG_FS
-e KASAN
-e KASAN_GENERIC
-e KASAN_INLINE
-e PROVE_LOCKING
-e DEBUG_ATOMIC_SLEEP
-e DEBUG_KMEMLEAK
-d DEBUG_KMEMLEAK_DEFAULT_OFF
-d DEBUG_KMEMLEAK_AUTO_SCAN
--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 64000
-e UBSAN
-e UBSAN_BOUNDS
-e UBSAN_SHIFT
-e DEBUG_LIST
-e FAULT_INJECTION
-e FAILSLAB
-e FAIL_PAGE_ALLOC
-e FAULT_INJECTION_USERCOPY
-e FAULT_INJECTION_DEBUG_FS
-e CGROUPS
-e MEMCG
-e NAMESPACES
-e IPC_NS
-e USER_NS
-e USERFAULTFD
-e DETECT_HUNG_TASK
--set-val DEFAULT_HUNG_TASK_TIMEOUT 120
-e SOFTLOCKUP_DETECTOR
--set-str LOCALVERSION -kipc-debug
-d LOCALVERSION_AUTO
'

key=$( (sha256sum "$tarball" | cut -c1-16; echo "$fragment"; echo v1) |
	sha256sum | cut -c1-16)
dir=$cache/debug-kernel/$key
if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

log() { echo "build-debug-kernel: $*" >&2; }
mkdir -p "$dir"
# One build at a time per key: a second caller waits, then finds it done.
exec 9>"$dir/lock"
if ! flock -n 9; then
	log "another build of this kernel is running; waiting for it"
	flock 9
fi
if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi
src=$dir/src
obj=$dir/obj
if [ ! -f "$src/Makefile" ]; then
	log "extracting $tarball"
	rm -rf "$src" "$dir/tmp"
	mkdir -p "$dir/tmp"
	tar -xf "$tarball" -C "$dir/tmp"
	mv "$dir"/tmp/linux-source-* "$src"
	rmdir "$dir/tmp"
fi

mkdir -p "$obj"
log "configuring in $obj"
make -s -C "$src" O="$obj" defconfig >&2
# shellcheck disable=SC2086 # the fragment is a list of options
"$src/scripts/config" --file "$obj/.config" $fragment
make -s -C "$src" O="$obj" olddefconfig >&2

# Refuse a config that silently lost an option we asked for.
for opt in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK UBSAN \
	DEBUG_LIST FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_USERCOPY MODULES \
	MODULE_UNLOAD IO_URING DEBUG_INFO_NONE UNIX SECCOMP_FILTER MEMCG \
	IPC_NS USER_NS USERFAULTFD; do
	if ! grep -q "^CONFIG_$opt=y" "$obj/.config"; then
		log "CONFIG_$opt did not stick in the configuration"
		exit 1
	fi
done
if grep -q '^CONFIG_INET=y' "$obj/.config"; then
	log "CONFIG_INET is still enabled"
	exit 1
fi

log "building the kernel with $jobs jobs (about 10 minutes on 2 cores)"
start=$(date +%s)
make -s -C "$src" O="$obj" -j"$jobs" bzImage modules >&2
log "built in $(($(date +%s) - start)) s"
cp "$obj/arch/x86/boot/bzImage" "$dir/bzImage"
make -s -C "$src" O="$obj" kernelrelease >"$dir/release"
touch "$dir/done"
echo "$dir"
