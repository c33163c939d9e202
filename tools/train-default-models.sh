#!/bin/bash
# tools/train-default-models.sh — regenerate the shipped encrypted-traffic
# models (models/encrypted/fusion.model, seq.model) from the project's own
# generated traffic: gl-tlsgen (training seeds < 1000, see its --help) and
# `guanlan train`. Deterministic: same build, same files.
#
#   tools/train-default-models.sh [--build DIR] [--sessions N] [--seed N] [--epochs N]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
sessions=15000
seed=1
epochs=80
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$2; shift ;;
        --sessions) sessions=$2; shift ;;
        --seed) seed=$2; shift ;;
        --epochs) epochs=$2; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "train-default-models.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
for b in guanlan gl-tlsgen; do
    [ -x "$build/$b" ] || { echo "missing $build/$b: build first (cmake --build $build)" >&2; exit 2; }
done
# byte-identical model files: the sequence model records its save time
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
work=$(mktemp -d /tmp/guanlan-models-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$build/gl-tlsgen" -q -o "$work/train.pcap" --labels "$work/train.csv" --seed "$seed" --sessions "$sessions"
"$build/guanlan" train --pcap "$work/train.pcap" --labels "$work/train.csv" \
    --out "$root/models/encrypted" --epochs "$epochs" --seed "$seed" --work "$work/run"
