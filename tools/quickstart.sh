#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# quickstart.sh: the README's first command.  Installs what kipc needs
# (tools/setup.sh), configures and builds everything in the source tree, then
# boots Debian's 6.12 kernel in QEMU with the module loaded and runs the demo.
set -eu
cd "$(dirname "$0")/.."
tools/setup.sh
if [ ! -f Makefile ]; then
	./autogen.sh
	./configure --quiet
fi
make -s -j"$(nproc)" >/dev/null
make -s demo
