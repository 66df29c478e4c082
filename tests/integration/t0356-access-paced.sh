#!/bin/bash
# t0356-access-paced.sh -- the engine paces Identity Center's assignment writes
# (access.assign_rate): a 60-seat class whose seats become ready in waves never meets the
# simulator's throttle of CreateAccountAssignment and DeleteAccountAssignment at that rate,
# neither at the grants nor at `class end`'s revocations; a `run` that must wait for a token
# ends at once on the paused clock and the next one sends the waiting request.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 5s --close-latency 1m \
    --account-limit 100
ACCESS_KEYS='assign_rate = 2;' access_config
sim_admin POST idc '{"write_rate": 2}' >/dev/null
sbx init >/dev/null
add_user prof prof@uni.example >/dev/null
simlog="$T/sim.err.1"
count() { grep -c " $1\$" "$simlog" || true; }
active() { json_get "$(sbx class show c1 --json)" 'd["class"]["counts"]["active"]'; }

sbx class create c1 --owner prof@uni.example --seats 60 --kind training --no-wait >/dev/null
for _ in $(seq 1 200); do
    [ "$(active)" = 60 ] && break
    sbx run >/dev/null 2>>"$T/run.err" || true
    sim_advance 10
done
assert_eq "$(active)" 60 "seats active"
assert_eq "$(count '400 SWBExternalService.CreateAccountAssignment ThrottlingException')" 0 \
    "CreateAccountAssignment throttled"
assert_eq "$(count '200 SWBExternalService.CreateAccountAssignment')" 60
assert_eq "$(json_get "$(sim_admin GET idc)" 'len(d["assignments"])')" 60

# class end: 60 deletions due at once, two a second.
sbx class end c1 --yes --no-wait >/dev/null
for _ in $(seq 1 100); do
    [ "$(json_get "$(sim_admin GET idc)" 'len(d["assignments"])')" = 0 ] && break
    sbx run >/dev/null 2>>"$T/run.err" || true
    sim_advance 10
done
assert_eq "$(json_get "$(sim_admin GET idc)" 'len(d["assignments"])')" 0 "assignments left"
assert_eq "$(count '400 SWBExternalService.DeleteAccountAssignment ThrottlingException')" 0 \
    "DeleteAccountAssignment throttled"
