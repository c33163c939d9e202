#!/bin/bash
# bench/bench-console.sh — console API latency on a large guanlan.db.
#
#   bench/bench-console.sh [EVENTS [ALERTS [DIR]]]     (default 10000000 100000)
#
# 1. generates EVENTS events (flow/dns/tls/http/ssh/anomaly/stats, 1000
#    source and 10000 destination addresses, 7 days) plus ALERTS alert events
#    directly with SQLite in one transaction (events indexes dropped during
#    the insert and rebuilt after; both times printed);
# 2. builds the console's summary tables (`guanlan console sync`, timed);
# 3. starts `guanlan console` on 127.0.0.1, logs in as an operator (password
#    change + TOTP enrolment on the way) and prints p50/p95/max latency of
#    the overview and alert-list API calls over HTTPS with keep-alive
#    (goal: p95 <= 200 ms).
# REUSE=1 with DIR of an earlier run skips step 1 (summaries are rebuilt).
# Not a test: nothing fails on slow numbers.
set -eu
N=${1:-10000000}
NA=${2:-100000}
BIN=${GUANLAN_BIN:-build/guanlan}
D=${3:-$(mktemp -d /tmp/bench-console-XXXXXX)}
DB="$D/guanlan.db"
REQS=${REQS:-100}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell"; exit 1; }
if [ "${REUSE:-0}" = 1 ] && [ -s "$DB" ]; then
    sqlite3 "$DB" "DROP TABLE IF EXISTS console_ev_min; DROP TABLE IF EXISTS console_ev_hour;
        DROP TABLE IF EXISTS console_talkers_hour; DROP TABLE IF EXISTS console_tls_hour;
        DROP TABLE IF EXISTS console_talkers_top; DROP TABLE IF EXISTS console_tls_top;
        DROP TABLE IF EXISTS console_alerts; DROP TABLE IF EXISTS console_sync;
        DROP TABLE IF EXISTS console_users; DROP TABLE IF EXISTS console_sessions;"
    t0=$(date +%s.%N); t1=$t0; t2=$t0
    "$BIN" console sync --db "$DB"
else
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN" console sync --db "$DB" >/dev/null   # creates the sensor + console schema

t0=$(date +%s.%N)
sqlite3 "$DB" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-262144;
DROP INDEX IF EXISTS events_type_ts; DROP INDEX IF EXISTS events_src_ts; DROP INDEX IF EXISTS events_dest_ts;
DROP INDEX IF EXISTS events_flow; DROP INDEX IF EXISTS events_ts;
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N),
g AS (SELECT i, 1772409600000000 + i * (604800000000 / $N) AS ts,
             CASE WHEN i % 100 < 40 THEN 'flow' WHEN i % 100 < 65 THEN 'dns' WHEN i % 100 < 80 THEN 'tls'
                  WHEN i % 100 < 92 THEN 'http' WHEN i % 100 < 96 THEN 'ssh' WHEN i % 100 < 99 THEN 'anomaly'
                  ELSE 'stats' END AS t,
             '10.1.' || (i % 1000 / 250) || '.' || (i % 250) AS src,
             '198.51.' || (i * 7 % 10000 / 250) || '.' || (i * 7 % 250) AS dst FROM c)
INSERT INTO events(ts_usec, ts, event_type, flow_id, src_ip, src_port, dest_ip, dest_port, proto, app_proto, json)
SELECT ts, strftime('%Y-%m-%dT%H:%M:%fZ', ts / 1000000.0, 'unixepoch'), t, i / 3, src, 40000 + i % 20000, dst,
       CASE t WHEN 'dns' THEN 53 WHEN 'http' THEN 80 WHEN 'ssh' THEN 22 ELSE 443 END,
       CASE t WHEN 'dns' THEN 'UDP' ELSE 'TCP' END,
       CASE t WHEN 'flow' THEN (CASE i % 5 WHEN 0 THEN 'dns' WHEN 1 THEN 'http' WHEN 2 THEN 'ssh' ELSE 'tls' END)
              WHEN 'anomaly' THEN NULL WHEN 'stats' THEN NULL ELSE t END,
       CASE t WHEN 'tls' THEN '{"event_type":"tls","tls":{"sni":"h' || (i % 500) || '.example","ja3":{"hash":"'
                              || lower(hex(randomblob(2))) || '"},"ja4":"t13d' || (i % 40) || '"}}'
              WHEN 'flow' THEN '{"event_type":"flow","flow":{"pkts_toserver":' || (i % 50) || ',"bytes_toserver":'
                              || (i % 5000) || '}}'
              WHEN 'stats' THEN '{"event_type":"stats","stats":{"capture":{"packets":' || i || ',"kernel_drops":0}}}'
              ELSE '{"event_type":"' || t || '"}' END
FROM g;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $NA)
INSERT INTO events(ts_usec, ts, event_type, flow_id, src_ip, src_port, dest_ip, dest_port, proto, app_proto, json)
SELECT 1772409600000000 + i * (604800000000 / $NA), 'x', 'alert', i * 3, '10.1.' || (i % 4) || '.' || (i % 250),
       40000, '198.51.' || (i % 40) || '.' || (i % 250), 443, 'TCP', 'tls',
       '{"event_type":"alert","alert":{"signature":"GUANLAN Encrypted Threat: sig' || (i % 20) || '","category":"'
       || CASE i % 3 WHEN 0 THEN 'Encrypted Threat' WHEN 1 THEN 'A Network Trojan was detected'
          ELSE 'Potentially Bad Traffic' END || '","severity":' || (1 + i % 3)
       || '},"guanlan":{"encrypted":{"score":' || (i * 37 % 101) || '}}}'
FROM c;
COMMIT;
SQL
t1=$(date +%s.%N)
sqlite3 "$DB" <<'SQL'
PRAGMA cache_size=-262144;
CREATE INDEX events_type_ts ON events(event_type, ts_usec);
CREATE INDEX events_src_ts  ON events(src_ip, ts_usec);
CREATE INDEX events_dest_ts ON events(dest_ip, ts_usec);
CREATE INDEX events_flow    ON events(flow_id);
CREATE INDEX events_ts      ON events(ts_usec);
SQL
t2=$(date +%s.%N)
"$BIN" console sync --db "$DB"
fi
t3=$(date +%s.%N)
printf 'generate %d events + %d alerts: %.1f s (one transaction, no indexes)\n' "$N" "$NA" "$(echo "$t1 - $t0" | bc)"
printf 'rebuild the 5 events indexes: %.1f s\n' "$(echo "$t2 - $t1" | bc)"
printf 'console summaries (console sync): %.1f s\n' "$(echo "$t3 - $t2" | bc)"
ls -l "$DB" | awk '{printf "database size: %.0f MiB\n", $5 / 1048576}'

"$BIN" console --db "$DB" --listen 127.0.0.1:0 --init-admin benchadmin --kdf-cost 12 >"$D/out" 2>"$D/err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 100); do grep -q "listening on" "$D/out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o 'listening on https://127.0.0.1:[0-9]*' "$D/out" | grep -o '[0-9]*$')
PW=$(grep -o 'one-time password: [^ ]*' "$D/out" | cut -d' ' -f3)
python3 - "$PORT" "$PW" "$REQS" <<'PY'
import base64, hashlib, hmac, http.client, json, ssl, struct, sys, time
port, pw, reqs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl._create_unverified_context()   # the bench's own fresh self-signed certificate
class S:
    def __init__(s): s.c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60); s.cookie = ""; s.csrf = ""
    def req(s, m, p, body=None):
        h = {"Cookie": s.cookie, "Content-Type": "application/json"}
        if s.csrf: h["X-CSRF-Token"] = s.csrf
        s.c.request(m, p, json.dumps(body) if body is not None else None, h)
        r = s.c.getresponse(); d = r.read()
        sc = r.getheader("Set-Cookie")
        if sc and sc.startswith("gl_session=") and "Max-Age=0" not in sc: s.cookie = sc.split(";")[0]
        return r.status, d
def totp(sec):
    k = base64.b32decode(sec + "=" * (-len(sec) % 8))
    h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest(); o = h[19] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o+4])[0] & 0x7fffffff) % 1000000)
def ready(s, user, pw, newpw):
    st, d = s.req("POST", "/api/v1/auth/login", {"username": user, "password": pw}); s.csrf = json.loads(d)["csrf_token"]
    s.req("POST", "/api/v1/auth/password", {"old_password": pw, "new_password": newpw})
    st, d = s.req("POST", "/api/v1/auth/totp/enroll", {}); sec = json.loads(d)["secret"]
    st, d = s.req("POST", "/api/v1/auth/totp/confirm", {"code": totp(sec)})
    assert st == 200, d
a = S(); ready(a, "benchadmin", pw, "Bench-Admin-Pass-1")
st, d = a.req("POST", "/api/v1/users", {"username": "benchop", "role": "operator"})
o = S(); ready(o, "benchop", json.loads(d)["temporary_password"], "Bench-Oper-Pass-2")
def measure(name, path):
    lat = []
    for _ in range(reqs):
        t = time.perf_counter(); st, d = o.req("GET", path); lat.append((time.perf_counter() - t) * 1000)
        assert st == 200, (path, st, d[:200])
    lat.sort()
    print("%-44s n=%d p50=%.1f ms p95=%.1f ms max=%.1f ms" % (name, reqs, lat[len(lat) // 2],
          lat[int(len(lat) * 0.95) - 1], lat[-1]))
measure("overview (last 24 h of data)", "/api/v1/overview")
measure("overview (all 7 days)", "/api/v1/overview?since=1772409600&until=1773014400")
measure("alerts (newest 50)", "/api/v1/alerts")
measure("alerts (score>=80, page 3)", "/api/v1/alerts?min_score=80&offset=100&limit=50")
measure("alerts (host + category)", "/api/v1/alerts?host=10.1.2.7&category=Encrypted%20Threat")
measure("alerts (time range 1 day)", "/api/v1/alerts?since=1772500000&until=1772586400")
PY
