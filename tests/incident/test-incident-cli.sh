#!/usr/bin/env bash
# test-incident-cli.sh — drives `guanlan incident grade` as a user would:
# the contract's own example, stdin input, exit statuses and the one-line
# error on stderr. Expected values come from the reference's tables
# (worked out in the comments), not from running the program.
set -u

# Until main.c dispatches `incident`, any incident test program stands in
# for the binary (it forwards `--as-guanlan ARGS` to gl_cmd_incident).
if [ -n "${GUANLAN_BIN:-}" ] && "$GUANLAN_BIN" incident grade --help >/dev/null 2>&1; then
    G=("$GUANLAN_BIN")
elif [ -x "${GUANLAN_BUILD:-}/test-incident-thresholds" ]; then
    G=("$GUANLAN_BUILD/test-incident-thresholds" --as-guanlan)
else
    echo "no guanlan binary with 'incident' and no stand-in: skipping"
    exit 77
fi
command -v python3 >/dev/null || { echo "python3 needed to read JSON: skipping"; exit 77; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# jget FILE EXPR: evaluate a Python expression over the parsed document d
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"; }

# 1. The contract's example input. Expected: item 1 provincial party/gov
#    portal 400 min >= 360 (II), item 2 main function 45 >= 30 (III), item 4
#    important data leaked with serious threat (II) -> major; route cii:
#    operator -> protection dept + police within 60 min (09:15 -> 10:15),
#    onward protection dept -> national CAC + MPS within 30 min of receipt.
cat > "$T/example.json" <<'JSON'
{
  "operator": { "name": "某市供水集团", "route": "cii" },
  "discovered_at": "2026-03-02T09:15:00+08:00",
  "handling_ended_at": null,
  "facts": {
    "site_outage":   [ { "kind": "party_gov_portal", "level": "provincial", "minutes": 400 } ],
    "cii_outage":    { "whole_minutes": 0, "main_function_minutes": 45 },
    "population":    { "people": 0, "province_share_pct": 0, "prefecture_share_pct": 0 },
    "data":          { "category": "important", "action": "leaked", "threat": "serious" },
    "pi_leaked_people": 0,
    "defacement":    [ { "kind": "network_platform", "level": "central", "platform_size": "large",
                         "homepage_minutes": 0, "other_page_minutes": 0,
                         "forwards": 0, "views": 0, "declared_spread": null } ],
    "direct_loss_yuan": 0,
    "assessed_threat": null
  }
}
JSON
"${G[@]}" incident grade "$T/example.json" >"$T/out.json" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "example exits 0" || bad "example exit $rc: $(cat "$T/err")"
[ ! -s "$T/err" ] && ok "example: stderr empty" || bad "example: stderr $(cat "$T/err")"
check() { # check NAME EXPR WANT
    local got
    got=$(jget "$T/out.json" "$2" 2>&1)
    [ "$got" = "$3" ] && ok "$1" || bad "$1: got [$got] want [$3]"
}
check "level"        'd["level"]' major
check "level_cn"     'd["level_cn"]' 重大
check "level_roman"  'd["level_roman"]' II
check "reportable"   'd["reportable"]' True
check "criteria"     '[(c["item"], c["level"]) for c in d["criteria"]]' \
      "[(1, 'major'), (2, 'relatively_major'), (4, 'major')]"
check "why item 1"   'd["criteria"][0]["why"]' 'provincial party_gov_portal unreachable 400 min (>= 360)'
check "operator obligation" \
      '(d["obligations"][0]["by"], d["obligations"][0]["to"], d["obligations"][0]["within_minutes"], d["obligations"][0]["due"])' \
      "('operator', ['protection_department', 'public_security'], 60, '2026-03-02T10:15:00+08:00')"
check "onward obligation" \
      '(d["obligations"][1]["by"], d["obligations"][1]["to"], d["obligations"][1]["within_minutes"], d["obligations"][1]["after"])' \
      "('protection_department', ['national_cac', 'mps'], 30, 'receipt')"
check "two obligations" 'len(d["obligations"])' 2
check "summary null" 'd["summary_report_due"]' None

# 2. stdin, another route and offset, summary due. Loss 20,000,000 >= 20,000,000
#    -> major; route other: 240 min after 2028-02-28T23:00-03:00 = 2028-02-29T03:00-03:00
#    (leap day); summary: 2028-02-29T10:00-03:00 + 30 days = 2028-03-30T10:00-03:00.
cat > "$T/stdin.json" <<'JSON'
{"operator":{"name":"Example Co","route":"other"},"discovered_at":"2028-02-28T23:00:00-03:00",
 "handling_ended_at":"2028-02-29T10:00:00-03:00","facts":{"direct_loss_yuan":20000000}}
JSON
"${G[@]}" incident grade - <"$T/stdin.json" >"$T/out.json" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "stdin exits 0" || bad "stdin exit $rc: $(cat "$T/err")"
check "stdin level" 'd["level"]' major
check "stdin due"   'd["obligations"][0]["due"]' 2028-02-29T03:00:00-03:00
check "stdin to"    '(d["obligations"][0]["to"], d["obligations"][1]["by"], d["obligations"][1]["to"])' \
      "(['provincial_cac'], 'provincial_cac', ['national_cac'])"
check "summary due" 'd["summary_report_due"]' 2028-03-30T10:00:00-03:00

# 3. Not reportable: nothing observed -> general, no obligations.
echo '{"operator":{"name":"n","route":"central_state_organ"},"discovered_at":"2026-01-01T00:00:00Z","facts":{}}' >"$T/g.json"
"${G[@]}" incident grade "$T/g.json" >"$T/out.json" 2>"$T/err"
check "general level" '(d["level"], d["level_roman"], d["reportable"], d["obligations"])' "('general', 'IV', False, [])"

# 4. Bad input: exit 2, stdout empty, exactly one stderr line naming the field.
expect_bad() { # NAME JSON FIELD
    printf '%s' "$2" >"$T/bad.json"
    "${G[@]}" incident grade "$T/bad.json" >"$T/out" 2>"$T/err"
    local rc=$? lines
    lines=$(wc -l <"$T/err")
    if [ $rc -eq 2 ] && [ ! -s "$T/out" ] && [ "$lines" -eq 1 ] && grep -qF -- "$3" "$T/err"; then
        ok "$1"
    else
        bad "$1: rc=$rc lines=$lines err=[$(cat "$T/err")]"
    fi
}
B='"operator":{"name":"x","route":"other"},"discovered_at":"2026-03-02T09:15:00+08:00"'
expect_bad "unknown enum"     "{$B,\"facts\":{\"assessed_threat\":\"grave\"}}" facts.assessed_threat
expect_bad "negative"         "{$B,\"facts\":{\"pi_leaked_people\":-5}}" facts.pi_leaked_people
expect_bad "wrong type"       "{$B,\"facts\":{\"direct_loss_yuan\":\"5000000\"}}" facts.direct_loss_yuan
expect_bad "malformed"        "{$B,\"facts\":{}" input
expect_bad "trailing garbage" "{$B,\"facts\":{}}]" input
expect_bad "huge number"      "{$B,\"facts\":{\"direct_loss_yuan\":1e400}}" direct_loss_yuan
expect_bad "missing route"    '{"operator":{"name":"x"},"discovered_at":"2026-03-02T09:15:00+08:00","facts":{}}' operator.route
expect_bad "no offset"        '{"operator":{"name":"x","route":"cii"},"discovered_at":"2026-03-02T09:15:00","facts":{}}' discovered_at
"${G[@]}" incident grade "$T/does-not-exist.json" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && ok "missing file exits 2" || bad "missing file"
"${G[@]}" incident grade >/dev/null 2>&1
[ $? -eq 2 ] && ok "no argument exits 2" || bad "no argument"

exit $fail
