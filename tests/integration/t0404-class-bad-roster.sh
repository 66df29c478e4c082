#!/bin/bash
# t0404-class-bad-roster.sh -- rosters with a malformed row, a duplicate student, or more
# seats than the organization has room for: a clear error (exit 2) before anything is created.
# The simulator's clock is paused; each `class create` runs as one that would wait for it
# (moving it 10 s whenever it waits), so one that wrongly went ahead would end, not hang.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --account-limit 12
write_config
sbx init >/dev/null

nothing_created() {
    assert_eq "$(json_get "$(sim_admin GET state)" 'd["calls"].get("CreateAccount", 0)')" 0 "$1: CreateAccount calls"
    assert_eq "$(json_get "$(sbx class list --json)" 'len(d["classes"])')" 0 "$1: classes in the store"
    assert_eq "$(json_get "$(sbx list --all --json)" 'len(d["accounts"]) if isinstance(d, dict) else len(d)')" 0 "$1: accounts in the store"
}

# Malformed row 7 (no '@').
printf 'email,name\na1@uni.example,A\na2@uni.example,B\na3@uni.example,C\na4@uni.example,D\na5@uni.example,E\nnot-an-email,F\n' >"$T/bad.csv"
set +e
err=$(sbx_advancing clock 10 class create c1 --roster "$T/bad.csv" --owner prof@uni.example 2>&1 >/dev/null)
st=$?
set -e
assert_eq "$st" 2 "malformed row exit status"
assert_contains "$err" "roster '$T/bad.csv' line 7: 'not-an-email' is not an email address"
nothing_created malformed

# Unterminated quote.
printf 'a1@uni.example,"A\na2@uni.example,B\n' >"$T/quote.csv"
set +e
err=$(sbx_advancing clock 10 class create c1 --roster "$T/quote.csv" --owner prof@uni.example 2>&1 >/dev/null)
st=$?
set -e
assert_eq "$st" 2 "unterminated quote exit status"
assert_contains "$err" "line 1: unterminated quoted field"

# Duplicate student, different case: both lines named.
printf 'email,name\nana@uni.example,Ana\nbo@uni.example,Bo\nANA@uni.example,Ana again\n' >"$T/dup.csv"
set +e
err=$(sbx_advancing clock 10 class create c1 --roster "$T/dup.csv" --owner prof@uni.example 2>&1 >/dev/null)
st=$?
set -e
assert_eq "$st" 2 "duplicate exit status"
assert_contains "$err" "line 4: duplicate student 'ANA@uni.example' (already on line 2"
nothing_created duplicate

# A student address AWS tags cannot hold (owner rules of the engine).
printf 'email\nodd%%name@uni.example\n' >"$T/owner.csv"
set +e
err=$(sbx_advancing clock 10 class create c1 --roster "$T/owner.csv" --owner prof@uni.example 2>&1 >/dev/null)
st=$?
set -e
assert_eq "$st" 2 "bad owner exit status"
assert_contains "$err" "roster '$T/owner.csv' line 2:"

# More seats than the organization has room for: limit 12, the management account is 1, and
# one closed member still counts (closed accounts count for 90 days).
id=$(json_get "$(sim_admin POST accounts '{"Email": "old@example.com", "Name": "old"}')" 'd["Id"]')
AWS_MAX_ATTEMPTS=1 aws organizations close-account --endpoint-url "$SIM_URL" --region us-east-1 --account-id "$id"
write_config 'limits = { account_limit = 12; create_rate = 0.1; create_burst = 3; create_in_progress = 5; close_rate = 0.05; close_burst = 1; close_in_flight = 3; close_quota = 0; };'
{ echo email; for i in $(seq 1 11); do echo "s$i@uni.example"; done; } >"$T/big.csv"
set +e
err=$(sbx_advancing clock 10 class create c1 --roster "$T/big.csv" --owner prof@uni.example 2>&1 >/dev/null)
st=$?
set -e
assert_eq "$st" 2 "too many seats exit status"
assert_contains "$err" "11 seats"
assert_contains "$err" "room for 10"
assert_exit 2 sbx_advancing clock 10 class create c1 --seats 11 --owner prof@uni.example
assert_eq "$(json_get "$(sim_admin GET state)" 'd["calls"].get("CreateAccount", 0)')" 0
# Exactly the free slots fits (dry run: nothing created, the plan printed).
plan=$(sbx_advancing clock 10 class create c1 --seats 10 --owner prof@uni.example --dry-run)
assert_contains "$plan" "10 seats"
nothing_created "dry run"

# Bad arguments.
assert_exit 2 sbx_advancing clock 10 class create c1 --owner prof@uni.example
assert_exit 2 sbx_advancing clock 10 class create c1 --seats 3 --roster "$T/dup.csv" --owner prof@uni.example
assert_exit 2 sbx_advancing clock 10 class create c1 --seats 3
assert_exit 2 sbx_advancing clock 10 class create 'bad name' --seats 3 --owner prof@uni.example
assert_exit 2 sbx_advancing clock 10 class create c1 --seats 0 --owner prof@uni.example
assert_exit 2 sbx_advancing clock 10 class create c1 --seats 3 --owner prof@uni.example --kind nope
assert_exit 2 sbx_advancing clock 10 class create c1 --seats 3 --owner prof@uni.example --ttl 30d
assert_exit 1 sbx_advancing clock 10 class create c1 --roster "$T/missing.csv" --owner prof@uni.example
nothing_created arguments
echo ok
