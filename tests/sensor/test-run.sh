#!/bin/bash
# test-run.sh — `guanlan run` end to end on the project's own generated
# traffic, checked against independent oracles:
#   * tshark counts TCP/UDP conversations, TLS ClientHellos, HTTP requests,
#     DNS queries and SSH banners in the same capture;
#   * --threads 2 must give the same events as --threads 1 (order aside);
#   * stdin, several -r files, bad input, exit codes, config errors.
set -u
bin=${GUANLAN_BIN:?GUANLAN_BIN not set}
build=${GUANLAN_BUILD:-$(dirname "$bin")}
gen="$build/gl-gen"
[ -x "$gen" ] || { echo "SKIP: $gen not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
expect_eq() { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', expected '$2'"; fi; }

"$gen" -q --seed 7 --sessions 120 --vlan --fragment 3 -o "$tmp/a.pcap" || { echo "gl-gen failed"; exit 1; }
"$gen" -q --seed 8 --sessions 60 -o "$tmp/b.pcap" || exit 1

mkdir -p "$tmp/t1" "$tmp/t2" "$tmp/stdin" "$tmp/multi"
"$bin" run -q -r "$tmp/a.pcap" -l "$tmp/t1"; expect_eq $? 0 "run exit status"
"$bin" run -q -r "$tmp/a.pcap" -l "$tmp/t2" --threads 2; expect_eq $? 0 "run --threads 2 exit status"
"$bin" run -q -r - -l "$tmp/stdin" < "$tmp/a.pcap"; expect_eq $? 0 "run -r - exit status"
"$bin" run -q -r "$tmp/a.pcap" -r "$tmp/b.pcap" -l "$tmp/multi"; expect_eq $? 0 "two -r files"

# every line is one JSON object with the EVE basics
python3 - "$tmp/t1/eve.json" <<'PY' && ok || bad "eve.json lines are not valid EVE objects"
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert isinstance(e, dict) and "timestamp" in e and "event_type" in e, line
    if e["event_type"] not in ("stats",):
        assert "src_ip" in e and "dest_ip" in e and "proto" in e and "flow_id" in e, line
    n += 1
assert n > 0
PY

# events without stats and ordering: the same multiset for 1 and 2 threads, and for stdin
norm() { python3 -c '
import json, sys
rows = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "stats":
        continue
    rows.append(json.dumps(e, sort_keys=True))
rows.sort()
print("\n".join(rows))' "$1"; }
norm "$tmp/t1/eve.json" > "$tmp/n1"
norm "$tmp/t2/eve.json" > "$tmp/n2"
norm "$tmp/stdin/eve.json" > "$tmp/n3"
# the shipped example configuration spells out the defaults: same output
mkdir -p "$tmp/conf"
"$bin" run -q -r "$tmp/a.pcap" -l "$tmp/conf" -c etc/guanlan.yaml; expect_eq $? 0 "run -c etc/guanlan.yaml"
norm "$tmp/conf/eve.json" > "$tmp/n4"
if cmp -s "$tmp/n1" "$tmp/n4"; then ok; else bad "etc/guanlan.yaml output differs from the defaults"; fi
if cmp -s "$tmp/n1" "$tmp/n2"; then ok; else bad "--threads 2 output differs from --threads 1"; diff "$tmp/n1" "$tmp/n2" | head -5; fi
if cmp -s "$tmp/n1" "$tmp/n3"; then ok; else bad "-r - output differs from -r FILE"; fi

count() { python3 -c '
import json, sys
t = sys.argv[2]; k = sys.argv[3] if len(sys.argv) > 3 else None; n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] != t: continue
    if k == "tcp" and e.get("proto") != "TCP": continue
    if k == "udp" and e.get("proto") != "UDP": continue
    if k == "request" and e.get("dns", {}).get("type") != "request": continue
    n += 1
print(n)' "$@"; }

if command -v tshark >/dev/null; then
    # conversations: tshark's TCP/UDP conversation tables vs our flow records
    tcp_conv=$(tshark -r "$tmp/a.pcap" -q -z conv,tcp 2>/dev/null | grep -c '<->')
    udp_conv=$(tshark -r "$tmp/a.pcap" -q -z conv,udp 2>/dev/null | grep -c '<->')
    expect_eq "$(count "$tmp/t1/eve.json" flow tcp)" "$tcp_conv" "TCP flows vs tshark conv,tcp"
    expect_eq "$(count "$tmp/t1/eve.json" flow udp)" "$udp_conv" "UDP flows vs tshark conv,udp"
    ch=$(tshark -r "$tmp/a.pcap" -Y 'tls.handshake.type == 1' 2>/dev/null | wc -l)
    expect_eq "$(count "$tmp/t1/eve.json" tls)" "$ch" "TLS events vs tshark ClientHellos"
    req=$(tshark -r "$tmp/a.pcap" -Y 'http.request' 2>/dev/null | wc -l)
    expect_eq "$(count "$tmp/t1/eve.json" http)" "$req" "HTTP events vs tshark requests"
    dq=$(tshark -r "$tmp/a.pcap" -Y 'dns.flags.response == 0' 2>/dev/null | wc -l)
    expect_eq "$(count "$tmp/t1/eve.json" dns request)" "$dq" "DNS request events vs tshark queries"
    ssh=$(tshark -r "$tmp/a.pcap" -Y 'ssh.protocol && tcp.dstport == 22' 2>/dev/null | wc -l)
    expect_eq "$(count "$tmp/t1/eve.json" ssh)" "$ssh" "SSH events vs tshark client banners"
else
    echo "NOTE: tshark not installed: oracle comparisons skipped"
fi

# two files: stats packets = sum of both files' packets
na=$(tshark -r "$tmp/a.pcap" 2>/dev/null | wc -l); nb=$(tshark -r "$tmp/b.pcap" 2>/dev/null | wc -l)
pk=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][-1]["stats"]["capture"]["packets"])' "$tmp/multi/eve.json")
expect_eq "$pk" "$((na + nb))" "packets counted over two -r files"

# SQLite holds the same events as eve.json
dbn=$(sqlite3 "$tmp/t1/guanlan.db" 'select count(*) from events' 2>/dev/null)
expect_eq "$dbn" "$(wc -l < "$tmp/t1/eve.json")" "rows in guanlan.db vs lines in eve.json"
nidx=$(sqlite3 "$tmp/t1/guanlan.db" "select count(*) from sqlite_schema where type='index' and tbl_name='events' and name like 'events_%'")
expect_eq "$nidx" 5 "indexes of the events table after a file run"
# with deferred indexes they are built at the end: same rows, same five indexes
mkdir -p "$tmp/defer"
"$bin" run -q -r "$tmp/a.pcap" -l "$tmp/defer" --set output.sqlite.defer-indexes=yes
expect_eq "$(sqlite3 "$tmp/defer/guanlan.db" 'select count(*) from events')" "$dbn" "rows with deferred indexes"
nidx=$(sqlite3 "$tmp/defer/guanlan.db" "select count(*) from sqlite_schema where type='index' and tbl_name='events' and name like 'events_%'")
expect_eq "$nidx" 5 "indexes built at the end with output.sqlite.defer-indexes"
# a second run into the same directory appends to the existing db
"$bin" run -q -r "$tmp/b.pcap" -l "$tmp/t1"; expect_eq $? 0 "second run into an existing db"
dbn2=$(sqlite3 "$tmp/t1/guanlan.db" 'select count(*) from events' 2>/dev/null)
expect_eq "$dbn2" "$((dbn + $(wc -l < "$tmp/t1/eve.json")))" "rows after appending a second run"

# errors: unreadable input (exit 1, others still analysed), bad usage (exit 2)
echo "not a capture" > "$tmp/junk.pcap"
mkdir -p "$tmp/e1"
"$bin" run -q -r "$tmp/junk.pcap" -r "$tmp/b.pcap" -l "$tmp/e1" 2>"$tmp/err1"; rc=$?
expect_eq $rc 1 "junk file exit status"
grep -q "not a readable pcap" "$tmp/err1" && ok || bad "junk file error message: $(cat "$tmp/err1")"
[ "$(count "$tmp/e1/eve.json" flow)" -gt 0 ] && ok || bad "file after the junk one was not analysed"
head -c 100000 "$tmp/a.pcap" > "$tmp/trunc.pcap"
"$bin" run -q -r "$tmp/trunc.pcap" -l "$tmp/e1" 2>"$tmp/err2"; rc=$?
expect_eq $rc 1 "truncated file exit status"
grep -qi "truncated" "$tmp/err2" && ok || bad "truncated file message: $(cat "$tmp/err2")"
"$bin" run -q -r "$tmp/a.pcap" -l "$tmp/does-not-exist" 2>/dev/null; expect_eq $? 2 "missing log dir"
"$bin" run -q -l "$tmp/e1" 2>/dev/null; expect_eq $? 2 "no input"
"$bin" run -q -r "$tmp/a.pcap" -l "$tmp/e1" --set flow.memcap=lots 2>"$tmp/err3"; expect_eq $? 2 "bad --set value"
grep -q "flow.memcap" "$tmp/err3" && ok || bad "bad --set message: $(cat "$tmp/err3")"
printf 'flow:\n  memcap: 64mb\n  bogus: 1\n' > "$tmp/bad.yaml"
"$bin" run -q -r "$tmp/a.pcap" -l "$tmp/e1" -c "$tmp/bad.yaml" 2>"$tmp/err4"; expect_eq $? 2 "unknown config key"
grep -q "bad.yaml:3: unknown option 'flow.bogus'" "$tmp/err4" && ok || bad "config error message: $(cat "$tmp/err4")"
"$bin" run --help | grep -q "flow.timeout.tcp.established" && ok || bad "--help lacks config keys"

# a tiny flow memcap (64 KiB: about 300 entries) evicts flows, counts them,
# and still logs every flow
"$gen" -q --seed 9 --sessions 10 --idle-flows 2000 -o "$tmp/idle.pcap" || exit 1
mkdir -p "$tmp/mc"
"$bin" run -q -r "$tmp/idle.pcap" -l "$tmp/mc" --set flow.memcap=64kb --set flow.hash-size=1024 2>/dev/null
all_flows=$(count "$tmp/mc/eve.json" flow)
tcp_conv=$(tshark -r "$tmp/idle.pcap" -q -z conv,tcp 2>/dev/null | grep -c '<->')
udp_conv=$(tshark -r "$tmp/idle.pcap" -q -z conv,udp 2>/dev/null | grep -c '<->')
[ "$all_flows" -ge $((tcp_conv + udp_conv)) ] && ok || bad "flows lost under memcap: $all_flows < $tcp_conv + $udp_conv"
ev=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][-1]["stats"]["flow"]["evicted"])' "$tmp/mc/eve.json")
forced=$(grep -c '"reason":"forced"' "$tmp/mc/eve.json")
[ "$ev" -gt 0 ] && ok || bad "memcap did not evict (evicted=$ev)"
expect_eq "$forced" "$ev" "evicted flows logged with reason forced"

echo "test-run: $pass passed, $fail failed"
[ $fail = 0 ]
