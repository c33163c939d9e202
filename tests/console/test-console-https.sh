#!/bin/bash
# test-console-https.sh — the real `guanlan console` on 127.0.0.1 with a temp
# database, driven over HTTPS by python3 (urllib + ssl) and curl:
# self-signed certificate created at first start, one-time admin password,
# security headers and cookie flags on the wire, forced password change,
# TOTP enrolment (codes computed here from RFC 6238 with hmac/hashlib), CSRF,
# an oversized body, a path traversal, `console verify-audit` ok, then
# tampering found (exit 3).
set -u
BIN=${GUANLAN_BIN:-build/guanlan}
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
command -v sqlite3 >/dev/null || { echo "skip: no sqlite3"; exit 77; }
T=$(mktemp -d /tmp/test-console-https-XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

"$BIN" console -l "$T" --listen 127.0.0.1:0 --init-admin boss --kdf-cost 12 >"$T/out" 2>"$T/err" &
PID=$!
for _ in $(seq 50); do grep -q "listening on" "$T/out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o 'listening on https://127.0.0.1:[0-9]*' "$T/out" | grep -o '[0-9]*$')
PW=$(grep -o 'one-time password: [^ ]*' "$T/out" | cut -d' ' -f3)
[ -n "$PORT" ] && [ -n "$PW" ] || { echo "FAIL: server did not start"; cat "$T/out" "$T/err"; exit 1; }
[ -f "$T/console-cert.pem" ] && [ "$(stat -c %a "$T/console-key.pem")" = 600 ] \
    || { echo "FAIL: self-signed certificate / key mode"; exit 1; }

fail=0
# headers on the wire (curl -k: the certificate is self-signed; checked below by fingerprint)
H=$(curl -sk -D - -o /dev/null "https://127.0.0.1:$PORT/api/v1/setup")
for h in "Strict-Transport-Security: max-age=" "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'" \
         "X-Content-Type-Options: nosniff" "Referrer-Policy: no-referrer" "X-Frame-Options: DENY"; do
    grep -qiF "$h" <<<"$H" && echo "ok: header $h" || { echo "FAIL: header $h"; fail=1; }
done
# plain HTTP to the TLS port does not get an API answer
if curl -s --max-time 3 "http://127.0.0.1:$PORT/api/v1/setup" 2>/dev/null | grep -q setup_needed; then
    echo "FAIL: plain HTTP answered"; fail=1
else
    echo "ok: plain HTTP refused"
fi
# the served certificate is the one whose fingerprint was printed
FP=$(grep -o 'certificate SHA-256 [0-9a-f]*' "$T/out" | cut -d' ' -f3)
GOT=$(python3 - "$PORT" <<'PY'
import hashlib, ssl, sys
pem = ssl.get_server_certificate(("127.0.0.1", int(sys.argv[1])))
print(hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest())
PY
)
[ "$FP" = "$GOT" ] && echo "ok: certificate fingerprint" || { echo "FAIL: fingerprint $FP vs $GOT"; fail=1; }

python3 - "$PORT" "$PW" "$T/console-cert.pem" <<'PY' || fail=1
import base64, hashlib, hmac, http.cookiejar, json, ssl, struct, sys, time, urllib.error, urllib.request
port, temp_pw, cafile = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"https://127.0.0.1:{port}"
ctx = ssl.create_default_context(cafile=cafile)   # verify against the generated certificate
ctx.check_hostname = True                          # SAN has IP:127.0.0.1
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                 urllib.request.HTTPCookieProcessor(jar))
bad = 0
def req(method, path, body=None, csrf=None, raw=None, ctype="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    r = urllib.request.Request(base + path, data=data, method=method)
    if data is not None: r.add_header("Content-Type", ctype)
    if csrf: r.add_header("X-CSRF-Token", csrf)
    try:
        resp = op.open(r, timeout=20)
        return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
def check(name, cond):
    global bad
    print(("ok: " if cond else "FAIL: ") + name)
    if not cond: bad = 1
def totp(secret, t=None):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    h = hmac.new(key, struct.pack(">Q", int(t if t is not None else time.time()) // 30), hashlib.sha1).digest()
    o = h[19] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o+4])[0] & 0x7fffffff) % 1000000)

st, hd, b = req("POST", "/api/v1/auth/login", {"username": "boss", "password": "wrong-Password-1"})
check("wrong password 401", st == 401)
st, hd, b = req("POST", "/api/v1/auth/login", {"username": "boss", "password": temp_pw})
check("login 200", st == 200)
sc = hd.get("Set-Cookie", "")
check("cookie flags", all(f in sc for f in ("HttpOnly", "Secure", "SameSite=Strict")))
me = json.loads(b); csrf = me["csrf_token"]
check("must change password", me["must_change_password"] is True)
st, _, b = req("GET", "/api/v1/users")
check("blocked before password change", st == 403 and json.loads(b)["error"] == "password_change_required")
st, _, _ = req("POST", "/api/v1/auth/password", {"old_password": temp_pw, "new_password": "New-Chief-Pass-42"})
check("password change without CSRF header refused", st == 403)
st, _, b = req("POST", "/api/v1/auth/password", {"old_password": temp_pw, "new_password": "New-Chief-Pass-42"}, csrf)
check("password changed", st == 200)
st, _, b = req("POST", "/api/v1/auth/totp/enroll", {}, csrf)
secret = json.loads(b)["secret"]
check("enrol", st == 200 and json.loads(b)["otpauth_uri"].startswith("otpauth://totp/"))
st, _, _ = req("POST", "/api/v1/auth/totp/confirm", {"code": totp(secret)}, csrf)
check("totp confirmed", st == 200)
st, _, b = req("POST", "/api/v1/users", {"username": "ana", "role": "operator"}, csrf)
check("admin creates operator", st == 201 and json.loads(b)["temporary_password"])
st, _, _ = req("GET", "/api/v1/incidents")
check("admin cannot read incidents", st == 403)
st, _, _ = req("POST", "/api/v1/assets", raw=b"{" + b" " * (1024 * 1024 + 16) + b"}", csrf=csrf)
check("oversized body 413", st == 413)
st, _, _ = req("POST", "/api/v1/assets", raw=b'{"name":"\xff"}', csrf=csrf)
check("bad UTF-8 400", st == 400)
st, _, _ = req("GET", "/api/v1/assets/%2e%2e/%2e%2e/etc/passwd")
check("traversal refused", st in (400, 404))
st, _, _ = req("POST", "/api/v1/auth/logout", {}, csrf)
time.sleep(0)
st, _, b = req("POST", "/api/v1/auth/login", {"username": "boss", "password": "New-Chief-Pass-42"})
check("totp required at login", st == 401 and json.loads(b)["error"] == "totp_required")
code = totp(secret, time.time() + 30)   # next step: the confirm step cannot be replayed
st, _, b = req("POST", "/api/v1/auth/login", {"username": "boss", "password": "New-Chief-Pass-42", "totp": code})
check("login with totp", st == 200)
sys.exit(bad)
PY

kill "$PID"; wait "$PID" 2>/dev/null; PID=
"$BIN" console verify-audit -l "$T" >"$T/v1" 2>&1 && grep -q '"ok":true' "$T/v1" \
    && echo "ok: verify-audit" || { echo "FAIL: verify-audit: $(cat "$T/v1")"; fail=1; }
sqlite3 "$T/guanlan.db" "DROP TRIGGER console_audit_no_update; UPDATE console_audit SET actor='eve' WHERE seq=2;"
"$BIN" console verify-audit -l "$T" >"$T/v2" 2>&1; rc=$?
[ $rc -eq 3 ] && grep -q "seq 2" "$T/v2" && echo "ok: tampering found (exit 3)" \
    || { echo "FAIL: tamper: rc $rc $(cat "$T/v2")"; fail=1; }
exit $fail
