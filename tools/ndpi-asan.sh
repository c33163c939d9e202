#!/bin/bash
# ndpi-asan.sh — build guanlan with AddressSanitizer + UndefinedBehaviorSanitizer
# and replay the nDPI corpus through it (tests/tools/test-ndpi-corpus.sh).
#
#   tools/ndpi-asan.sh [BUILD_DIR]     (default: build-asan)
#
# This is what CI runs as the sanitizer job; locally it takes a few minutes
# on 2 cores. Exit status is the corpus test's (0 clean, 1 failures, 77 no corpus).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-asan}
# -Werror is the normal build's job; here only sanitizer findings count
cmake -S "$root" -B "$build" -DGUANLAN_SANITIZE=ON -DGUANLAN_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target guanlan
GUANLAN_BIN="$build/guanlan" exec bash "$root/tests/tools/test-ndpi-corpus.sh"
