#!/usr/bin/env bash
# test-ja3-tshark.sh — independent oracle for the TLS fingerprints: for every
# nDPI corpus pcap that carries a TLS hello, compare the (flow 5-tuple, JA3)
# and (5-tuple, JA3S) pairs in guanlan's eve.json "tls" events with what
# tshark computes (tls.handshake.ja3 / ja3s). Every TCP session for which
# tshark has a value must have a tls event with the same value. Sessions the
# sensor cannot see (UDP: QUIC/DTLS) are listed, not failed.
# Also, as a bonus, JA4 values are compared with the ones nDPI printed in
# ndpi/result/*.out (reported, not failed: nDPI is not the JA4 reference).
#
# Comparison rules (each one printed in the summary):
#  - a session matches when guanlan's value is one of tshark's values for it
#    (a HelloRetryRequest gives two ServerHellos, tshark hashes both);
#  - tshark 4.0 truncates the JA3 string of a hello without an extensions
#    block ("769,4-5," instead of Salesforce's "769,4-5,,,"); its full
#    string is padded to the reference form before hashing;
#  - a session guanlan has no flow for (tunnels the decoder does not open:
#    CAPWAP, GTP) or whose flow is not app_proto tls (TLS after STARTTLS,
#    HTTP CONNECT, PROXY protocol, OpenVPN framing) is listed, not failed.
#
# Exit: 0 all compared sessions match, 1 mismatch/missing, 77 skipped.
# Env: GUANLAN_BIN (sensor binary), JOBS (parallel tshark runs, default 2),
#      TLS_ORACLE_KEEP=1 keeps the work directory.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }

CORPUS=""
for c in "$ROOT/../shared/corpus" /work/shared/corpus; do
    if [ -d "$c/ndpi/pcap" ]; then CORPUS=$(cd "$c" && pwd); break; fi
done
[ -n "$CORPUS" ] || skip "no ../shared/corpus/ndpi/pcap next to the repo (nor /work/shared)"
command -v tshark >/dev/null 2>&1 || skip "tshark not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
BIN=${GUANLAN_BIN:-}
if [ -z "$BIN" ]; then
    for b in "$ROOT"/build*/guanlan; do [ -x "$b" ] && BIN=$b && break; done
fi
[ -n "$BIN" ] && [ -x "$BIN" ] || skip "sensor binary not found (set GUANLAN_BIN)"
JOBS=${JOBS:-2}

WORK=$(mktemp -d /tmp/ja3-oracle.XXXXXX)
if [ "${TLS_ORACLE_KEEP:-0}" != 1 ]; then trap 'rm -rf "$WORK"' EXIT; else echo "work dir: $WORK"; fi
mkdir -p "$WORK/eve" "$WORK/tshark"

# Cheap pre-filter: only pcaps holding the bytes of a TLS handshake record
# header followed by a ClientHello/ServerHello type (16 03 0x LL LL 01|02).
# A pcap without such bytes cannot give tshark a JA3/JA3S either (barring a
# record header split across packets, which the CH pattern then still hits
# in the other direction's hello in practice).
LC_ALL=C grep -alP '\x16\x03[\x00-\x04][\x00-\xff]{2}[\x01\x02]' "$CORPUS"/ndpi/pcap/* \
    > "$WORK/pcaps.txt" 2>/dev/null
TOTAL=$(ls "$CORPUS"/ndpi/pcap | wc -l)
N=$(wc -l < "$WORK/pcaps.txt")
echo "ja3-oracle: $N of $TOTAL pcaps contain TLS hello bytes; sensor: $BIN"
[ "$N" -gt 0 ] || skip "no TLS pcaps found"

# One job per pcap: sensor run + tshark extraction.
worker() {
    pcap=$1
    name=$(basename "$pcap")
    mkdir -p "$WORK/eve/$name"
    # resumed sessions too: tshark fingerprints every hello
    if ! timeout 120 "$BIN" run -q -r "$pcap" -l "$WORK/eve/$name" --set output.eve.tls-session-resumption=yes \
            > "$WORK/eve/$name/stdout" 2> "$WORK/eve/$name/stderr"; then
        echo "sensor failed (rc=$?) on $name" > "$WORK/eve/$name/FAILED"
    fi
    # -E occurrence=l: innermost header when tunnelled
    timeout 300 tshark -n -r "$pcap" -Y 'tls.handshake.ja3 or tls.handshake.ja3s' -T fields \
        -E separator='|' -E occurrence=l \
        -e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e udp.srcport \
        -e ip.dst -e ipv6.dst -e tcp.dstport -e udp.dstport \
        -e tls.handshake.ja3_full -e tls.handshake.ja3s_full -e frame.protocols \
        > "$WORK/tshark/$name.tsv" 2> /dev/null || true
}
export -f worker
export WORK BIN
tr '\n' '\0' < "$WORK/pcaps.txt" | xargs -0 -n1 -P"$JOBS" bash -c 'worker "$0"'

python3 - "$WORK" "$CORPUS" <<'EOF'
import hashlib, json, os, re, sys

work, corpus = sys.argv[1], sys.argv[2]
pcaps = [l.strip() for l in open(os.path.join(work, "pcaps.txt")) if l.strip()]

def key(proto, cip, cport, sip, sport):
    return "%s %s:%s -> %s:%s" % (proto, cip, cport, sip, sport)

def pad_fields(full, commas):
    """Salesforce form: always all fields, even without an extensions block."""
    n = full.count(",")
    return full + "," * (commas - n) if n < commas else full

compared = matched = 0
mismatches, missing, unseen, sensor_failures, padded_matches = [], [], [], [], []
ja4_cmp = ja4_ok = 0
ja4_diff = []

for pcap in pcaps:
    name = os.path.basename(pcap)
    if os.path.exists(os.path.join(work, "eve", name, "FAILED")):
        sensor_failures.append(name)
    # --- tshark: first JA3 per client->server key, first JA3S per key
    want = {}  # (kind, key) -> list of values, frame order
    padded = set()
    try:
        rows = open(os.path.join(work, "tshark", name + ".tsv")).read().splitlines()
    except OSError:
        rows = []
    for row in rows:
        f = row.split("|")
        if len(f) < 12:
            continue
        _, ip4s, ip6s, tsp, usp, ip4d, ip6d, tdp, udp_, ja3f, ja3sf, protos = f[:12]
        # innermost network header: whichever of ip/ipv6 comes last in the stack
        layers = protos.split(":")
        inner6 = "ipv6" in layers and (("ip" not in layers) or
                                       max(i for i, l in enumerate(layers) if l == "ipv6") >
                                       max(i for i, l in enumerate(layers) if l == "ip"))
        src, dst = (ip6s, ip6d) if inner6 else (ip4s, ip4d)
        proto = "TCP" if tsp else "UDP"
        sp, dp = (tsp, tdp) if tsp else (usp, udp_)
        for kind, full, commas, k in (("ja3", ja3f, 4, key(proto, src, sp, dst, dp)),
                                      ("ja3s", ja3sf, 2, key(proto, dst, dp, src, sp))):
            if not full:
                continue
            norm = pad_fields(full, commas)
            if norm != full:
                padded.add((kind, k))
            want.setdefault((kind, k), []).append(hashlib.md5(norm.encode()).hexdigest())
    # --- sensor: all tls events
    have = {}
    ja4s = {}
    flows = {}  # key (both orientations) -> app_proto
    try:
        lines = open(os.path.join(work, "eve", name, "eve.json"), errors="replace").read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        if '"event_type":"tls"' not in line and '"event_type":"flow"' not in line:
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        k = key(ev.get("proto"), ev.get("src_ip"), ev.get("src_port"), ev.get("dest_ip"), ev.get("dest_port"))
        rk = key(ev.get("proto"), ev.get("dest_ip"), ev.get("dest_port"), ev.get("src_ip"), ev.get("src_port"))
        if ev.get("event_type") == "flow":
            for x in (k, rk):
                if flows.get(x) != "tls":
                    flows[x] = ev.get("app_proto", "none")
            continue
        tls = ev.get("tls", {})
        for kind in ("ja3", "ja3s"):
            h = (tls.get(kind) or {}).get("hash")
            if h:
                # flows the flow stage oriented server-first count both ways
                have.setdefault((kind, k), set()).add(h)
                have.setdefault((kind, rk), set()).add(h)
        if tls.get("ja4"):
            ja4s.setdefault("%s:%s" % (ev.get("src_ip"), ev.get("src_port")), set()).add(tls["ja4"])
    for (kind, k), vals in sorted(want.items()):
        v = vals[0]
        if k.startswith("UDP"):
            unseen.append("%s %s %s=%s (UDP: QUIC/DTLS, not a TLS-over-TCP session)" % (name, k, kind, v))
            continue
        got = have.get((kind, k))
        if not got and k not in flows:
            unseen.append("%s %s %s=%s (no such flow in guanlan: encapsulation not decoded)" % (name, k, kind, v))
            continue
        if not got and flows.get(k) != "tls":
            unseen.append("%s %s %s=%s (TLS not at stream start; guanlan app_proto=%s)" % (name, k, kind, v, flows.get(k)))
            continue
        compared += 1
        if got and set(vals) & got:
            matched += 1
            if (kind, k) in padded:
                padded_matches.append("%s %s %s" % (name, k, kind))
        elif got:
            mismatches.append("%s %s %s: tshark %s, guanlan %s" % (name, k, kind, ",".join(vals), ",".join(sorted(got))))
        else:
            missing.append("%s %s %s=%s: flow is tls but has no guanlan %s" % (name, k, kind, v, kind))
    # --- bonus: JA4 against nDPI's printed values, keyed by client ip:port
    outp = os.path.join(corpus, "ndpi", "result", name + ".out")
    if os.path.exists(outp):
        for line in open(outp, errors="replace"):
            m = re.search(r"(TCP) (\S+):(\d+) <-> (\S+):(\d+) .*?JA4: ([0-9a-z_]+)", line)
            if not m:
                continue
            a = "%s:%s" % (m.group(2), m.group(3))
            b = "%s:%s" % (m.group(4), m.group(5))
            got = ja4s.get(a) or ja4s.get(b)
            if not got:
                continue
            ja4_cmp += 1
            if m.group(6) in got:
                ja4_ok += 1
            else:
                ja4_diff.append("%s %s: nDPI %s, guanlan %s" % (name, a, m.group(6), ",".join(sorted(got))))

print("ja3-oracle: pcaps %d, sessions compared %d, matched %d, mismatched %d, missing %d"
      % (len(pcaps), compared, matched, len(mismatches), len(missing)))
for title, items in (("MISMATCH", mismatches), ("MISSING", missing),
                     ("MATCHED AFTER PADDING TSHARK'S NO-EXTENSION JA3 STRING", padded_matches),
                     ("NOT SEEN BY SENSOR (listed, not failed)", unseen),
                     ("SENSOR FAILED", sensor_failures)):
    if items:
        print("--- %s (%d)" % (title, len(items)))
        for it in items:
            print("  " + it)
print("ja4 vs nDPI results (informational): compared %d, equal %d, different %d" % (ja4_cmp, ja4_ok, len(ja4_diff)))
# Which JA4 part differs. Known nDPI deviations from FoxIO's JA4.md: an IP
# literal inside SNI gives nDPI 'i' (spec: SNI extension present -> 'd'),
# ALPN "http/1.1" gives nDPI "ht" (spec: first+last char -> "h1"), and no
# '_' before empty signature algorithms (Suricata, bug-5713-02-ja4, keeps it).
parts = {}
for it in ja4_diff:
    m = re.search(r"nDPI (\S+), guanlan (\S+)", it)
    a, b = m.group(1), m.group(2).split(",")[0]
    d = [n for n, x, y in (("ver", a[1:3], b[1:3]), ("sni", a[3], b[3]), ("counts", a[4:8], b[4:8]),
                           ("alpn", a[8:10], b[8:10]), ("b", a[11:23], b[11:23]), ("c", a[24:], b[24:])) if x != y]
    parts["+".join(d)] = parts.get("+".join(d), 0) + 1
if parts:
    print("  differing parts: " + ", ".join("%s=%d" % kv for kv in sorted(parts.items())))
for it in ja4_diff[:int(os.environ.get("JA4_SHOW", "20"))]:
    print("  " + it)
sys.exit(1 if (mismatches or missing or sensor_failures) else 0)
EOF
