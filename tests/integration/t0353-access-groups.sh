#!/bin/bash
# t0353-access-groups.sh -- Identity Center groups that get access besides the owner: a kind's
# access_groups (replacing access.groups), a class's --access-group. An unknown group fails
# create and class create with exit 7 before anything is recorded or sent; every group's
# assignment is granted (one operation at a time per account) before the account is active,
# and revoked with the owner's before the pre-close hooks; `doctor` checks every configured
# group; on a paused clock.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
ACCESS_KEYS='groups = "Auditors";' access_config 'kinds = {
    demo = { ttl = "8h"; ou = "Sandboxes/Demos"; access_groups = "Admins,Support"; };
    training = { ttl = "3d"; ou = "Sandboxes/Training"; };
    developer = { ou = "Sandboxes/Developers"; access_groups = ""; };
};'
sbx init >/dev/null
uid=$(add_user alice alice@corp.example)
ann=$(add_user ann ann@uni.example)
simlog="$T/sim.err.1"
group() { json_get "$(sim_admin POST idc/groups "{\"DisplayName\":\"$1\"}")" 'd["GroupId"]'; }
accounts() { json_get "$(sbx list --all --json)" 'len(d["accounts"])'; }

# doctor: every configured group once, with the kinds that use it; a missing one fails with
# exit 7, as create would.
assert_exit 7 sbx doctor >"$T/doctor"
assert_contains "$(cat "$T/doctor")" "FAIL  group Admins"
assert_contains "$(grep 'group Support' "$T/doctor")" "needed by kind demo"
assert_contains "$(grep 'group Auditors' "$T/doctor")" "no IAM Identity Center group 'Auditors'"
assert_contains "$(grep 'group Auditors' "$T/doctor")" "needed by kind training"
assert_eq "$(grep -c 'group ' "$T/doctor")" 3 "doctor's group lines"

# Unknown groups: exit 7 naming them, nothing recorded, nothing sent.
admins=$(group Admins)
assert_exit 7 sbx create --kind demo --owner alice@corp.example --no-wait 2>"$T/err"
assert_contains "$(cat "$T/err")" "no IAM Identity Center group named Support in identity store"
assert_exit 7 sbx create --kind demo --owner alice@corp.example --dry-run 2>"$T/err"
assert_contains "$(cat "$T/err")" "Support"
assert_eq "$(accounts)" 0 "an account was recorded despite an unknown group"
if grep -q 'CreateAccount$' "$simlog"; then fail "CreateAccount sent despite an unknown group"; fi

# The kind's groups replace access.groups: Admins and Support, not Auditors.
support=$(group Support)
auditors=$(group Auditors)
sbx doctor >"$T/doctor"
assert_eq "$(grep 'group Support' "$T/doctor")" "ok    group Support  $support, for kind demo"
assert_eq "$(grep 'group Auditors' "$T/doctor")" "ok    group Auditors  $auditors, for kind training"
sbx create --kind demo --owner alice@corp.example --no-wait >/dev/null
drive_to 1 active
acct=$(account_of 1)
assert_eq "$(assigned "$acct")" "[\"$uid\", \"$admins\", \"$support\"]" "owner and kind groups"
case "$(events_of 1)" in
*"access_requested access_requested access_requested "*"access_granted"*"access_granted"*"access_granted activated"*) ;;
*) fail "the groups' grants are not all before activation: $(events_of 1)" ;;
esac
log=$(sbx log '#1' --json)
assert_contains "$log" '"principal":"Support","principal_type":"GROUP"'
if grep -q 'CreateAccountAssignment ConflictException$' "$simlog"; then
    fail "two assignment operations at once on one account"
fi
assert_eq "$(json_get "$(sim_admin GET idc)" "[a['PrincipalType'] for a in d['assignments'] if a['AccountId'] == '$acct']")" \
    '["USER", "GROUP", "GROUP"]'

# A kind with access_groups = "" gives access to its owner only.
sbx create --kind developer --owner alice@corp.example --no-wait >/dev/null
drive_to 2 active
assert_eq "$(assigned "$(account_of 2)")" "[\"$uid\"]" "developer: no group"

# A class's group, checked before anything is recorded, stored with the class.
printf 'email,name\nann@uni.example,Ann\n' >"$T/roster.csv"
assert_exit 7 sbx class create c1 --owner prof@uni.example --roster "$T/roster.csv" \
    --kind training --access-group Instructors --no-wait 2>"$T/err"
assert_contains "$(cat "$T/err")" "Instructors"
assert_eq "$(json_get "$(sbx class list --json)" 'len(d["classes"])')" 0 "a class was recorded"
instructors=$(group Instructors)
out=$(sbx class create c1 --owner prof@uni.example --roster "$T/roster.csv" --kind training \
    --access-group Instructors --dry-run)
assert_contains "$out" "access groups: Instructors"
sbx class create c1 --owner prof@uni.example --roster "$T/roster.csv" --kind training \
    --access-group Instructors --no-wait >/dev/null
assert_contains "$(sbx class show c1)" "access groups: Instructors"
assert_eq "$(json_get "$(sbx class show c1 --json)" 'd["class"]["access_groups"]')" '["Instructors"]'
drive_to 3 active
assert_eq "$(assigned "$(account_of 3)")" "[\"$ann\", \"$auditors\", \"$instructors\"]" \
    "seat: student, access.groups, the class's group"

# Revoked with the owner's before the pre-close hooks.
mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/10-check" <<HOOK
#!/bin/sh
curl -sS "\$SANDBOX_ENDPOINT_URL/__sim/idc" >"$T/idc-at-pre-close.\$SANDBOX_ACCOUNT_ID.json"
HOOK
chmod 700 "$T/hooks/pre-close.d/10-check"
sbx close '#1' --yes --no-wait >/dev/null
drive_to 1 "$NUKED"
assert_eq "$(json_get "$(cat "$T/idc-at-pre-close.$acct.json")" "[a for a in d['assignments'] if a['AccountId'] == '$acct']")" \
    "[]" "a group's assignment remained while the pre-close hook ran"
ev=$(events_of 1)
case "$ev" in
*"access_revoking"*"access_revoked"*"access_revoked"*"access_revoked"*"nuke_started"*) ;;
*) fail "the groups' revocation is not before the nuke: $ev" ;;
esac
assert_eq "$(assigned "$acct")" "[]"
if grep -q 'DeleteAccountAssignment ConflictException$' "$simlog"; then
    fail "two deletions at once on one account"
fi

# Without owner access configured, --access-group is refused (exit 2), nothing recorded.
write_config
assert_exit 2 sbx class create c2 --owner prof@uni.example --seats 1 --access-group Instructors \
    2>"$T/err"
assert_contains "$(cat "$T/err")" "--access-group needs owner access"
assert_eq "$(json_get "$(sbx class list --json)" 'len(d["classes"])')" 1 "a class was recorded"
