#!/bin/bash
# test-live.sh — live capture on the loopback interface: traffic sent while
# `guanlan run -i lo` runs is logged, and SIGINT / SIGTERM end the run
# cleanly with every open flow flushed (exit 0, flow records present).
# Needs root (or CAP_NET_RAW); skipped otherwise.
set -u
bin=${GUANLAN_BIN:?GUANLAN_BIN not set}
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: live capture needs root"; exit 77; fi
ip link show lo >/dev/null 2>&1 || { echo "SKIP: no loopback interface"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

run_one() { # $1 = signal, $2 = port
    local sig=$1 port=$2 out="$tmp/$1"
    mkdir -p "$out"
    "$bin" run -q -i lo -l "$out" "udp port $port" 2>"$out/err" &
    local pid=$!
    # wait until the capture is open (the eve file exists), then send
    for _ in $(seq 50); do [ -f "$out/eve.json" ] && break; sleep 0.1; done
    sleep 0.5
    python3 - "$port" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(b"guanlan live test %d" % i, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.05)
PY
    sleep 0.5
    kill -"$sig" $pid
    wait $pid; local rc=$?
    [ $rc = 0 ] && ok || bad "$sig: exit status $rc ($(cat "$out/err"))"
    python3 - "$out/eve.json" "$port" <<'PY' && ok || bad "$sig: flow record missing or wrong"
import json, sys
port = int(sys.argv[2])
flows = [e for e in map(json.loads, open(sys.argv[1])) if e["event_type"] == "flow" and e.get("dest_port") == port]
assert len(flows) == 1, flows
f = flows[0]["flow"]
assert f["pkts_toserver"] == 5, f
assert f["reason"] == "shutdown", f
PY
}

run_one INT 47991
run_one TERM 47992
echo "test-live: $pass passed, $fail failed"
[ $fail = 0 ]
