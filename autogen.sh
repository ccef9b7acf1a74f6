#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Generate configure and the Makefile.in files.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf --install --force --warnings=all 2>&1 | { grep -v "installing '\|^libtoolize:" || :; } >&2
# Automake's TAP driver, which make check uses.
cp "$(automake --print-libdir)/tap-driver.sh" build-aux/
