#!/bin/bash
# bench/run.sh — guanlan throughput and memory against ndpiReader and a bare
# libpcap read loop, on one ≥1 GB Ethernet capture, in one run.
#
#   bench/run.sh [--quick] [--size 1G] [--idle-flows N] [--runs 3]
#                [--build DIR] [--guanlan BIN] [--gen BIN] [--readloop BIN]
#                [--regen] [--no-idle] [-- extra guanlan run args]
#
# Input (cached in bench/data/, git-ignored): the nDPI corpus' Ethernet
# captures concatenated with rewritten, monotonic timestamps, followed by
# `gl-gen --bytes SIZE` generated traffic (bench/pcapcat.py does the joining).
# The idle-flow test uses `gl-gen --idle-flows N` and `--idle-flows 1`.
# Binaries are built in Release mode in build-bench/ unless given.
# See bench/README.md; results go into docs/performance.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data="$here/data"

size=1G
idle_n=1000000
runs=3
build="$root/build-bench"
guanlan= gen= readloop=
regen=0
idle=1
extra=()

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) size=100M; idle_n=100000 ;;
        --size) size=$2; shift ;;
        --idle-flows) idle_n=$2; shift ;;
        --runs) runs=$2; shift ;;
        --build) build=$2; shift ;;
        --guanlan) guanlan=$2; shift ;;
        --gen) gen=$2; shift ;;
        --readloop) readloop=$2; shift ;;
        --regen) regen=1 ;;
        --no-idle) idle=0 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ -z "$guanlan" ] || [ -z "$gen" ] || [ -z "$readloop" ]; then
    echo "== building (Release) in $build"
    # warnings are the normal build's business; a benchmark should not stop on one
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGUANLAN_WERROR=OFF >/dev/null
    cmake --build "$build" -j2 --target guanlan gl-gen pcap-readloop
fi
guanlan=${guanlan:-$build/guanlan}
gen=${gen:-$build/gl-gen}
readloop=${readloop:-$build/pcap-readloop}
for b in "$guanlan" "$gen" "$readloop"; do
    [ -x "$b" ] || { echo "run.sh: $b is missing" >&2; exit 1; }
done
command -v /usr/bin/time >/dev/null || { echo "run.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

mkdir -p "$data"
ndpi_dir="$root/../shared/corpus/ndpi/pcap"
bench_pcap="$data/bench-$size.pcap"
if [ $regen = 1 ] || [ ! -s "$bench_pcap" ]; then
    echo "== generating $bench_pcap"
    gen_pcap="$data/gen-$size.pcap"
    "$gen" --bytes "$size" -q -o "$gen_pcap"
    inputs=()
    if [ -d "$ndpi_dir" ]; then
        # sorted, so the file is the same on every machine with the same corpus
        while IFS= read -r -d '' f; do inputs+=("$f"); done < <(
            find "$ndpi_dir" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z)
    else
        echo "run.sh: nDPI corpus not found at $ndpi_dir; using generated traffic only"
    fi
    python3 "$here/pcapcat.py" -o "$bench_pcap.tmp" "${inputs[@]}" "$gen_pcap"
    mv "$bench_pcap.tmp" "$bench_pcap"
    rm -f "$gen_pcap"
fi

idle_args=()
if [ $idle = 1 ]; then
    idle_pcap="$data/idle-$idle_n.pcap"
    tiny_pcap="$data/idle-1.pcap"
    if [ $regen = 1 ] || [ ! -s "$idle_pcap" ]; then
        echo "== generating $idle_pcap"
        "$gen" --idle-flows "$idle_n" --sessions 1 -q -o "$idle_pcap"
    fi
    if [ $regen = 1 ] || [ ! -s "$tiny_pcap" ]; then
        "$gen" --idle-flows 1 --sessions 1 -q -o "$tiny_pcap"
    fi
    # hold every flow: no memcap eviction, no timeout while the handshakes
    # stream in (1M of them span ~25 minutes of capture time)
    idle_args=(--idle-pcap "$idle_pcap" --tiny-pcap "$tiny_pcap" --idle-n "$idle_n"
               --idle-arg=--set --idle-arg=flow.memcap=8gb
               --idle-arg=--set --idle-arg=flow.timeout.tcp.new=86400
               --idle-arg=--set --idle-arg=flow.timeout.tcp.established=86400)
fi

echo "== host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "== guanlan $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $(ndpiReader -h 2>/dev/null | grep -m1 -o 'nDPI [0-9.]*' || echo 'no ndpiReader')"
work="$data/work"
rm -rf "$work"
garg=()
for a in "${extra[@]+"${extra[@]}"}"; do garg+=("--guanlan-arg=$a"); done
status=0
python3 "$here/measure.py" --pcap "$bench_pcap" --guanlan "$guanlan" --readloop "$readloop" \
    --runs "$runs" --workdir "$work" "${idle_args[@]+"${idle_args[@]}"}" "${garg[@]+"${garg[@]}"}" || status=$?
rm -rf "$work"
exit $status
