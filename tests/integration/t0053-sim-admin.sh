#!/bin/bash
# t0053-sim-admin.sh -- `sandboxctl sim` as a process: its banner, options and usage errors,
# the admin API over HTTP (clock, advance, reset, state, accounts, faults), injected faults
# (errors, throttling, dropped connections, latency) reproducible with --seed, --time-scale.
# The admin API's checks run on a paused clock that only `advance` moves; --time-scale is
# measured against the real time read around the simulator's.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# Usage errors exit 2 before anything starts.
for bad in "--time-scale 0" "--error-rate 1.5" "--close-quota-formula 1,2" "--listen nonsense" \
    "--create-latency soon" "--bogus"; do
    # shellcheck disable=SC2086
    assert_exit 2 env -u SANDBOXCTL_CONFIG "$SANDBOXCTL" sim $bad -q
done
usage=$("$SANDBOXCTL" sim --help)
assert_contains "$usage" "usage: sandboxctl sim"
assert_contains "$usage" "--close-quota-formula MIN,PCT,MAX"

r0=$(date +%s.%N)
SIM_SCALE=1 sim_start_paused --seed 3 --no-throttle --access-key-id AKIAT0053 --secret-access-key "s3cr3t with space"
# The banner: the URL, then the four export lines, in this order, and nothing else.
banner=$(cat "$T/sim.out.1")
assert_eq "$(printf '%s\n' "$banner" | wc -l)" 5
assert_eq "$(printf '%s\n' "$banner" | sed -n 1p)" "$SIM_URL"
assert_eq "$(printf '%s\n' "$banner" | sed -n 2p)" "export AWS_ACCESS_KEY_ID=AKIAT0053"
assert_eq "$(printf '%s\n' "$banner" | sed -n 3p)" "export AWS_SECRET_ACCESS_KEY='s3cr3t with space'"
assert_eq "$(printf '%s\n' "$banner" | sed -n 4p)" "export AWS_REGION=us-east-1"
assert_eq "$(printf '%s\n' "$banner" | sed -n 5p)" "export AWS_ENDPOINT_URL=$SIM_URL"
assert_eq "$AWS_SECRET_ACCESS_KEY" "s3cr3t with space"
assert_contains "$(sim_call DescribeOrganization)" "200 "

# Clock: starts at real time (read before the start and after the read), moves only forward,
# and by `advance` exactly as far as asked.
clock=$(sim_admin GET clock)
r1=$(date +%s.%N)
assert_eq "$(json_get "$clock" 'd["scale"]')" 1
assert_eq "$(json_get "$clock" 'd["paused"]')" true
assert_eq "$(python3 -c "print(int($r0) <= $(json_get "$clock" 'd["now"]') <= $r1)")" True "the clock starts at real time"
now=$(json_get "$(sim_admin POST advance '{"seconds": 86400}')" 'd["now"]')
assert_eq "$(python3 -c "print($now - $(json_get "$clock" 'd["now"]') == 86400)")" True
assert_exit 22 sim_admin POST advance '{"seconds": -1}'
assert_exit 22 sim_admin POST advance '{}'
assert_exit 22 sim_admin GET nowhere
assert_exit 22 sim_admin GET reset
assert_exit 22 sim_admin POST advance 'not json'

# accounts: an invited member, at once.
id=$(json_get "$(sim_admin POST accounts '{"Email":"inv@example.com","Name":"Invited","Tags":[{"Key":"AccountType","Value":"Critical"}]}')" 'd["Id"]')
out=$(sim_call DescribeAccount "{\"AccountId\":\"$id\"}")
assert_contains "$out" '"JoinedMethod":"INVITED"'
assert_contains "$(sim_call ListTagsForResource "{\"ResourceId\":\"$id\"}")" '"Value":"Critical"'
assert_exit 22 sim_admin POST accounts '{"Email":"inv@example.com","Name":"Again"}'

# faults: ServiceException (500) and throttling on chosen operations only.
sim_admin POST faults '{"error_rate": 1, "ops": ["ListRoots"]}' >/dev/null
assert_contains "$(sim_call ListRoots)" '500 {"__type":"ServiceException"'
assert_contains "$(sim_call DescribeOrganization)" "200 "
sim_admin POST faults '{"error_rate": 0, "throttle_rate": 1}' >/dev/null
assert_contains "$(sim_call ListRoots)" '400 {"__type":"TooManyRequestsException"'
# a dropped connection: no answer at all, yet the request took effect
sim_admin POST faults '{"throttle_rate": 0, "drop_rate": 1, "ops": ["CreateAccount"]}' >/dev/null
if out=$(sim_call CreateAccount '{"Email":"dropped@example.com","AccountName":"dropped"}' 2>&1); then
    fail "a dropped request was answered: $out"
fi
assert_contains "$out" "RemoteDisconnected"
assert_eq "$(json_get "$(sim_admin GET state)" 'd["create_requests"][0]["Email"]')" dropped@example.com
# latency
sim_admin POST faults '{"drop_rate": 0, "latency_ms": 400, "ops": []}' >/dev/null
start=$(date +%s%N)
sim_call DescribeOrganization >/dev/null
assert_eq "$(( ($(date +%s%N) - start) / 1000000 >= 400 ))" 1 "latency_ms is added"
faults=$(sim_admin GET faults)
assert_eq "$(json_get "$faults" 'd["latency_ms"]')" 400
sim_admin POST faults '{"latency_ms": 0, "fail_create_matching": "+doomed", "fail_create_reason": "INTERNAL_FAILURE"}' >/dev/null
car=$(json_get "$(sim_call CreateAccount '{"Email":"a+doomed@example.com","AccountName":"d"}' | cut -d' ' -f2-)" 'd["CreateAccountStatus"]["Id"]')
sim_admin POST advance '{"seconds": 60}' >/dev/null
out=$(sim_call DescribeCreateAccountStatus "{\"CreateAccountRequestId\":\"$car\"}")
assert_contains "$out" '"FailureReason":"INTERNAL_FAILURE"'
assert_exit 22 sim_admin POST faults '{"fail_create_reason": "NOT_A_REASON"}'
assert_exit 22 sim_admin POST faults '{"ops": ["NoSuchOperation"]}'

# reset: an empty organization, same keys, the clock untouched.
before=$(json_get "$(sim_admin GET clock)" 'd["now"]')
sim_admin POST reset >/dev/null
state=$(sim_admin GET state)
assert_eq "$(json_get "$state" 'len(d["accounts"])')" 1
assert_eq "$(json_get "$state" 'len(d["create_requests"])')" 0
assert_eq "$(json_get "$state" 'd["faults"]["fail_create_matching"]')" null
assert_eq "$(json_get "$state" 'd["now"]')" "$before" "the clock across a reset"
assert_contains "$(sim_call DescribeOrganization)" "200 "
sim_stop

# --seed makes injected faults reproducible: same seed, same sequence.
pattern() {
    rm -f "$T"/sim.db*
    sim_start --seed "$1" --error-rate 0.5 --no-throttle
    p=""
    for _ in $(seq 24); do
        p="$p$(sim_call DescribeOrganization | cut -c1)"
    done
    sim_stop
    printf '%s\n' "$p"
}
p1=$(pattern 11)
p2=$(pattern 11)
p3=$(pattern 12)
assert_eq "$p1" "$p2" "same seed, same faults"
[ "$p1" != "$p3" ] || fail "different seeds gave the same faults ($p1)"
assert_contains "$p1" 5
assert_contains "$p1" 2

# --time-scale: simulated time runs that many times faster.
rm -f "$T"/sim.db*
sim_start --time-scale 1000
assert_eq "$(json_get "$(sim_admin GET clock)" 'd["scale"]')" 1000
# Simulated time runs 1000 times as fast as real time: the test waits for the clock to pass a
# mark 1000 simulated seconds on (no delay of its own), then checks that between the two reads
# passed at least 1000 x the real time from just after the first read to just before the
# second, and at most 1000 x the real time around both reads.
r1=$(date +%s.%N)
c1=$(json_get "$(sim_admin GET clock)" 'd["now"]')
r1b=$(date +%s.%N)
clock_past() { [ "$(json_get "$(sim_admin GET clock)" "d['now'] >= $1")" = true ]; }
wait_for "the scaled clock to pass $c1 + 1000" clock_past "$c1 + 1000"
r2a=$(date +%s.%N)
c2=$(json_get "$(sim_admin GET clock)" 'd["now"]')
r2=$(date +%s.%N)
assert_eq "$(python3 -c "print(1000 <= $c2 - $c1 and 1000 * ($r2a - $r1b) <= $c2 - $c1 <= 1000 * ($r2 - $r1))")" True "scale 1000 ($c1 -> $c2 in $r1 .. $r1b -> $r2a .. $r2)"
# the port is taken: a second simulator on it fails cleanly
port=${SIM_URL##*:}
assert_exit 1 env -u SANDBOXCTL_CONFIG "$SANDBOXCTL" sim --listen "127.0.0.1:$port" -q
sim_stop || fail "sandboxctl sim did not exit 0 on SIGTERM"

# The secret may come from $SANDBOXCTL_SIM_SECRET (an option still wins); SIGINT stops cleanly.
rm -f "$T"/sim.db*
SANDBOXCTL_SIM_SECRET=from-the-environment sim_start
assert_eq "$AWS_SECRET_ACCESS_KEY" from-the-environment
assert_contains "$(sim_call DescribeOrganization)" "200 "
kill -INT "$SIM_PID"
wait "$SIM_PID" || fail "sandboxctl sim did not exit 0 on SIGINT"
SIM_PID=""
SANDBOXCTL_SIM_SECRET=from-the-environment sim_start --secret-access-key from-the-option
assert_eq "$AWS_SECRET_ACCESS_KEY" from-the-option
sim_stop
