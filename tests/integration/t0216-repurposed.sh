#!/bin/bash
# t0216-repurposed.sh -- an account someone repurposed is never closed: moved to another OU,
# or its sandboxctl:owner tag changed at AWS, or its sandboxctl:row / sandboxctl:created tag
# naming another row (a restored store reuses row ids), then expired -> not nuked, not closed,
# protected with the reason (run, show, offboard --json); the drift scan reports it before
# expiry; moved
# back -> closed normally at the next run; `release` then expiry -> never touched, tags as
# asked.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 20s --close-latency 1m --account-limit 100
write_config 'engine = {
    drift_interval = "10m";
};'
sbx init >/dev/null
mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/50-nuke" <<HOOK
#!/bin/sh
echo "\$SANDBOX_ACCOUNT_ID" >>"$T/nuke.log"
HOOK
chmod 755 "$T/hooks/pre-close.d/50-nuke"
: >"$T/nuke.log"

new() { json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner "$1" --json)" 'd["account_id"]'; }
state() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }
sim_acct() { json_get "$(sim_admin GET state)" "[a$2 for a in d['accounts'] if a['Id'] == '$1'][0]"; }
nuked() { grep -qx "$1" "$T/nuke.log"; }
prod=$(sim_new_ou Production)
demos=$(sim_ou_id Demos)

moved=$(new alice@corp.example)
retagged=$(new bob@corp.example)
released=$(new carol@corp.example)
kept=$(new erin@corp.example)
plain=$(new frank@corp.example)
rowed=$(new grace@corp.example)
made=$(new heidi@corp.example)

# Someone promotes two sandboxes: one moves to Production, one gets a new owner tag.
sim_move "$moved" "$demos" "$prod"
assert_contains "$(sim_call TagResource "{\"ResourceId\": \"$retagged\", \"Tags\": [{\"Key\": \"sandboxctl:owner\", \"Value\": \"mallory@corp.example\"}]}")" 200
# Two more carry the identity of another row: another row id, or the same id made at another
# time (the row of an older copy of the store).
assert_contains "$(sim_call TagResource "{\"ResourceId\": \"$rowed\", \"Tags\": [{\"Key\": \"sandboxctl:row\", \"Value\": \"999\"}]}")" 200
assert_contains "$(sim_call TagResource "{\"ResourceId\": \"$made\", \"Tags\": [{\"Key\": \"sandboxctl:created\", \"Value\": \"2020-01-01T00:00:00Z\"}]}")" 200

# The drift scan reports both before expiry; nothing is closed, they stay active.
out=$(json_lines "$(sbx run --json)")
assert_eq "$(json_get "$out" 'd[-1]["drift"]["moved"]')" 1
assert_eq "$(json_get "$out" 'd[-1]["drift"]["retagged"]')" 3
assert_contains "$(json_get "$out" '[e["message"] for e in d if e["event"] == "drift" and e["account_id"] == "'"$moved"'"]')" "moved to $prod by someone else"
assert_contains "$(json_get "$out" '[e["message"] for e in d if e["event"] == "drift" and e["account_id"] == "'"$retagged"'"]')" "sandboxctl:owner"
assert_eq "$(state "$moved")" active
assert_contains "$(sbx log "$moved")" "drift"

# `release`: --dry-run changes nothing; then the row is kept as released, tags removed.
sbx release "$released" --dry-run >/dev/null
assert_eq "$(state "$released")" active
out=$(sbx release "$released" --json)
assert_eq "$(json_get "$out" 'd["state"]')" released
assert_eq "$(json_get "$out" 'd["previous_state"]')" active
assert_eq "$(sim_acct "$released" "['Tags']")" "[]"
out=$(sbx release "$kept" --keep-tags --to-ou Projects/Kept --json)
assert_eq "$(json_get "$out" 'd["state"]')" released
assert_eq "$(sim_acct "$kept" "['ParentId']")" "$(sim_ou_id Kept)"
assert_contains "$(sim_acct "$kept" "['Tags']")" "sandboxctl:owner"
assert_exit 2 sbx release "$kept"
assert_contains "$(sbx log "$released")" "released"

# Expiry (demo: 8h): the repurposed ones are not nuked and not closed, with the reason.
sim_admin POST advance '{"seconds": "9h"}' >/dev/null
out=$(sbx run)
assert_contains "$out" "moved to $prod by someone else"
assert_contains "$out" "sandboxctl:owner was changed from 'bob@corp.example' to 'mallory@corp.example'"
assert_eq "$(state "$moved")" protected
assert_eq "$(state "$retagged")" protected
assert_eq "$(state "$rowed")" protected
assert_eq "$(state "$made")" protected
assert_contains "$(sbx show "$moved")" "moved to $prod by someone else"
assert_contains "$(sbx show "$rowed")" "sandboxctl:row=999"
assert_contains "$(sbx show "$made")" "sandboxctl:created=2020-01-01T00:00:00Z"
for a in "$moved" "$retagged" "$rowed" "$made" "$released" "$kept"; do
    nuked "$a" && fail "$a was nuked"
    assert_eq "$(sim_acct "$a" "['CloseCalls']")" 0 "CloseAccount calls for $a"
    assert_eq "$(sim_acct "$a" "['State']")" ACTIVE "$a at AWS"
done
assert_eq "$(state "$released")" released
assert_eq "$(state "$kept")" released
nuked "$plain" || fail "the untouched account was not nuked"

# Moved back: closed normally at the next run (the repurposed one is looked at again).
sim_move "$moved" "$prod" "$demos"
sim_admin POST advance '{"seconds": "11m"}' >/dev/null
sbx run >/dev/null
nuked "$moved" || fail "the account moved back was not nuked"
case "$(state "$moved")" in
closing | suspended | close_wait) ;;
*) fail "the account moved back is $(state "$moved")" ;;
esac
assert_eq "$(state "$retagged")" protected
nuked "$retagged" && fail "the retagged account was nuked"
assert_eq "$(state "$released")" released

# Off-boarding an owner lists the repurposed account as refused, with the reason.
d1=$(new dave@corp.example)
d2=$(json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner dave@corp.example --json)" 'd["account_id"]')
devs=$(sim_ou_id Developers)
sim_move "$d2" "$devs" "$prod"
set +e
sbx offboard dave@corp.example --yes --json >"$T/off.json"
st=$?
set -e
assert_eq "$st" 8 "offboard exit status"
off=$(cat "$T/off.json")
assert_eq "$(json_get "$off" '[a["outcome"] for a in d["accounts"] if a["account_id"] == "'"$d2"'"][0]')" refused
assert_contains "$(json_get "$off" '[a["message"] for a in d["accounts"] if a["account_id"] == "'"$d2"'"][0]')" "moved to $prod by someone else"
assert_eq "$(json_get "$off" 'd["ok"]')" false
nuked "$d2" && fail "the repurposed account of the leaver was nuked"
assert_eq "$(sim_acct "$d2" "['CloseCalls']")" 0
nuked "$d1" || fail "the leaver's sandbox was not nuked"
echo ok
