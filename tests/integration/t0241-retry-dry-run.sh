#!/bin/bash
# t0241-retry-dry-run.sh -- `retry --dry-run` shows the state the account would really move to
# (failed -> requested), changes nothing, and `retry` then does exactly that.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s
write_config
sbx init >/dev/null
sim_admin POST faults '{"fail_create_matching": "doomed", "fail_create_reason": "INTERNAL_FAILURE"}' >/dev/null
set +e
sbx_advancing CreateAccount 60 create --kind demo --owner doomed@corp.example >/dev/null 2>&1
set -e
sim_admin POST faults '{"fail_create_matching": null}' >/dev/null
assert_eq "$(json_get "$(sbx show 1 --json)" 'd["state"]')" failed

out=$(sbx retry 1 --dry-run)
echo "$out"
assert_contains "$out" ": failed -> requested; "
assert_contains "$out" "(dry run: not changed)"
assert_eq "$(json_get "$(sbx show 1 --json)" 'd["state"]')" failed "retry --dry-run changed the state"

json=$(sbx retry 1 --dry-run --json)
assert_eq "$(json_get "$json" 'd["state"]')" failed
assert_eq "$(json_get "$json" 'd["next_state"]')" requested
assert_eq "$(json_get "$json" 'd["dry_run"]')" true

out=$(sbx retry 1 --json)
assert_eq "$(json_get "$out" 'd["previous_state"]')" failed
assert_eq "$(json_get "$out" 'd["state"]')" requested
assert_eq "$(json_get "$out" 'd["next_state"]')" requested
