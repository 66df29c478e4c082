#!/bin/bash
# t0221-quota-learned.sh -- AWS's close quota is lower than the configured formula thinks
# (closures made outside sandboxctl count too): the simulator allows 1 closure per 30 days
# while the config uses AWS's formula (250). The second CloseAccount is refused with
# CLOSE_ACCOUNT_QUOTA_EXCEEDED; the engine puts the account back in line, learns "no closure
# before", does not call again until then, and closes it when the window rolls.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise only by the test's advance.
sim_start_paused --no-throttle --create-latency 10s --close-latency 1m \
    --close-quota 1
write_config
sbx init >/dev/null
closecalls() { json_get "$(sim_admin GET state)" "[a['CloseCalls'] for a in d['accounts'] if a['Id'] == '$1'][0]"; }

a=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner p@corp.example --json)" \
    'd["account_id"]')
b=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner q@corp.example --json)" \
    'd["account_id"]')
assert_eq "$(json_get "$(sbx quota --json)" 'd["quota"]')" 250

out=$(sbx close "$a" --yes --json)
assert_eq "$(json_get "$out" 'd["accounts"][0]["state"]')" closing
# (AWS paces CloseAccount at one per 20 s: let its token bucket refill.)
sim_admin POST advance '{"seconds": 30}' >/dev/null
out=$(sbx close "$b" --yes --json)
assert_eq "$(json_get "$out" 'd["accounts"][0]["state"]')" close_wait
assert_contains "$(json_get "$out" 'd["accounts"][0]["last_error"]')" CLOSE_ACCOUNT_QUOTA_EXCEEDED
assert_eq "$(json_get "$out" 'd["report"]["deferred"]')" 1
assert_eq "$(closecalls "$b")" 1

q=$(sbx quota --json)
assert_eq "$(json_get "$q" 'd["quota"]')" 1
assert_eq "$(json_get "$q" 'd["quota_source"]')" "learned from AWS"
assert_eq "$(json_get "$q" 'd["not_before"] is not None')" true
assert_eq "$(json_get "$q" 'd["queue"][0]["expected_close_at"] == d["not_before"]')" true
hist=$(sbx log "$b" --json)
assert_contains "$hist" close_deferred

# Until the marker passes, no call is made for it.
sim_admin POST advance '{"seconds": 86400}' >/dev/null
sbx run >/dev/null
sbx run >/dev/null
assert_eq "$(closecalls "$b")" 1
assert_eq "$(json_get "$(sbx show "$b" --json)" 'd["state"]')" close_wait

sim_admin POST advance "{\"seconds\": $((30 * 86400))}" >/dev/null
sbx run >/dev/null
assert_eq "$(json_get "$(sbx show "$b" --json)" 'd["state"]')" closing
assert_eq "$(closecalls "$b")" 2
assert_eq "$(closecalls "$a")" 1
sbx log --verify >/dev/null
echo ok
