#!/usr/bin/env bash
# test-tlsgen.sh — validates gl-tlsgen's labelled TLS traffic with an
# independent dissector (tshark):
#  - no malformed packets, no expert warnings except the generated RSTs,
#    every IPv4/TCP checksum good;
#  - the labels CSV has the documented header, exactly --sessions rows and the
#    requested benign/malicious split; every labelled 5-tuple is a TCP
#    connection in which tshark sees a ClientHello from the client and a
#    ServerHello from the server, and no TLS session is unlabelled;
#  - certificate facts per family, read from tshark's X.509 fields (only where
#    the Certificate message is visible, i.e. TLS <= 1.2): ordinary sites send
#    leaf + intermediate, currently valid, SAN covering the SNI; the internal
#    servers are self-signed with long validity; every malcert-site session
#    shows at least one anomaly (self-signed, expired, <= 7 days validity,
#    SAN not covering the SNI, RSA-1024);
#  - client fingerprints per family: tool-client has no GREASE and few
#    extensions, browser offers ALPN h2 and many extensions;
#  - behaviour per family: beacon-conn campaigns are periodic (start-time
#    gaps with a small coefficient of variation), exfil sessions upload much
#    more than they download, bulk downloads the reverse;
#  - same arguments give identical bytes, another seed different ones.
# Env: GUANLAN_BUILD = build dir holding gl-tlsgen. Exit 77 (skip) without tshark/python3.
set -u

TSHARK=${TSHARK:-/usr/bin/tshark}
[ -x "$TSHARK" ] || { echo "SKIP: tshark not found"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
BUILD=${GUANLAN_BUILD:-build}
GEN="$BUILD/gl-tlsgen"
[ -x "$GEN" ] || { echo "FAIL: $GEN not built"; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

N=400
MAL=45
"$GEN" --seed 1234 --sessions $N --malicious $MAL -o "$TMP/t.pcap" --labels "$TMP/t.csv" 2>"$TMP/gen.err" ||
    { fail "gl-tlsgen exited with an error: $(cat "$TMP/gen.err")"; exit 1; }
cat "$TMP/gen.err"

# determinism
"$GEN" --seed 1234 --sessions $N --malicious $MAL -o "$TMP/t2.pcap" --labels "$TMP/t2.csv" -q
cmp -s "$TMP/t.pcap" "$TMP/t2.pcap" && cmp -s "$TMP/t.csv" "$TMP/t2.csv" &&
    pass "same seed, identical pcap and labels" || fail "same seed gave different output"
"$GEN" --seed 1235 --sessions 20 -o "$TMP/t3.pcap" --labels "$TMP/t3.csv" -q
"$GEN" --seed 1234 --sessions 20 -o "$TMP/t4.pcap" --labels "$TMP/t4.csv" -q
cmp -s "$TMP/t3.pcap" "$TMP/t4.pcap" && fail "different seeds gave identical output" || pass "different seeds differ"

# bad arguments are refused
"$GEN" --sessions 5 -o "$TMP/x.pcap" 2>/dev/null && fail "missing --labels accepted" || pass "missing --labels refused"
"$GEN" --malicious 101 -o "$TMP/x.pcap" --labels "$TMP/x.csv" 2>/dev/null && fail "--malicious 101 accepted" ||
    pass "--malicious 101 refused"

# expert info: only RSTs (generated on purpose) may warn
ex=$("$TSHARK" -n -r "$TMP/t.pcap" -d tcp.port==8443,tls -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -q -z expert,warn 2>/dev/null |
    awk '/^(Errors|Warns) \(/ { on = 1; next } /^[A-Z][a-z]+ \(/ { on = 0 }
         on && $1 ~ /^[0-9]+$/ && !/Connection reset \(RST\)/')
[ -z "$ex" ] && pass "no expert warnings beyond RSTs" || fail "expert warnings: $ex"

# one pass of field extraction; the checks below are done in Python on it
"$TSHARK" -n -r "$TMP/t.pcap" -d tcp.port==8443,tls -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -T fields -E separator='|' -E occurrence=a \
    -e frame.time_epoch -e frame.protocols -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.len \
    -e tcp.flags.syn -e tcp.flags.ack -e tcp.checksum.status -e ip.checksum.status \
    -e tls.handshake.type -e tls.handshake.extension.type -e tls.handshake.extensions_server_name \
    -e tls.handshake.extensions_alpn_str -e tls.handshake.version -e tls.handshake.certificate_length \
    -e x509af.utcTime -e x509ce.dNSName -e x509sat.uTF8String -e x509sat.printableString -e pkcs1.modulus \
    >"$TMP/f.txt" 2>"$TMP/f.err"
[ -s "$TMP/f.txt" ] || { fail "tshark produced no output: $(head -3 "$TMP/f.err")"; exit 1; }

python3 - "$TMP/f.txt" "$TMP/t.csv" "$N" "$MAL" <<'EOF' || fails=$((fails + 1))
import sys, statistics, datetime
fields, labels_path, n_req, mal_pct = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
bad = 0
# both return True so that "cond and ok(..) or fail(..)" runs exactly one of them
def ok(msg):
    print("ok: " + msg)
    return True
def fail(msg):
    global bad
    bad += 1
    print("FAIL: " + msg)
    return True

# ---- labels CSV
rows = open(labels_path).read().splitlines()
if rows[0] != "src_ip,src_port,dest_ip,dest_port,proto,label,family":
    fail("labels header is %r" % rows[0])
lab = {}
for r in rows[1:]:
    c = r.split(",")
    if len(c) != 7 or c[4] != "TCP" or c[5] not in ("benign", "malicious"):
        fail("bad labels row %r" % r); continue
    key = (c[0], int(c[1]), c[2], int(c[3]))
    if key in lab:
        fail("5-tuple labelled twice: %r" % r)
    lab[key] = (c[5], c[6])
want_mal = (n_req * mal_pct + 50) // 100
n_mal = sum(1 for v in lab.values() if v[0] == "malicious")
if len(lab) == n_req and n_mal == want_mal:
    ok("labels: %d sessions, %d malicious, %d benign as requested" % (len(lab), n_mal, len(lab) - n_mal))
else:
    fail("labels: %d sessions / %d malicious, wanted %d / %d" % (len(lab), n_mal, n_req, want_mal))

# ---- per-connection facts from tshark
def lst(s): return s.split(",") if s else []
conn = {}   # client-side 5-tuple -> dict
malformed = badsum = 0
for line in open(fields):
    f = line.rstrip("\n").split("|")
    if len(f) < 22: continue
    (ts, protos, src, sport, dst, dport, tlen, syn, ack, tcs, ics, hst, ext, sni, alpn, hver, clen, utc, dns,
     utf8, prn, mod) = f[:22]
    if "_ws.malformed" in protos: malformed += 1
    if "0" in lst(tcs) or "0" in lst(ics) or "2" in lst(tcs): badsum += 1
    if not sport: continue
    sport, dport = int(sport), int(dport)
    k1, k2 = (src, sport, dst, dport), (dst, dport, src, sport)
    if k1 in lab or (k2 not in lab and syn == "1" and ack == "0"):
        key, d = k1, 0
    else:
        key, d = k2, 1
    c = conn.setdefault(key, {"bytes": [0, 0], "ch": None, "sh": False, "cert": None, "t0": None})
    if syn == "1" and ack == "0" and c["t0"] is None: c["t0"] = float(ts)
    c["bytes"][d] += int(tlen or 0)
    types = lst(hst)
    if "1" in types and d == 0:
        c["ch"] = {"ext": [int(x) for x in lst(ext)], "sni": sni, "alpn": lst(alpn)}
    if "2" in types and d == 1: c["sh"] = True
    if "11" in types and d == 1:
        c["cert"] = {"n": len(lst(clen)), "utc": lst(utc), "dns": lst(dns), "utf8": lst(utf8), "prn": lst(prn),
                     "mod": lst(mod), "t": float(ts)}
malformed == 0 and ok("no malformed packets") or fail("%d malformed packets" % malformed)
badsum == 0 and ok("all IPv4/TCP checksums good") or fail("%d packets with bad/unverified checksums" % badsum)

missing = [k for k in lab if k not in conn or not conn[k]["ch"] or not conn[k]["sh"]]
if missing: fail("%d labelled 5-tuples without ClientHello+ServerHello, e.g. %r" % (len(missing), missing[:3]))
else: ok("every labelled 5-tuple is a TLS session (ClientHello and ServerHello seen)")
unlabelled = [k for k, c in conn.items() if c["ch"] and k not in lab]
unlabelled and fail("%d TLS sessions without a label" % len(unlabelled)) or ok("no unlabelled TLS session")

# ---- certificate facts
def t_utc(s):  # "2024-02-16 12:00:00 (UTC)"
    return datetime.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
def covers(names, host):
    for n in names:
        if n == host or (n.startswith("*.") and host.endswith(n[1:]) and host.count(".") == n.count(".")):
            return True
    return False
def halves_equal(l): return len(l) % 2 == 0 and l[:len(l) // 2] == l[len(l) // 2:]
def anomalies(c, sni):
    ce = c["cert"]; a = []
    nb, na = t_utc(ce["utc"][0]), t_utc(ce["utc"][1])
    if ce["n"] == 1 and halves_equal(ce["utf8"]) and halves_equal(ce["prn"]): a.append("self-signed")
    if na < ce["t"]: a.append("expired")
    if nb > ce["t"]: a.append("not-yet-valid")
    if na - nb <= 7 * 86400: a.append("short-lived")
    if sni and not covers(ce["dns"], sni): a.append("san-mismatch")
    if not sni: a.append("no-sni")
    if ce["mod"] and len(ce["mod"][0]) <= 2 * 129: a.append("rsa-1024")
    return a

fam_sessions = {}
for k, (l, fam) in lab.items():
    if k in conn: fam_sessions.setdefault(fam, []).append(k)

chain_fams = ["browser", "bulk-download", "api-client", "benign-upload", "push-keepalive", "update-poll"]
seen = bad_chain = 0
for fam in chain_fams:
    for k in fam_sessions.get(fam, []):
        c = conn[k]
        if not c["cert"]: continue
        seen += 1
        a = anomalies(c, c["ch"]["sni"])
        if c["cert"]["n"] != 2 or a:
            bad_chain += 1
            if bad_chain < 4: print("  %s %r: chain %d, anomalies %r" % (fam, k, c["cert"]["n"], a))
(seen > 20 and bad_chain == 0) and ok("%d benign chain sessions with visible certs: leaf+intermediate, valid, SAN covers SNI" % seen) \
    or fail("benign chain certs: %d seen, %d not clean" % (seen, bad_chain))

seen = badi = 0
for k in fam_sessions.get("internal-selfsigned", []):
    c = conn[k]
    if not c["cert"]: continue
    seen += 1
    a = anomalies(c, c["ch"]["sni"]); ce = c["cert"]
    life = t_utc(ce["utc"][1]) - t_utc(ce["utc"][0])
    if a != ["self-signed"] or life < 4 * 365 * 86400 or not c["ch"]["sni"].endswith(".corp.internal"):
        badi += 1; print("  internal %r: %r life %.0f d" % (k, a, life / 86400))
(seen > 0 and badi == 0) and ok("%d internal-selfsigned sessions: self-signed, >= 4 years, SAN covers .corp.internal SNI" % seen) \
    or fail("internal-selfsigned: %d seen, %d wrong" % (seen, badi))

kinds = {}
mc = fam_sessions.get("malcert-site", [])
nocert = [k for k in mc if not conn[k]["cert"]]
clean = []
for k in mc:
    if not conn[k]["cert"]: continue
    a = anomalies(conn[k], conn[k]["ch"]["sni"])
    for x in a: kinds[x] = kinds.get(x, 0) + 1
    if not a: clean.append(k)
(mc and not nocert and not clean) and ok("%d malcert-site sessions, all certs visible and anomalous: %r" % (len(mc), kinds)) \
    or fail("malcert-site: %d sessions, %d without cert, %d clean" % (len(mc), len(nocert), len(clean)))
allk = {}
for k, (l, fam) in lab.items():
    if l == "malicious" and k in conn and conn[k]["cert"]:
        for x in anomalies(conn[k], conn[k]["ch"]["sni"]): allk[x] = allk.get(x, 0) + 1
missing_kinds = [x for x in ["self-signed", "expired", "short-lived", "san-mismatch", "rsa-1024"] if not allk.get(x)]
missing_kinds and fail("certificate anomaly kinds never seen in malicious sessions: %r" % missing_kinds) \
    or ok("malicious sessions show every certificate anomaly kind: %r" % allk)

# ---- fingerprints
GREASE = lambda e: (e & 0x0f0f) == 0x0a0a and (e >> 8) == (e & 0xff)
badt = [k for k in fam_sessions.get("tool-client", [])
        if any(GREASE(e) for e in conn[k]["ch"]["ext"]) or len(conn[k]["ch"]["ext"]) > 8]
(fam_sessions.get("tool-client") and not badt) and ok("tool-client: no GREASE, <= 8 extensions (%d sessions)" % len(fam_sessions["tool-client"])) \
    or fail("tool-client fingerprints: %d not tool-like" % len(badt))
br = fam_sessions.get("browser", [])
badb = [k for k in br if "h2" not in conn[k]["ch"]["alpn"] or len(conn[k]["ch"]["ext"]) < 11]
ng = sum(1 for k in br if any(GREASE(e) for e in conn[k]["ch"]["ext"]))
(br and not badb and ng > 0) and ok("browser: ALPN h2 and >= 11 extensions in all %d, GREASE in %d" % (len(br), ng)) \
    or fail("browser fingerprints: %d odd, %d with GREASE" % (len(badb), ng))

# ---- behaviour
camp = {}
for k in fam_sessions.get("beacon-conn", []):
    camp.setdefault((k[0], k[2]), []).append(conn[k]["t0"])
cvs = []
for ts in camp.values():
    if len(ts) < 4: continue
    ts.sort(); g = [b - a for a, b in zip(ts, ts[1:])]
    cvs.append(statistics.pstdev(g) / statistics.mean(g))
(cvs and max(cvs) < 0.25) and ok("beacon-conn: %d campaigns of >= 4 connections, start-gap CV max %.3f" % (len(cvs), max(cvs))) \
    or fail("beacon-conn periodicity: CVs %r" % cvs)
ex = fam_sessions.get("exfil", [])
bade = [k for k in ex if conn[k]["bytes"][0] < 5 * conn[k]["bytes"][1]]
(ex and not bade) and ok("exfil: client->server bytes >= 5x server->client in all %d" % len(ex)) \
    or fail("exfil shape: %d of %d not upload-heavy" % (len(bade), len(ex)))
bu = fam_sessions.get("bulk-download", [])
badd = [k for k in bu if conn[k]["bytes"][1] < 10 * conn[k]["bytes"][0]]
(bu and not badd) and ok("bulk-download: server->client bytes >= 10x client->server in all %d" % len(bu)) \
    or fail("bulk-download shape: %d of %d" % (len(badd), len(bu)))
fams = set(f for _, f in lab.values())
len(fams) == 12 and ok("all 12 families present") or fail("families present: %r" % sorted(fams))
sys.exit(1 if bad else 0)
EOF

if [ "$fails" -eq 0 ]; then echo "test-tlsgen: all checks passed"; exit 0; fi
echo "test-tlsgen: $fails failure(s)"
exit 1
