#!/bin/bash
# t0215-drift-scan.sh -- the paced drift scan of `run`: accounts removed from the organization
# or closed behind sandboxctl's back move to gone / suspended with an audit event, an account
# in a sandbox OU that no store row knows is reported and never touched, the member count the
# close-quota formula uses is refreshed, and the scan runs once per engine.drift_interval.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 20s --close-latency 1m --account-limit 100
write_config 'engine = {
    drift_interval = "1h";
};'
sbx init >/dev/null
assert_contains "$(sbx quota)" "formula (1 members)"

new() { json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner "$1" --json)" 'd["account_id"]'; }
state() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }
keep=$(new keep@corp.example)
closed=$(new closed@corp.example)
removed=$(new removed@corp.example)

# The organization grows: 20 members sandboxctl does not manage, at the root (not reported),
# and one stranger in the developers' sandbox OU (reported, never touched).
for i in $(seq 1 20); do
    sim_admin POST accounts "{\"Email\": \"team$i@corp.example\", \"Name\": \"team$i\"}" >/dev/null
done
devou=$(json_get "$(sim_admin GET state)" '[o["Id"] for o in d["ous"] if o["Name"] == "Developers"][0]')
stranger=$(json_get "$(sim_admin POST accounts "{\"Email\": \"stranger@corp.example\", \"Name\": \"stranger\", \"ParentId\": \"$devou\"}")" 'd["Id"]')

# Behind sandboxctl's back: one account is closed and leaves the organization 90 days later,
# another is closed.
out=$(sim_call CloseAccount "{\"AccountId\": \"$removed\"}")
assert_contains "$out" "200"
sim_admin POST advance '{"seconds": "91d"}' >/dev/null
out=$(sim_call CloseAccount "{\"AccountId\": \"$closed\"}")
assert_contains "$out" "200"


out=$(json_lines "$(sbx run --json)")
assert_eq "$(json_get "$out" 'd[-1]["drift"]["gone"]')" 1
assert_eq "$(json_get "$out" 'd[-1]["drift"]["closed"]')" 1
assert_eq "$(json_get "$out" 'd[-1]["drift"]["unknown"]')" 1
assert_contains "$(json_get "$out" '[e["account_id"] for e in d if e["event"] == "unknown_account"]')" "$stranger"
assert_eq "$(state "$removed")" gone
assert_eq "$(state "$closed")" suspended
assert_eq "$(state "$keep")" active
assert_contains "$(sbx log "$removed")" "vanished"
assert_contains "$(sbx log "$closed")" "closed_outside"
# `close` of what left is no longer refused with AccountNotFoundException: nothing to close.
assert_contains "$(sbx close "$removed" --yes 2>&1)" "closed"

# The stranger is reported, never touched: no row, still in its OU, untagged.
assert_exit 7 sbx show "$stranger"
assert_eq "$(json_get "$(sim_admin GET state)" "[a['ParentId'] for a in d['accounts'] if a['Id'] == '$stranger'][0]")" "$devou"
assert_eq "$(json_get "$(sim_admin GET state)" "[len(a['Tags']) for a in d['accounts'] if a['Id'] == '$stranger'][0]")" 0

# The member count the close quota is computed from follows the organization.
# management + 20 team members + the stranger + keep + closed (suspended, still a member)
assert_contains "$(sbx quota)" "formula (24 members)"

# Paced: not again before the interval, again after it.
assert_eq "$(json_get "$(json_lines "$(sbx run --json)")" 'd[-1]["drift"]')" null
sim_admin POST advance '{"seconds": 3601}' >/dev/null
assert_eq "$(json_get "$(json_lines "$(sbx run --json)")" 'd[-1]["drift"]["unknown"]')" 1
echo ok
