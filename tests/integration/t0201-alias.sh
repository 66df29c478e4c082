#!/bin/bash
# t0201-alias.sh -- email aliases: when AWS answers EMAIL_ALREADY_EXISTS the engine generates a
# new alias (and name) and creates the account with it; the refused alias stays reserved and is
# never handed out again, nor is any alias of a closed account. Names come from the template.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise only by the test's advance.
sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
write_config
sbx init >/dev/null

first=$(json_get "$(sbx create --kind demo --owner Ann.Lee+x@Corp.Example --dry-run --json)" 'd["email"]')
assert_eq "$first" "sandbox+demo-ann-lee-x-1@example.com"
sim_admin POST faults "{\"fail_create_matching\": \"$first\", \"fail_create_reason\": \"EMAIL_ALREADY_EXISTS\"}" >/dev/null
acct=$(sbx_advancing CreateAccount 60 create --kind demo --owner Ann.Lee+x@Corp.Example --json)
sim_admin POST faults '{"fail_create_matching": ""}' >/dev/null
assert_eq "$(json_get "$acct" 'd["state"]')" active
assert_eq "$(json_get "$acct" 'd["email"]')" "sandbox+demo-ann-lee-x-2@example.com"
assert_eq "$(json_get "$acct" 'd["name"]')" "sbx-demo-ann-lee-x-2"
id=$(json_get "$acct" 'd["account_id"]')
log=$(sbx log "$id" --json)
python3 - "$log" "$first" <<'PY'
import json, sys
ev = json.loads(sys.argv[1])["events"]
regen = [e for e in ev if e["event"] == "alias_regenerated"]
assert len(regen) == 1, [e["event"] for e in ev]
assert regen[0]["detail"]["old_email"] == sys.argv[2], regen
assert (regen[0]["from"], regen[0]["to"]) == ("creating", "requested"), regen
PY
st=$(sim_admin GET state)
assert_eq "$(json_get "$st" '[r["State"] for r in d["create_requests"]]')" '["FAILED", "SUCCEEDED"]'

# The refused alias is never used again; neither is a closed account's.
sbx close "$id" --yes >/dev/null
sim_admin POST advance '{"seconds": 120}' >/dev/null
sbx run >/dev/null
for i in 1 2 3; do
    e=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner Ann.Lee+x@Corp.Example \
        --json)" 'd["email"]')
    [ "$e" != "$first" ] || fail "alias $first reused"
    [ "$e" != "sandbox+demo-ann-lee-x-2@example.com" ] || fail "a closed account's alias reused"
done
python3 - "$(sbx list --all --json)" <<'PY'
import json, sys
emails = [a["email"] for a in json.loads(sys.argv[1])["accounts"]]
assert len(emails) == len(set(emails)) == 4, emails
PY
echo ok
