#!/usr/bin/env bash
# t0263-throttled-create.sh -- a CreateAccount that AWS throttles was refused before it ran:
# the account stays requested (nothing was created), the throttling is noted on the row, and it
# is not an error of the pass (`run` exits 0), so a class or `run` does not fail because
# client and AWS clocks met a throttle a few milliseconds apart. Once AWS accepts calls again,
# the next pass submits it.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves only by the test's advance. The throttling is the injected one
# (--no-throttle turns off only the token buckets, which the still clock would not refill).
sim_start_paused --no-throttle --create-latency 1s
write_config
sbx init >/dev/null
sim_admin POST faults '{"throttle_rate": 1.0, "ops": ["CreateAccount"]}' >/dev/null
sbx create --kind demo --owner alice@example.com --no-wait --json >/dev/null

# Past any retry delay, the pass meets the throttle again.
sim_admin POST advance '{"seconds": 3600}' >/dev/null
assert_exit 0 sbx run
row=$(sbx show 1 --json)
assert_eq "$(json_get "$row" 'd["state"]')" requested "a throttled creation stays requested"
assert_contains "$(json_get "$row" 'd["last_error"]')" TooManyRequestsException
created=$(json_get "$(sim_admin GET state)" 'len(d["create_requests"])')
assert_eq "$created" 0 "nothing was created at AWS"

sim_admin POST faults '{"throttle_rate": 0.0}' >/dev/null
for _ in 1 2 3; do
    sim_admin POST advance '{"seconds": 3600}' >/dev/null
    assert_exit 0 sbx run
done
assert_eq "$(json_get "$(sbx show 1 --json)" 'd["state"]')" active "submitted once AWS accepts"
assert_eq "$(json_get "$(sim_admin GET state)" 'len(d["create_requests"])')" 1 "one creation"
echo ok
