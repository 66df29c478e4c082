#!/bin/bash
# t0054-sim-limits.sh -- AWS's limits through HTTP (the unit tests drive the same rules
# directly): the close quota exhausted and recovered when its 30-day window rolls, closures
# and creations in progress, a closed account's address never reusable, the account limit
# with closed accounts counting until their 90-day departure, and token-bucket throttling.
# The clock is paused throughout: only the admin advance moves it, so no bucket refills and no
# transition happens while a slow machine runs the test.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

body() { printf '%s\n' "$1" | cut -d' ' -f2-; }
status() { printf '%s\n' "$1" | cut -d' ' -f1; }

# The real token buckets: DescribeOrganization allows a burst of 2, then 1 per second.
SIM_SCALE=1 sim_start_paused --close-quota 2 --account-limit 8 --create-latency 60 --close-latency 300
assert_eq "$(status "$(sim_call DescribeOrganization)")" 200
assert_eq "$(status "$(sim_call DescribeOrganization)")" 200
out=$(sim_call DescribeOrganization)
assert_eq "$(status "$out")" 400
assert_contains "$out" '"__type":"TooManyRequestsException"'
sim_admin POST advance '{"seconds": 1}' >/dev/null
assert_eq "$(status "$(sim_call DescribeOrganization)")" 200
sim_stop

rm -f "$T"/sim.db*
SIM_SCALE=1 sim_start_paused --no-throttle --close-quota 2 --account-limit 8 --create-latency 60 --close-latency 300
ids=""
for i in 1 2 3 4 5 6; do
    ids="$ids $(json_get "$(sim_admin POST accounts "{\"Email\":\"m$i@example.com\",\"Name\":\"m$i\"}")" 'd["Id"]')"
done
set -- $ids

# Three closures in flight at most.
assert_eq "$(sim_call CloseAccount "{\"AccountId\":\"$1\"}")" "200 "
assert_eq "$(sim_call CloseAccount "{\"AccountId\":\"$2\"}")" "200 "
out=$(sim_call CloseAccount "{\"AccountId\":\"$3\"}")
# ... but the close quota of 2 per 30 days comes first here
assert_contains "$out" '"Reason":"CLOSE_ACCOUNT_QUOTA_EXCEEDED"'
assert_contains "$out" "You have exceeded close account quota for the past 30 days."
assert_eq "$(json_get "$(sim_admin GET state)" 'd["limits"]["close_used_30d"]')" 2
# The window rolls 30 days after each closure.
sim_admin POST advance '{"seconds": 2591990}' >/dev/null
assert_contains "$(sim_call CloseAccount "{\"AccountId\":\"$3\"}")" CLOSE_ACCOUNT_QUOTA_EXCEEDED
sim_admin POST advance '{"seconds": 10}' >/dev/null
assert_eq "$(sim_call CloseAccount "{\"AccountId\":\"$3\"}")" "200 "
assert_eq "$(sim_call CloseAccount "{\"AccountId\":\"$4\"}")" "200 "
sim_stop

# Closures in flight, with a quota that is not in the way.
rm -f "$T"/sim.db*
SIM_SCALE=1 sim_start_paused --no-throttle --account-limit 8 --create-latency 60 --close-latency 300
ids=""
for i in 1 2 3 4 5 6; do
    ids="$ids $(json_get "$(sim_admin POST accounts "{\"Email\":\"m$i@example.com\",\"Name\":\"m$i\"}")" 'd["Id"]')"
done
set -- $ids
for a in "$1" "$2" "$3"; do
    assert_eq "$(sim_call CloseAccount "{\"AccountId\":\"$a\"}")" "200 "
done
out=$(sim_call CloseAccount "{\"AccountId\":\"$4\"}")
assert_contains "$out" '"Reason":"CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED"'
assert_contains "$(sim_call CloseAccount "{\"AccountId\":\"$1\"}")" '"__type":"ConflictException"'
sim_admin POST advance '{"seconds": 300}' >/dev/null
assert_contains "$(sim_call DescribeAccount "{\"AccountId\":\"$1\"}")" '"State":"CLOSED"'
assert_contains "$(sim_call CloseAccount "{\"AccountId\":\"$1\"}")" AccountAlreadyClosedException
assert_eq "$(sim_call CloseAccount "{\"AccountId\":\"$4\"}")" "200 "

# A closed account's address can never be used again.
out=$(sim_call CreateAccount '{"Email":"m1@example.com","AccountName":"again"}')
car=$(json_get "$(body "$out")" 'd["CreateAccountStatus"]["Id"]')
sim_admin POST advance '{"seconds": 60}' >/dev/null
assert_contains "$(sim_call DescribeCreateAccountStatus "{\"CreateAccountRequestId\":\"$car\"}")" \
    '"FailureReason":"EMAIL_ALREADY_EXISTS"'

# Five creations in progress at most; the sixth is refused at once.
cars=""
for i in 1 2 3 4 5; do
    out=$(sim_call CreateAccount "{\"Email\":\"new$i@example.com\",\"AccountName\":\"new$i\"}")
    assert_eq "$(status "$out")" 200
    cars="$cars $(json_get "$(body "$out")" 'd["CreateAccountStatus"]["Id"]')"
done
out=$(sim_call CreateAccount '{"Email":"new6@example.com","AccountName":"new6"}')
assert_eq "$(status "$out")" 400
assert_contains "$out" "another request is already in progress"
# Account limit 8: management + 6 members, so of the five creations one succeeds and four
# fail ACCOUNT_LIMIT_EXCEEDED -- the closed accounts still count.
sim_admin POST advance '{"seconds": 60}' >/dev/null
state=$(sim_admin GET state)
assert_eq "$(json_get "$state" '[r["FailureReason"] for r in d["create_requests"][1:]].count("ACCOUNT_LIMIT_EXCEEDED")')" 4
assert_eq "$(json_get "$state" 'd["limits"]["accounts"]')" 8

# 90 days after their closure completed, closed accounts leave and free their slots (the
# last closure was accepted 60 s ago and completes 300 s after it was accepted).
sim_admin POST advance '{"seconds": "90d"}' >/dev/null
state=$(sim_admin GET state)
assert_eq "$(json_get "$state" 'len(d["departed"])')" 3
sim_admin POST advance '{"seconds": 300}' >/dev/null
state=$(sim_admin GET state)
assert_eq "$(json_get "$state" 'len(d["departed"])')" 4
assert_eq "$(json_get "$state" 'd["limits"]["accounts"]')" 4
assert_contains "$(sim_call DescribeAccount "{\"AccountId\":\"$1\"}")" AccountNotFoundException
out=$(body "$(sim_call ListAccounts)")
assert_eq "$(json_get "$out" 'len(d["Accounts"])')" 4
out=$(sim_call CreateAccount '{"Email":"new7@example.com","AccountName":"new7"}')
car=$(json_get "$(body "$out")" 'd["CreateAccountStatus"]["Id"]')
sim_admin POST advance '{"seconds": 60}' >/dev/null
assert_contains "$(sim_call DescribeCreateAccountStatus "{\"CreateAccountRequestId\":\"$car\"}")" \
    '"State":"SUCCEEDED"'
sim_stop
