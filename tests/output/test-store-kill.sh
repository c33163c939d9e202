#!/bin/bash
# test-store-kill.sh — crash safety of the event store.
#
# Runs the store driver (test-store-writer --drive: two producer threads
# writing sequence-numbered events, small batches, many commits per second)
# and kills it with SIGKILL at random moments, several times, on the same
# database. After every kill:
#   - PRAGMA integrity_check must say ok (via the driver's raw check, and via
#     the sqlite3 shell when installed, an independent reader);
#   - each producer's rows must be exactly seq 1..max (committed batches are
#     whole, nothing after a gap), and every row must match its JSON;
#   - the row count never goes down (committed data is never lost).
# The first kill comes very early to hit schema creation.
set -u

build=${GUANLAN_BUILD:-}
driver=""
for cand in "$build/test-store-writer" "$(dirname "${GUANLAN_BIN:-/nonexistent}")/test-store-writer"; do
    if [ -x "$cand" ]; then
        driver=$cand
        break
    fi
done
if [ -z "$driver" ]; then
    echo "SKIP: test-store-writer not built (set GUANLAN_BUILD)"
    exit 77
fi

dir=$(mktemp -d /tmp/gl-store-kill-XXXXXX)
trap 'rm -rf "$dir"' EXIT
db=$dir/guanlan.db
rounds=${GL_KILL_ROUNDS:-8}
prev=0
fail=0
have_cli=0
command -v sqlite3 >/dev/null 2>&1 && have_cli=1

for round in $(seq 1 "$rounds"); do
    "$driver" --drive "$db" 2>"$dir/drive.err" &
    pid=$!
    if [ "$round" -eq 1 ]; then
        delay_ms=$((RANDOM % 30))          # during open / schema creation
    else
        delay_ms=$((150 + RANDOM % 650))   # mid-run: batches, checkpoints
    fi
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "FAIL round $round: driver exited early: $(cat "$dir/drive.err")"
        fail=1
        break
    fi
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null

    out=$("$driver" --check "$db" 2>&1)
    rc=$?
    rows=$(printf '%s\n' "$out" | sed -n 's/^rows=//p')
    if [ "$rc" -ne 0 ] || [ -z "$rows" ]; then
        echo "FAIL round $round (killed after ${delay_ms} ms): $out"
        fail=1
        break
    fi
    if [ "$have_cli" -eq 1 ] && [ -s "$db" ]; then
        ic=$(sqlite3 "$db" "PRAGMA integrity_check" 2>&1)
        if [ "$ic" != "ok" ]; then
            echo "FAIL round $round: sqlite3 integrity_check: $ic"
            fail=1
            break
        fi
    fi
    if [ "$rows" -lt "$prev" ]; then
        echo "FAIL round $round: rows went down from $prev to $rows"
        fail=1
        break
    fi
    echo "round $round: killed after ${delay_ms} ms, $rows rows, integrity ok, prefix ok"
    prev=$rows
done

if [ "$fail" -eq 0 ] && [ "$prev" -eq 0 ]; then
    echo "FAIL: no rows were ever committed; the test exercised nothing"
    fail=1
fi
exit "$fail"
