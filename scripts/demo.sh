#!/bin/bash
# scripts/demo.sh — the main job on the embedded default: install what is
# missing, build, generate the project's own sample capture (TLS, HTTP, DNS,
# SSH, ICMP made by tools/gl-gen.c), analyse it into out/demo/eve.json and
# out/demo/guanlan.db, and print a summary from the database.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" >/dev/null
out=out/demo
mkdir -p "$out"
build/gl-gen --sample -o "$out/sample.pcap"
build/guanlan run -r "$out/sample.pcap" -l "$out"
echo
echo "== events by type (guanlan query -l $out --count)"
build/guanlan query -l "$out" --count
echo
echo "== TLS sessions (guanlan query -l $out --type tls --format table)"
build/guanlan query -l "$out" --type tls --format table --limit 10
echo
echo "Done: $out/eve.json (Suricata EVE JSON) and $out/guanlan.db (SQLite)."
