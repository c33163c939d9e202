#!/bin/bash
# test-sv-runner.sh — the Suricata-verify judgement of guanlan.
#
# First the runner's own unit tests (sv_selftest.py: the matcher against
# hand-written EVE records), then tools/sv-run.py over the in-scope part of
# ../shared/corpus/suricata-verify with the binary in $GUANLAN_BIN.
# SV_MIN_PASS_RATE (default below) is the pass rate under which this test
# fails; it starts at 0 so CI stays green while the sensor is young, and is
# meant to be raised as guanlan improves.  Exit 77 (skip) without the corpus.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
min_rate=${SV_MIN_PASS_RATE:-0.80}

if ! python3 -c 'import yaml' 2>/dev/null; then
    echo "SKIP: python3-yaml (PyYAML) is not installed"
    exit 77
fi

echo "== sv-run self-test"
python3 "$here/sv_selftest.py" || { echo "FAIL: sv-run self-test"; exit 1; }

corpus="$root/../shared/corpus/suricata-verify"
if [ ! -d "$corpus" ]; then
    echo "************************************************************"
    echo "SKIP: suricata-verify corpus not found at $corpus"
    echo "************************************************************"
    exit 77
fi
bin=${GUANLAN_BIN:-}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "SKIP: GUANLAN_BIN is not set to an executable guanlan"
    exit 77
fi

echo "== suricata-verify (min pass rate $min_rate)"
python3 "$root/tools/sv-run.py" --bin "$bin" --corpus "$corpus" -j 2 --min-pass-rate "$min_rate"
