#!/bin/bash
# t0296-paused-run-pacing.sh -- `run` against a simulator whose clock is paused: a pass that
# waits for a client-side token (AWS's one CloseAccount per 20 s) ends at once instead of
# sleeping on a clock that only the test moves; the next pass, after the test advances the
# clock past the token, sends the waiting closure. The clock runs at scale 1, so a pass that
# slept would take 20 real seconds per wait and never end.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --close-latency 1m
write_config
sbx init >/dev/null
for who in a b; do
    id=$(json_get "$(sim_admin POST accounts "{\"Email\": \"$who@corp.example\", \"Name\": \"$who\"}")" 'd["Id"]')
    sbx adopt "$id" --kind demo --owner "$who@corp.example" --ttl 1h >/dev/null
done
sim_advance 2h

# Both expired; one closure goes now, the other waits for the next token.
set +e
out=$(timeout -s KILL 120 "$SANDBOXCTL" run --json)
rc=$?
set -e
[ "$rc" -ne 137 ] || fail "run slept on a paused clock"
assert_eq "$rc" 0 "run exit status"
assert_eq "$(sim_calls CloseAccount)" 1 "one CloseAccount within AWS's rate"
assert_eq "$(json_get "$(json_lines "$out")" 'd[-1]["report"]["close_sent"]')" 1

# The test moves the clock past the token: the next pass sends the other closure.
sim_advance 21
assert_exit 0 timeout -s KILL 120 "$SANDBOXCTL" run >/dev/null
assert_eq "$(sim_calls CloseAccount)" 2 "the waiting closure sent after the advance"
echo ok
