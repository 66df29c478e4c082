#!/bin/bash
# t0604-aws-budget-plan.sh -- budget.aws_budget plans only the accounts that changed, and misses
# none, on a paused clock moved only by `advance`: a `run` with every budget in place takes no
# write lock on the store (it completes while another process holds one); a kind's limit changed
# in the configuration reaches the budgets of its accounts at the next run; an account's own
# limit committed by a process that died before its Budgets call (written here with sqlite3, as
# another process would) is sent by the next run; an account that became active while the key
# was off gets its budget once the key is on again; an AWS Budget record lost from the store is
# made again by the full plan an hour later; a mark left by a limit written outside sandboxctl
# for a row that does not exist is ignored.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 0s --close-latency 1m
export AWS_ENDPOINT_URL_COST_EXPLORER=$SIM_URL AWS_ENDPOINT_URL_BUDGETS=$SIM_URL
DB=$T/store.db
kinds() {
    printf 'kinds = { demo = { ttl = "3d"; ou = "Sandboxes/Demos"; budget = { limit = "%s"; }; }; };\n' "$1"
}
key_on() { write_config "$(kinds "$1")
budget = { check_interval = \"1h\"; aws_budget = true; };"; }
key_off() { write_config "$(kinds "$1")"; }
acct_id() { json_get "$(sbx show "$1" --json)" 'd["account_id"]'; }
# limit_at_aws ROW -- the limit of the row's AWS Budget at the simulator ("none" without one)
limit_at_aws() {
    json_get "$(sim_admin GET state)" "([b['Budget']['BudgetLimit']['Amount'] for b in d['budgets'] if b['Budget']['BudgetName'] == 'sandboxctl-$(acct_id "$1")'] + ['none'])[0]"
}
aws_state() { json_get "$(sbx show "$1" --json)" '(d["aws_budget"] or {}).get("state")'; }

key_on "100 USD"
sbx init >/dev/null
r1=$(sbx_create_active demo alice@corp.example)
sbx run >/dev/null
assert_eq "$(limit_at_aws "$r1")" 100.00 "the account's budget is made"

# Every budget in place: `run` needs no write lock, so it completes while another process
# holds one (it would wait for the lock, then fail).
mkfifo "$T/lock.in"
sqlite3 "$DB" <"$T/lock.in" >/dev/null 2>&1 &
lock_pid=$!
exec 9>"$T/lock.in"
echo "BEGIN IMMEDIATE;" >&9
locked() { ! sqlite3 "$DB" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; }
wait_for "the other process's write lock" locked
set +e
out=$(sbx run 2>&1)
st=$?
set -e
echo "ROLLBACK;" >&9
exec 9>&-
wait "$lock_pid" || true
assert_eq "$st" 0 "an idle run under another process's write lock: $out"

# A kind's limit changed in the configuration: the next run updates the budget.
key_on "120 USD"
sbx run >/dev/null
assert_eq "$(limit_at_aws "$r1")" 120.00 "the kind's new limit"
assert_eq "$(aws_state "$r1")" "in place"

# An own limit committed by a process that died before its Budgets call.
sqlite3 "$DB" "INSERT INTO account_budget (account, limit_cents) VALUES ($r1, 25000)
    ON CONFLICT (account) DO UPDATE SET limit_cents = excluded.limit_cents"
sbx run >/dev/null
assert_eq "$(limit_at_aws "$r1")" 250.00 "the limit another process committed"
# A limit written outside sandboxctl for a row that does not exist marks no account to plan.
sqlite3 "$DB" "INSERT INTO account_budget (account, limit_cents) VALUES (999999, 100)"
sbx run >/dev/null

# The key off: an account made active meanwhile gets no budget, the one in place stays (until
# the close); the key on again: the new account gets its budget.
key_off "120 USD"
r2=$(sbx_create_active demo bob@corp.example)
sbx run >/dev/null
assert_eq "$(limit_at_aws "$r2")" none "no budget while the key is off"
assert_eq "$(limit_at_aws "$r1")" 250.00 "kept while the key is off"
key_on "120 USD"
sbx run >/dev/null
assert_eq "$(limit_at_aws "$r2")" 120.00 "made once the key is on again"

# A record lost from the store (no trigger sees it): the hourly full plan makes it again and
# finds the budget already there.
sqlite3 "$DB" "DELETE FROM aws_budget WHERE account = $r2"
sim_advance 1h
sbx run >/dev/null
assert_eq "$(aws_state "$r2")" "in place" "the lost record is planned again"
assert_eq "$(json_get "$(sim_admin GET state)" "len([b for b in d['budgets'] if b['Budget']['BudgetName'] == 'sandboxctl-$(acct_id "$r2")'])")" 1 "one budget"
