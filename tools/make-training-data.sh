#!/usr/bin/env bash
# make-training-data.sh — regenerates the labelled TLS traffic that the
# encrypted-traffic models are trained and evaluated on: a training set and a
# held-out set made by gl-tlsgen from disjoint seed ranges (training seeds
# 1-999, held-out seeds 1000 and up), and prints per-set label and family
# counts. Output is byte-identical for the same arguments on the same OpenSSL.
#
# usage: tools/make-training-data.sh [OUTDIR]
#   OUTDIR defaults to $GUANLAN_BUILD/data (build/data), inside the git-ignored
#   build directory.
# env:  GUANLAN_BUILD   build directory holding gl-tlsgen (default: build)
#       TRAIN_SEED      training seed, 1-999 (default 1)
#       TEST_SEED       held-out seed, >= 1000 (default 1001)
#       TRAIN_SESSIONS  labelled sessions in the training set (default 2000)
#       TEST_SESSIONS   labelled sessions in the held-out set (default 1000)
#       MALICIOUS       malicious share in percent (default 35)
# Writes OUTDIR/train.pcap + train.csv and OUTDIR/test.pcap + test.csv. One
# capture per set: 5-tuples are unique within a capture, not across seeds.
set -euo pipefail

BUILD=${GUANLAN_BUILD:-build}
GEN="$BUILD/gl-tlsgen"
OUT=${1:-$BUILD/data}
TRAIN_SEED=${TRAIN_SEED:-1}
TEST_SEED=${TEST_SEED:-1001}
TRAIN_SESSIONS=${TRAIN_SESSIONS:-2000}
TEST_SESSIONS=${TEST_SESSIONS:-1000}
MALICIOUS=${MALICIOUS:-35}

[ -x "$GEN" ] || { echo "make-training-data: $GEN not built (cmake --build $BUILD)" >&2; exit 2; }
[ "$TRAIN_SEED" -ge 1 ] && [ "$TRAIN_SEED" -le 999 ] ||
    { echo "make-training-data: TRAIN_SEED $TRAIN_SEED not in 1-999" >&2; exit 2; }
[ "$TEST_SEED" -ge 1000 ] || { echo "make-training-data: TEST_SEED $TEST_SEED below 1000" >&2; exit 2; }
mkdir -p "$OUT"

# make SET SEED SESSIONS: the capture and its labels, written under temporary
# names and renamed, so an interrupted run never leaves a half set behind
make_set() {
    local set=$1 seed=$2 n=$3
    "$GEN" --seed "$seed" --sessions "$n" --malicious "$MALICIOUS" \
        -o "$OUT/$set.pcap.tmp" --labels "$OUT/$set.csv.tmp"
    mv "$OUT/$set.pcap.tmp" "$OUT/$set.pcap"
    mv "$OUT/$set.csv.tmp" "$OUT/$set.csv"
}

# per-set summary from the label files themselves
summary() {
    local set=$1
    awk -F, -v set="$set" 'NR > 1 { n++; lab[$6]++; fam[$6 "/" $7]++ }
        END {
            printf "%s: %d sessions, benign %d, malicious %d\n", set, n, lab["benign"], lab["malicious"]; fflush()
            for (k in fam) printf "  %-30s %d\n", k, fam[k] | "sort"
        }' "$OUT/$set.csv"
}

make_set train "$TRAIN_SEED" "$TRAIN_SESSIONS"
make_set test "$TEST_SEED" "$TEST_SESSIONS"
summary train
summary test
du -sh "$OUT" | awk '{ print "total size: " $1 }'
