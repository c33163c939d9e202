#!/bin/bash
# test-encrypted-cli.sh — encrypted-traffic detection end to end on traffic
# from gl-tlsgen: alerts and their EVE shape, RDFP on every tls event,
# explain (JSON + SVG), fingerprint cluster, feedback -> new model version,
# list/rollback, a corrupt model version and a corrupt intel file (the
# sensor keeps running on the last good one), an intel hit, no model files
# at all (one warning, still runs).
set -u
bin=${GUANLAN_BIN:-build/guanlan}
gen=${GUANLAN_BUILD:-build}/gl-tlsgen
[ -x "$bin" ] && [ -x "$gen" ] || { echo "skip: need $bin and $gen"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3"; exit 77; }
t=$(mktemp -d /tmp/test-enc-cli-XXXXXX)
trap 'rm -rf "$t"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

"$gen" -q -o "$t/a.pcap" --labels "$t/a.csv" --seed 1001 --sessions 300 || { bad "gl-tlsgen"; exit 1; }

# 1. no model files at all: runs, one warning (even with two workers)
mkdir "$t/nomodel"
"$bin" run -q -r "$t/a.pcap" -l "$t/nomodel" --threads 2 --set detect.model-dir="$t/none" 2> "$t/nomodel.err"
rc=$?
n=$(grep -c "built-in defaults" "$t/nomodel.err")
[ $rc -eq 0 ] && [ "$n" = 1 ] && ok "no models: runs, warns once" || bad "no models: rc=$rc warnings=$n"

# 2. shipped models
mkdir "$t/run"
"$bin" run -q -r "$t/a.pcap" -l "$t/run" 2> "$t/run.err" || bad "run failed: $(cat "$t/run.err")"
python3 - "$t/run/eve.json" "$t/a.csv" <<'PY' || fail=1
import json, re, sys, csv
ev = [json.loads(l) for l in open(sys.argv[1])]
tls = [e for e in ev if e["event_type"] == "tls"]
al = [e for e in ev if e["event_type"] == "alert"]
assert tls, "no tls events"
for e in tls:
    h = e["tls"]["guanlan"]["rdfp"]["hash"]
    assert re.fullmatch(r"rd1_[0-9a-f]{24}", h), h
    assert e["tls"]["guanlan"]["rdfp"]["string"].startswith("rd1|")
assert al, "no alerts"
lab = {(r["src_ip"], int(r["src_port"]), r["dest_ip"], int(r["dest_port"])): r["label"] for r in csv.DictReader(open(sys.argv[2]))}
tp = 0
for a in al:
    x = a["alert"]; g = a["guanlan"]["encrypted"]
    assert x["category"] == "Encrypted Threat" and x["signature"].startswith("GUANLAN Encrypted Threat")
    assert 1 <= x["severity"] <= 3 and isinstance(x["signature_id"], int)
    assert g["score"] >= g["threshold"] and set(g["submodels"]) == {"handshake", "cert", "sequence", "background"}
    for f in g["findings"]:
        assert f["stage"] in ("tcp", "handshake", "appdata") and 0 < f["confidence"] <= 1
    tp += lab.get((a["src_ip"], a["src_port"], a["dest_ip"], a["dest_port"])) == "malicious"
# a weak floor, far below the evaluation's numbers: the wiring works
assert tp >= 0.8 * len(al), (tp, len(al))
print("ok: %d tls events with rdfp, %d alerts, %d on malicious sessions" % (len(tls), len(al), tp))
PY
fid=$(python3 -c "
import json,sys
for l in open('$t/run/eve.json'):
    e=json.loads(l)
    if e['event_type']=='alert': print(e['flow_id']); break")

# 3. explain
"$bin" explain "$fid" -l "$t/run" > "$t/fb.json" && python3 -c "
import json; d=json.load(open('$t/fb.json'))
assert [s['stage'] for s in d['spine']]==['tcp','handshake','appdata'] and d['flow_id']==$fid
assert sum(len(s['ribs']) for s in d['spine'])>0" && ok "explain json" || bad "explain json"
"$bin" explain "$fid" -l "$t/run" --format svg > "$t/fb.svg" && head -c 5 "$t/fb.svg" | grep -q '<?xml' &&
    grep -q '</svg>' "$t/fb.svg" && ! grep -qi '<script\|href=' "$t/fb.svg" &&
    python3 -c "import xml.dom.minidom; xml.dom.minidom.parse('$t/fb.svg')" && ok "explain svg" || bad "explain svg"
"$bin" explain 12345 -l "$t/run" 2>/dev/null; [ $? -eq 1 ] && ok "explain: unknown flow -> 1" || bad "explain unknown flow"

# 4. fingerprint cluster
"$bin" fingerprint cluster -l "$t/run" --format json > "$t/cl.json" && python3 -c "
import json; c=json.load(open('$t/cl.json'))
n=sum(f['sessions'] for f in c); assert len(c)>1 and n>0
assert all(f['rdfp'].startswith('rd1_') or f['rdfp']=='none' for f in c)" && ok "fingerprint cluster" || bad "cluster"

# 5. feedback -> versions, list, rollback
"$bin" feedback "$fid" --label benign -l "$t/run" > "$t/fb1.out" && grep -q "version 1" "$t/fb1.out" && ok "feedback v1" || bad "feedback 1: $(cat "$t/fb1.out")"
"$bin" feedback "$fid" --label benign -l "$t/run" > "$t/fb2.out" && grep -q "version 2" "$t/fb2.out" && ok "feedback v2" || bad "feedback 2"
"$bin" model list -l "$t/run" | grep -q "v0002 *\*" && ok "model list" || bad "model list"
"$bin" model rollback 1 -l "$t/run" >/dev/null && [ "$(cat "$t/run/encrypted-models/CURRENT")" = 1 ] && ok "rollback" || bad "rollback"
"$bin" feedback 999 --label benign -l "$t/run" 2>/dev/null; [ $? -eq 1 ] && ok "feedback unknown flow -> 1" || bad "feedback unknown flow"
# corrupt feedback store: refused, models untouched
printf 'garbage\n' >> "$t/run/encrypted-feedback.csv"
"$bin" feedback "$fid" --label malicious -l "$t/run" 2> "$t/fb3.err"; rc=$?
[ $rc -eq 1 ] && grep -q "line 3" "$t/fb3.err" && ok "corrupt feedback store rejected" || bad "corrupt feedback: rc=$rc"

# 6. corrupt current model version: sensor warns, uses the next good one
sed -i 's/^bias .*/bias 1/' "$t/run/encrypted-models/v0001/fusion.model"
mkdir "$t/run2"
"$bin" run -q -r "$t/a.pcap" -l "$t/run2" --set detect.state-dir="$t/run" 2> "$t/run2.err"; rc=$?
[ $rc -eq 0 ] && grep -q "checksum" "$t/run2.err" && grep -q "shipped" "$t/run2.err" && ok "corrupt version -> shipped" ||
    bad "corrupt version: rc=$rc $(cat "$t/run2.err")"

# 7. intel: a hit raises an alert; a broken file is rejected, the last good copy used
sni=$(python3 -c "
import json
al={json.loads(l)['flow_id'] for l in open('$t/run/eve.json') if '\"alert\"' in l}
for l in open('$t/run/eve.json'):
    e=json.loads(l)
    if e['event_type']=='tls' and e['flow_id'] not in al and e['tls'].get('sni'): print(e['tls']['sni']); break")
printf '# test\ndomain,%s,95,test entry\n' "$sni" > "$t/intel.csv"
mkdir "$t/run3"
"$bin" run -q -r "$t/a.pcap" -l "$t/run3" --set detect.intel="$t/intel.csv" 2>/dev/null
grep '"event_type":"alert"' "$t/run3/eve.json" | grep -q '"intel_domain"' && ok "intel hit alerts" || bad "intel hit ($sni)"
printf 'domain,ok.example\nnonsense\n' > "$t/intel.csv"
mkdir "$t/run4"
"$bin" run -q -r "$t/a.pcap" -l "$t/run4" --set detect.intel="$t/intel.csv" --set detect.state-dir="$t/run3" 2> "$t/run4.err"; rc=$?
[ $rc -eq 0 ] && grep -q "intel.csv:2:" "$t/run4.err" && grep -q "last good" "$t/run4.err" &&
    grep '"event_type":"alert"' "$t/run4/eve.json" | grep -q '"intel_domain"' && ok "broken intel -> last good copy" ||
    bad "broken intel: rc=$rc $(cat "$t/run4.err")"

# 8. disabled: no alerts, no journal
mkdir "$t/off"
"$bin" run -q -r "$t/a.pcap" -l "$t/off" --set detect.encrypted.enabled=no 2>/dev/null
! grep -q '"event_type":"alert"' "$t/off/eve.json" && [ ! -e "$t/off/encrypted-sessions.log" ] && ok "disabled" || bad "disabled"
exit $fail
