#!/bin/bash
# t0402-class-failures.sh -- a roster class where AWS fails some creations: the class ends
# usable with the seats that succeeded, `class show` names the failed seats and AWS's reason,
# the exit status says "partial" (8), and `class resume` finishes the rest without
# duplicates once AWS stops failing. The simulator's clock is paused and moves 10 s each time
# a class command waits for it.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --account-limit 1000
write_config
sbx init >/dev/null

# 12 students; the ones whose alias contains "flaky" fail at AWS.
{
    printf 'email,name\r\n'
    for i in $(seq 1 12); do
        case $i in
        3 | 8) printf 'flaky%d@uni.example,"Flaky, Student %d"\r\n' "$i" "$i" ;;
        *) printf 'student%d@uni.example,Student %d\r\n' "$i" "$i" ;;
        esac
    done
} >"$T/students.csv"
sim_admin POST faults '{"fail_create_matching": "flaky", "fail_create_reason": "INTERNAL_FAILURE"}' >/dev/null

assert_exit 8 sbx_advancing clock 10 class create lab --roster "$T/students.csv" --owner prof@uni.example --json >"$T/create.json"
out=$(cat "$T/create.json")
assert_eq "$(json_get "$out" 'd["class"]["state"]')" partial
assert_eq "$(json_get "$out" 'd["class"]["counts"]["active"]')" 10
assert_eq "$(json_get "$out" 'd["class"]["counts"]["failed"]')" 2
assert_eq "$(json_get "$out" 'sorted(s["seat"] for s in d["seats"] if s["state"] == "failed")')" '[3, 8]'
assert_contains "$(json_get "$out" '[s["last_error"] for s in d["seats"] if s["seat"] == 3][0]')" INTERNAL_FAILURE
assert_eq "$(json_get "$out" '[s["display_name"] for s in d["seats"] if s["seat"] == 3][0]')" "Flaky, Student 3"
assert_eq "$(json_get "$out" '[s["owner"] for s in d["seats"] if s["seat"] == 12][0]')" student12@uni.example

# The text view says which seats failed and why.
show=$(sbx class show lab)
assert_contains "$show" "10 active, 2 failed"
assert_contains "$(printf '%s\n' "$show" | grep '^03 ')" INTERNAL_FAILURE
assert_contains "$(printf '%s\n' "$show" | grep '^08 ')" flaky8@uni.example

# The roster still lists every seat; the failed ones have no account.
sbx class roster lab >"$T/roster.csv"
python3 - "$T/roster.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 12
failed = [r for r in rows if r["state"] == "failed"]
assert [r["seat"] for r in failed] == ["3", "8"], failed
assert all(r["account_id"] == "" and r["signin_url"] == "" for r in failed)
assert rows[2]["display_name"] == "Flaky, Student 3"
PY

# AWS recovers; resume re-drives only the failed seats.
sim_admin POST faults '{"fail_create_matching": ""}' >/dev/null
res=$(sbx_advancing clock 10 class resume lab --json)
assert_eq "$(json_get "$res" 'd["class"]["state"]')" ready
assert_eq "$(json_get "$res" 'd["class"]["counts"]["active"]')" 12
state=$(sim_admin GET state)
python3 - "$state" "$res" <<'PY'
import json, sys
sim, res = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ok = [r for r in sim["create_requests"] if r["State"] == "SUCCEEDED"]
failed = [r for r in sim["create_requests"] if r["State"] == "FAILED"]
assert len(ok) == 12, len(ok)
assert len(failed) == 2, len(failed)
ids = sorted(s["account_id"] for s in res["seats"])
assert ids == sorted(r["AccountId"] for r in ok), "seats and created accounts differ"
PY
# Resuming a finished class changes nothing.
res2=$(sbx_advancing clock 10 class resume lab --json)
assert_eq "$(json_get "$res2" 'd["class"]["counts"]["active"]')" 12
assert_eq "$(json_get "$(sim_admin GET state)" 'len(d["create_requests"])')" 14
echo ok
