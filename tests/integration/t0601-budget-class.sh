#!/bin/bash
# t0601-budget-class.sh -- a class with a budget per seat (class create --budget), on a paused
# simulator clock: every seat gets the budget as its own, and `class show` totals the seats'
# spend at the last check against their budgets (text and JSON).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 0s
export AWS_ENDPOINT_URL_COST_EXPLORER=$SIM_URL
write_config 'budget = { check_interval = "1h"; };'
sbx init >/dev/null
adv() { sim_admin POST advance "{\"seconds\": \"$1\"}" >/dev/null; }

assert_exit 2 sbx class create lab1 --seats 2 --owner prof@uni.example --budget nothing
sbx class create lab1 --seats 2 --owner prof@uni.example --ttl 2d --budget 30USD --no-wait \
    >/dev/null
for _ in $(seq 1 60); do
    n=$(json_get "$(sbx list --class lab1 --state active --json)" 'd["count"]')
    [ "$n" = 2 ] && break
    adv 10s
    sbx run --once >/dev/null
done
assert_eq "$n" 2 "both seats active"
ids=$(json_get "$(sbx list --class lab1 --json)" '" ".join(a["account_id"] for a in d["accounts"])')
for id in $ids; do
    assert_contains "$(sbx show "$id")" "of 30.00 USD (its own"
    sim_admin POST spend "{\"AccountId\": \"$id\", \"PerDay\": 48, \"Lag\": 0}" >/dev/null
done
adv 1h
sbx run >/dev/null # 2 USD each
out=$(sbx class show lab1)
assert_contains "$out" "spend: 4.00 USD at the last checks, budgets 60.00 USD over 2 seats with a budget"
js=$(sbx class show lab1 --json)
assert_eq "$(json_get "$js" 'd["spend"]["spent_usd"]')" "4.00"
assert_eq "$(json_get "$js" 'd["spend"]["budget_usd"]')" "60.00"
assert_eq "$(json_get "$js" 'd["spend"]["seats_with_budget"]')" 2
