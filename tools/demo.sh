#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Quick start demo, run inside the VM by "make demo".
set -e
echo "== kipc on $(uname -r) =="
kipcctl info
echo
echo "== a strong semaphore next to a glibc sem_t =="
sem-strong-vs-weak
echo
echo "== a pipe-mode queue between shell pipelines, with kipcctl =="
queue-pipe
