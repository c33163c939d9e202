#!/usr/bin/env bash
# bench-incident-grade.sh — times `guanlan incident grade` on small, typical
# and worst-case inputs (64 + 64 array entries, both overlays, calendar
# load) and checks the budget: every run under 50 ms.
#
# usage: bench/bench-incident-grade.sh [BUILD_DIR] [RUNS]
# Uses hyperfine when installed (apt-get install hyperfine), else a bash loop.
# Until main.c dispatches `incident`, an incident test program stands in for
# the binary (`test-incident-thresholds --as-guanlan ...`): same code path.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
RUNS=${2:-300}
BUDGET_MS=50

if [ -x "$BUILD/guanlan" ] && "$BUILD/guanlan" incident grade --help >/dev/null 2>&1; then
    CMD="$BUILD/guanlan incident grade"
elif [ -x "$BUILD/test-incident-thresholds" ]; then
    CMD="$BUILD/test-incident-thresholds --as-guanlan incident grade"
else
    echo "build $BUILD first (no guanlan with 'incident' and no stand-in)" >&2
    exit 2
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$ROOT" # data/calendar is found relative to the working directory

cat >"$T/small.json" <<'JSON'
{"operator":{"name":"n","route":"other"},"discovered_at":"2026-01-01T00:00:00Z","facts":{}}
JSON
cp "$ROOT/fuzz/seeds/incident/contract-example.json" "$T/typical.json"
python3 - "$T/worst.json" <<'PY'
import json, sys
kinds = ["party_gov_portal", "enterprise_portal", "institution_portal", "key_news_site", "network_platform"]
levels = ["central", "provincial", "prefecture", "county"]
def target(i):
    t = {"kind": kinds[i % 5], "level": levels[i % 4]}
    if t["kind"] == "network_platform":
        t["platform_size"] = ["super_large", "large", "other"][i % 3]
    return t
doc = {
    "operator": {"name": "最坏情况" * 42, "route": "central_state_organ"},
    "discovered_at": "2026-02-12T10:00:00.123456789+05:45",
    "handling_ended_at": "2026-12-31T23:59:59-11:30",
    "facts": {
        "site_outage": [dict(target(i), minutes=100 + i * 37.5) for i in range(64)],
        "cii_outage": {"whole_minutes": 359, "main_function_minutes": 1440},
        "population": {"people": 9999999, "province_share_pct": 50, "prefecture_share_pct": 49.9},
        "data": {"category": "core", "action": "stolen", "threat": "especially_serious"},
        "pi_leaked_people": 100000000,
        "defacement": [dict(target(i), homepage_minutes=i * 10, other_page_minutes=i * 30, forwards=i * 2000,
                            views=i * 20000, declared_spread=[None, "relatively_wide", "wide", "especially_wide"][i % 4])
                       for i in range(64)],
        "direct_loss_yuan": 123456789.5,
        "assessed_threat": "serious",
    },
    "overlays": {"miit_data_security": {"self_assessed_level": "major"},
                 "nfra": {"important_system_interruption": {"provinces": 2, "minutes": 45},
                          "fund_loss_yuan": 10000000, "serious_pi_infringement": True}},
}
json.dump(doc, open(sys.argv[1], "w"), ensure_ascii=False)
PY

for f in small typical worst; do
    $CMD "$T/$f.json" >/dev/null || { echo "$f: grade failed" >&2; exit 1; }
done
echo "command: $CMD"
echo "inputs: $(wc -c <"$T/small.json") / $(wc -c <"$T/typical.json") / $(wc -c <"$T/worst.json") bytes"

over=0
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$T/h.json" \
        -n small "$CMD $T/small.json" -n typical "$CMD $T/typical.json" -n worst "$CMD $T/worst.json"
    python3 - "$T/h.json" "$BUDGET_MS" <<'PY' || over=1
import json, sys
budget = float(sys.argv[2])
bad = 0
for r in json.load(open(sys.argv[1]))["results"]:
    mx = max(r["times"]) * 1000
    print(f'{r["command"]:8s} mean {r["mean"]*1000:6.2f} ms  max {mx:6.2f} ms  budget {budget:.0f} ms  {"OK" if mx < budget else "OVER"}')
    bad |= mx >= budget
sys.exit(1 if bad else 0)
PY
else
    for f in small typical worst; do
        max=0
        for _ in $(seq "$RUNS"); do
            s=$(date +%s%N); $CMD "$T/$f.json" >/dev/null; e=$(date +%s%N)
            ms=$(( (e - s) / 1000000 )); [ $ms -gt $max ] && max=$ms
        done
        echo "$f: max ${max} ms over $RUNS runs (budget $BUDGET_MS ms)"
        [ $max -lt $BUDGET_MS ] || over=1
    done
fi
[ $over -eq 0 ] && echo "all runs under ${BUDGET_MS} ms" || { echo "budget exceeded"; exit 1; }
