#!/bin/bash
# test-ndpi-corpus.sh — replay every nDPI test capture through guanlan and
# fail on any crash, sanitizer report, hang or non-zero exit.
#
# The nDPI corpus (../shared/corpus/ndpi/pcap, ~540 captures of many
# protocols, link types and malformed traffic) is hostile input we did not
# write.  CI points GUANLAN_BIN at an ASan+UBSan build, so memory errors,
# undefined behaviour and leaks turn into reports here.  Each capture gets
# NDPI_TIMEOUT seconds (default 60; longer counts as a hang), NDPI_JOBS
# captures run side by side (default 2).  Every eve.json written must also
# parse as JSON lines.  A capture that Wireshark's capinfos also finds
# damaged may be refused with exit status 1 (what tcpdump does); any other
# non-zero exit fails.  Exit 0 all clean, 1 any failure, 77 corpus absent.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${NDPI_CORPUS:-$root/../shared/corpus/ndpi/pcap}
timeout_s=${NDPI_TIMEOUT:-60}
jobs=${NDPI_JOBS:-2}

if [ ! -d "$corpus" ]; then
    echo "************************************************************"
    echo "SKIP: nDPI corpus not found at $corpus"
    echo "************************************************************"
    exit 77
fi
bin=${GUANLAN_BIN:-}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "SKIP: GUANLAN_BIN is not set to an executable guanlan"
    exit 77
fi

# abort_on_error makes an ASan report end in SIGABRT even if the report
# itself got lost; the log goes to stderr, which we keep per capture.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

work=$(mktemp -d /tmp/ndpi-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out" "$work/res"

# One capture: run, classify, write "<class> <rc> <name>" to res/<name>.
# Classes: ok, damaged (refused a capture capinfos calls damaged), hang,
# sanitizer, crash, exit, badjson.
replay_one() {
    local pcap=$1 name out rc class
    name=$(basename "$pcap")
    out="$work/out/$name"
    mkdir -p "$out"
    timeout -k 5 "$timeout_s" "$bin" run -q -r "$pcap" -l "$out" >"$out/stdout" 2>"$out/stderr"
    rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        class=hang
    elif grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$out/stderr"; then
        class=sanitizer
    elif [ $rc -ge 128 ]; then
        class=crash
    elif [ $rc -eq 1 ] && command -v capinfos >/dev/null && ! capinfos -c "$pcap" >/dev/null 2>&1; then
        # Wireshark also finds this capture damaged (the corpus has deliberately
        # truncated files); refusing it with status 1, like tcpdump, is fine.
        class=damaged
    elif [ $rc -ne 0 ]; then
        class=exit
    elif [ -s "$out/eve.json" ] && ! python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        try:
            json.loads(line)
        except ValueError as e:
            print("eve.json line %d: %s" % (n, e), file=sys.stderr)
            sys.exit(1)
' "$out/eve.json" 2>>"$out/stderr"; then
        class=badjson
    else
        class=ok
    fi
    echo "$class $rc $name" >"$work/res/$name"
    # keep only what a failure report needs
    if [ $class = ok ] || [ $class = damaged ]; then rm -rf "$out"; fi
}
export -f replay_one
export work bin timeout_s

start=$(date +%s)
find "$corpus" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 |
    sort -z | xargs -0 -n1 -P "$jobs" bash -c 'replay_one "$0"'

total=0; failed=0
declare -A count=([ok]=0 [damaged]=0 [hang]=0 [sanitizer]=0 [crash]=0 [exit]=0 [badjson]=0)
for f in "$work"/res/*; do
    [ -e "$f" ] || continue
    read -r class rc name <"$f"
    total=$((total + 1))
    count[$class]=$((count[$class] + 1))
    [ "$class" = ok ] && continue
    if [ "$class" = damaged ]; then
        echo "---- ok (damaged capture, capinfos agrees, exit 1): $name"
        continue
    fi
    failed=$((failed + 1))
    echo "---- FAIL ($class, exit $rc): $name"
    if [ "$class" = hang ]; then
        echo "     no exit within ${timeout_s}s"
    fi
    # the sanitizer report if there is one, else the end of stderr
    if grep -qE 'ERROR: [A-Za-z]*Sanitizer|runtime error:' "$work/out/$name/stderr"; then
        grep -m1 -A14 -E 'ERROR: [A-Za-z]*Sanitizer|runtime error:' "$work/out/$name/stderr" | sed 's/^/     /'
    else
        tail -n 8 "$work/out/$name/stderr" | sed 's/^/     /'
    fi
done
elapsed=$(( $(date +%s) - start ))
echo "ndpi-corpus: $total captures in ${elapsed}s: ${count[ok]} clean, ${count[damaged]} damaged and refused," \
     "${count[crash]} crashes," \
     "${count[sanitizer]} sanitizer reports, ${count[hang]} hangs, ${count[exit]} non-zero exits," \
     "${count[badjson]} invalid eve.json"
if [ "$total" -eq 0 ]; then
    echo "FAIL: no captures found in $corpus"
    exit 1
fi
[ "$failed" -eq 0 ] || exit 1
exit 0
