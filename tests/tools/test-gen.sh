#!/usr/bin/env bash
# test-gen.sh — validates gl-gen's output with an independent dissector
# (tshark): no malformed packets, no bad IPv4/TCP/UDP/ICMP checksums, and the
# number of TLS ClientHellos, HTTP requests, DNS queries and SSH banners that
# tshark decodes equals what the generator says it wrote on stderr. Also
# checks that output is reproducible for a seed and that --bytes, --fragment,
# --vlan and --idle-flows do what they claim.
# Env: GUANLAN_BUILD = build dir holding gl-gen. Exit 77 (skip) without tshark.
set -u

TSHARK=${TSHARK:-/usr/bin/tshark}
[ -x "$TSHARK" ] || { echo "SKIP: tshark not found"; exit 77; }
BUILD=${GUANLAN_BUILD:-build}
GEN="$BUILD/gl-gen"
[ -x "$GEN" ] || { echo "FAIL: $GEN not built"; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# gstat NAME FILE: value of NAME=N in the generator's summary
gstat() { grep -o "[ :]$1=[0-9]*" "$2" | head -1 | cut -d= -f2; }

# One tshark pass per capture; counts are made from its field output.
# Non-default ports the generator uses are mapped so every session is decoded.
dissect() {
    "$TSHARK" -n -r "$1" -d tcp.port==2222,ssh -d tcp.port==8443,tls \
        -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        -T fields -E separator='|' -E occurrence=a \
        -e frame.protocols -e tcp.checksum.status -e udp.checksum.status -e ip.checksum.status \
        -e icmp.checksum.status -e icmpv6.checksum.status -e tls.handshake.type -e http.request \
        -e dns.flags.response -e ssh.protocol -e vlan.id -e ip.flags.mf -e ip.frag_offset \
        -e tcp.flags.syn -e tcp.flags.ack -e tcp.flags.fin -e tcp.flags.reset -e tcp.srcport \
        -e tcp.dstport -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst >"$2" 2>"$2.err"
}

# count F V FILE: occurrences of value V in |-separated column F (comma lists split)
count() {
    awk -F'|' -v f="$1" -v v="$2" '{ n = split($f, a, ","); for (i = 1; i <= n; i++) if (a[i] == v) c++ }
        END { print c + 0 }' "$3"
}

# nonempty F FILE: frames where column F is set
nonempty() { awk -F'|' -v f="$1" '$f != "" { c++ } END { print c + 0 }' "$2"; }

# Expert warnings and errors other than these two mean a protocol or TCP
# sequence problem (lost segment, bad chunk framing, retransmission, ...):
# - RSTs are generated on purpose;
# - Wireshark 4.0 decodes only the algorithm name of an ssh-ed25519 host key
#   signature and warns about the rest (real OpenSSH captures do the same).
expert_unexpected() {
    "$TSHARK" -n -r "$1" -d tcp.port==2222,ssh -d tcp.port==8443,tls -q -z expert,warn 2>/dev/null |
        awk '/^(Errors|Warns) \(/ { on = 1; next } /^[A-Z][a-z]+ \(/ { on = 0 }
             on && $1 ~ /^[0-9]+$/ && !/Connection reset \(RST\)/ && !/Decoded 19 bytes, but packet legnth/'
}

# checks common to every capture: $1 = fields file, $2 = generator stderr, $3 = label, $4 = pcap
validate() {
    local fl=$1 st=$2 label=$3 pcap=$4 n
    [ -s "$fl" ] || { fail "$label: tshark produced no output ($(head -3 "$fl.err"))"; return; }
    n=$(awk -F'|' 'index($1, "_ws.malformed") { c++ } END { print c + 0 }' "$fl")
    [ "$n" = 0 ] && pass "$label: no malformed packets" || fail "$label: $n malformed packets"
    # status values: 0 = Bad, 1 = Good, 2 = Unverified (must not happen with validation on)
    for col in 2 3 4 5 6; do
        local bad unver
        bad=$(count $col 0 "$fl")
        unver=$(count $col 2 "$fl")
        [ "$bad" = 0 ] && [ "$unver" = 0 ] || fail "$label: checksum column $col: $bad bad, $unver unverified"
    done
    local ex
    ex=$(expert_unexpected "$pcap")
    [ -z "$ex" ] && pass "$label: no expert warnings beyond RSTs" || fail "$label: expert warnings: $ex"
    n=$(count 4 1 "$fl")
    [ "$n" -gt 0 ] && pass "$label: $n IPv4 header checksums good, none bad" || fail "$label: no IPv4 checksum verified"
    n=$(count 2 1 "$fl")
    [ "$n" -gt 0 ] && pass "$label: $n TCP checksums good, none bad" || fail "$label: no TCP checksum verified"

    local want got
    want=$(gstat tls_clienthello "$st"); got=$(count 7 1 "$fl")
    [ -n "$want" ] && [ "$got" = "$want" ] && pass "$label: $got TLS ClientHellos" ||
        fail "$label: TLS ClientHellos tshark=$got generator=$want"
    # every ClientHello is answered by a ServerHello: the handshakes completed
    got=$(count 7 2 "$fl")
    [ "$got" = "$want" ] && pass "$label: $got TLS ServerHellos" || fail "$label: ServerHellos $got != $want"
    want=$(gstat http_requests "$st"); got=$(nonempty 8 "$fl")
    [ -n "$want" ] && [ "$got" = "$want" ] && pass "$label: $got HTTP requests" ||
        fail "$label: HTTP requests tshark=$got generator=$want"
    want=$(gstat dns_queries "$st"); got=$(count 9 0 "$fl")
    [ -n "$want" ] && [ "$got" = "$want" ] && pass "$label: $got DNS queries" ||
        fail "$label: DNS queries tshark=$got generator=$want"
    got=$(count 9 1 "$fl")
    [ "$got" = "$want" ] && pass "$label: $got DNS responses" || fail "$label: DNS responses $got != $want"
    want=$(gstat ssh_banners "$st"); got=$(nonempty 10 "$fl")
    [ -n "$want" ] && [ "$got" = "$want" ] && pass "$label: $got SSH banners" ||
        fail "$label: SSH banners tshark=$got generator=$want"
    # TCP bookkeeping: every SYN gets a SYN/ACK
    local syn synack
    syn=$(awk -F'|' '$14 == 1 && $15 == 0 { c++ } END { print c + 0 }' "$fl")
    synack=$(awk -F'|' '$14 == 1 && $15 == 1 { c++ } END { print c + 0 }' "$fl")
    [ "$syn" -gt 0 ] && [ "$syn" = "$synack" ] && pass "$label: $syn SYN, $synack SYN/ACK" ||
        fail "$label: SYN $syn vs SYN/ACK $synack"
}

# ---- 1. the README sample ----
"$GEN" --sample -o "$TMP/sample.pcap" 2>"$TMP/sample.err" || fail "gl-gen --sample exited non-zero"
dissect "$TMP/sample.pcap" "$TMP/sample.f"
validate "$TMP/sample.f" "$TMP/sample.err" sample "$TMP/sample.pcap"
# every kind is present (a few dozen sessions of each)
for k in tls http dns ssh other; do
    n=$(gstat "$k" "$TMP/sample.err")
    [ "${n:-0}" -ge 10 ] && pass "sample: $n $k sessions" || fail "sample: only ${n:-0} $k sessions"
done
n=$(awk -F'|' '$11 != "" { c++ } END { print c + 0 }' "$TMP/sample.f")
[ "$n" -gt 0 ] && pass "sample: $n VLAN-tagged frames" || fail "sample: no VLAN tags"
n=$(awk -F'|' '$12 == 1 && $13 == 0 { c++ } END { print c + 0 }' "$TMP/sample.f")
[ "$n" = "$(gstat fragmented "$TMP/sample.err")" ] && pass "sample: $n fragmented datagrams" ||
    fail "sample: first fragments $n vs generator $(gstat fragmented "$TMP/sample.err")"
n=$(awk -F'|' '$21 != "" { c++ } END { print c + 0 }' "$TMP/sample.f")
[ "$n" -gt 0 ] && pass "sample: $n IPv6 frames" || fail "sample: no IPv6"
"$GEN" --sample -o "$TMP/sample2.pcap" 2>/dev/null
cmp -s "$TMP/sample.pcap" "$TMP/sample2.pcap" && pass "sample is reproducible" || fail "sample differs between runs"

# ---- 2. a --sessions run with every option ----
"$GEN" --sessions 250 --seed 42 --vlan --fragment 7 --idle-flows 25 --ipv6 30 \
    -o "$TMP/run.pcap" 2>"$TMP/run.err" || fail "gl-gen --sessions exited non-zero"
dissect "$TMP/run.pcap" "$TMP/run.f"
validate "$TMP/run.f" "$TMP/run.err" sessions "$TMP/run.pcap"
n=$(awk -F'|' '$12 == 1 && $13 == 0 { c++ } END { print c + 0 }' "$TMP/run.f")
[ "$n" = 7 ] && pass "sessions: 7 fragmented datagrams" || fail "sessions: $n fragmented datagrams, wanted 7"
# idle flows: handshakes whose 5-tuple never sees FIN or RST
n=$(awk -F'|' '$18 != "" { a = $20 $21 "/" $18; b = $22 $23 "/" $19; k = a < b ? a "-" b : b "-" a;
        if ($14 == 1 && $15 == 0) syn[k] = 1;
        if ($16 == 1 || $17 == 1) closed[k] = 1 }
        END { for (k in syn) if (!(k in closed)) c++; print c + 0 }' "$TMP/run.f")
[ "$n" = 25 ] && pass "sessions: 25 connections never closed (--idle-flows 25)" ||
    fail "sessions: $n unclosed connections, wanted 25"
# --sessions counts sessions drawn from the mix
n=0
for k in tls http dns ssh other; do n=$((n + $(gstat "$k" "$TMP/run.err"))); done
[ "$n" = 250 ] && pass "sessions: 250 mix sessions" || fail "sessions: $n mix sessions, wanted 250"
"$GEN" --sessions 250 --seed 43 --vlan --fragment 7 --idle-flows 25 --ipv6 30 -o "$TMP/run43.pcap" 2>/dev/null
cmp -s "$TMP/run.pcap" "$TMP/run43.pcap" && fail "different seeds gave identical output" || pass "seed changes the output"

# ---- 3. --bytes stops once the size is reached, timestamps never go back ----
"$GEN" --bytes 3M --mix tls=1,dns=1 -o "$TMP/bytes.pcap" 2>"$TMP/bytes.err" || fail "gl-gen --bytes exited non-zero"
sz=$(stat -c %s "$TMP/bytes.pcap")
[ "$sz" -ge 3145728 ] && [ "$sz" -lt 8388608 ] && pass "--bytes 3M wrote $sz bytes" || fail "--bytes 3M wrote $sz bytes"
n=$(gstat http "$TMP/bytes.err")
[ "$n" = 0 ] && pass "--mix without http makes no HTTP sessions" || fail "--mix tls=1,dns=1 made $n HTTP sessions"
n=$("$TSHARK" -r "$TMP/bytes.pcap" -T fields -e frame.time_epoch 2>/dev/null |
    awk 'NR > 1 && $1 < prev { c++ } { prev = $1 } END { print c + 0 }')
[ "$n" = 0 ] && pass "--bytes: timestamps non-decreasing" || fail "--bytes: $n timestamps go backwards"

# ---- 4. stdout and bad arguments ----
"$GEN" --sessions 3 -q -o - >"$TMP/stdout.pcap" 2>/dev/null
[ "$(head -c 4 "$TMP/stdout.pcap" | od -An -tx1 | tr -d ' ')" = "d4c3b2a1" ] &&
    pass "-o - writes a pcap to stdout" || fail "-o - did not write a pcap"
"$GEN" --mix bogus=3 -o /dev/null 2>/dev/null && fail "--mix bogus=3 accepted" || pass "bad --mix rejected"
"$GEN" --help | grep -q -- "--idle-flows" && pass "--help lists options" || fail "--help incomplete"

echo "$fails failure(s)"
[ "$fails" = 0 ]
