#!/bin/bash
# scripts/test.sh — the whole test suite, as CI runs it:
#   1. build with -Werror and run every CTest test (unit, integration, corpus
#      oracles: suricata-verify, nDPI corpus, tshark JA3/JA3S);
#   2. build again with AddressSanitizer + UndefinedBehaviorSanitizer and run
#      the whole suite once more (the nDPI corpus replay included);
#   3. build the libFuzzer targets and fuzz each for FUZZ_SECONDS (default 60).
# Tests that need ../shared/corpus skip loudly when it is absent.
# Environment: FUZZ_SECONDS=0 skips fuzzing; SKIP_ASAN=1 skips step 2.
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh test || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-60}
failed=0
step() { echo; echo "==== $*"; }

if [ "${SKIP_ASAN:-0}" != 1 ]; then
    step "ASan+UBSan build and test suite"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGUANLAN_SANITIZE=ON >/dev/null &&
        cmake --build build-asan -j"$jobs" >/dev/null || { echo "ASan build failed"; exit 1; }
    ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --test-dir build-asan --output-on-failure -j"$jobs" || failed=1
fi

if [ "$fuzz_seconds" != 0 ]; then
    step "libFuzzer targets, ${fuzz_seconds}s each"
    cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGUANLAN_FUZZ=ON >/dev/null &&
        cmake --build build-fuzz -j"$jobs" >/dev/null || { echo "fuzz build failed"; exit 1; }
    # two targets at a time (one per core), each for fuzz_seconds
    run_fuzzer() {
        name=$1
        seeds="fuzz/seeds/${name#fuzz-}"
        work="build-fuzz/corpus-${name#fuzz-}"
        mkdir -p "$work"
        [ -d "$seeds" ] && cp -rn "$seeds"/. "$work"/ 2>/dev/null
        if build-fuzz/"$name" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10 \
                -artifact_prefix="build-fuzz/$name-" "$work" >build-fuzz/"$name".log 2>&1; then
            echo "fuzz $name: ok, $(grep -E '^#[0-9]+' build-fuzz/"$name".log | tail -1 | awk '{print $1}' | tr -d '#') runs in ${fuzz_seconds}s"
        else
            echo "FUZZ FAILURE in $name:"; tail -40 build-fuzz/"$name".log; return 1
        fi
    }
    export -f run_fuzzer
    export fuzz_seconds
    ls fuzz/fuzz-*.c | xargs -n1 basename | sed 's/\.c$//' | xargs -P2 -I{} bash -c 'run_fuzzer {}' || failed=1
fi

step "Release-style build (-Werror) and test suite"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
    cmake --build build -j"$jobs" >/dev/null || { echo "build failed"; exit 1; }
ctest --test-dir build --output-on-failure -j"$jobs" || failed=1
[ $failed = 0 ] || echo "test.sh: an earlier step failed (see above)"
exit $failed
