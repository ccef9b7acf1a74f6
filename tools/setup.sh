#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh: install, as root on Debian 12, exactly the packages kipc needs to
# build, boot its test VMs and run its whole test suite.  Idempotent and
# quiet: installs only what is missing.
set -eu

PACKAGES="
build-essential autoconf automake libtool pkg-config
linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
qemu-system-x86 busybox-static cpio kmod
liburing-dev
sparse perl spin
gnuplot-nox rt-tests stress-ng
bc flex bison libelf-dev libssl-dev xz-utils
clang shellcheck gcc-multilib libc6-dev-i386
debhelper dh-dkms dkms lintian
"

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (it installs Debian packages)" >&2
	exit 1
fi

missing=
for p in $PACKAGES; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$s" = "install ok installed" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "setup.sh: all packages are installed"
	exit 0
fi
echo "setup.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The VM boots the kernels directly: the host needs no initramfs for them.
export INITRD=No
apt-get update -qq
# shellcheck disable=SC2086 # a list of package names
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "setup.sh: done"
