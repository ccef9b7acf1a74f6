#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Quick start demo, run inside the VM by "make demo".
set -e
echo "== kipc on $(uname -r) =="
kipcctl info
