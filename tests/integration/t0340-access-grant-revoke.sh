#!/bin/bash
# t0340-access-grant-revoke.sh -- owner access through IAM Identity Center in the lifecycle, on
# a paused simulator whose clock moves only when the test says: `create` grants the owner's
# assignment before the account is active (audit and the simulator's assignments agree, the
# post-create hook gets the portal link), and `close` deletes it before the pre-close hook
# runs -- checked in the audit log and in the simulator's request log at the hook's moment.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

sim_start --paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
access_config
sbx init >/dev/null
uid=$(add_user alice alice@corp.example)
store=$(json_get "$(sim_admin GET idc)" 'd["IdentityStoreId"]')
simlog="$T/sim.err.1"

mkdir -p "$T/hooks/post-create.d" "$T/hooks/pre-close.d"
cat >"$T/hooks/post-create.d/10-link" <<HOOK
#!/bin/sh
printf '%s\n%s\n' "\$SANDBOX_ACCESS_PORTAL_URL" "\$SANDBOX_ACCESS_URL" >"$T/post-create.marker"
HOOK
# At the hook's moment: the simulator's assignments, and its request log.
cat >"$T/hooks/pre-close.d/10-check" <<HOOK
#!/bin/sh
curl -sS "\$SANDBOX_ENDPOINT_URL/__sim/idc" >"$T/idc-at-pre-close.json"
grep -c ' 200 SWBExternalService.DeleteAccountAssignment\$' "$simlog" >"$T/deletes-at-pre-close" || true
grep -c ' 200 SWBExternalService.DescribeAccountAssignmentDeletionStatus\$' "$simlog" >"$T/polls-at-pre-close" || true
echo pre-close >"$T/pre-close.marker"
HOOK
chmod 700 "$T/hooks/post-create.d/10-link" "$T/hooks/pre-close.d/10-check"

sbx create --kind developer --owner alice@corp.example --no-wait >/dev/null
drive_to 1 active
acct=$(account_of 1)

# Granted before activation, in this order, and the simulator holds the assignment.
ev=$(events_of 1)
case "$ev" in
*"created access_requested access_granted activated"*) ;;
*) fail "grant not between creation and activation: $ev" ;;
esac
assert_eq "$(assigned "$acct")" "[\"$uid\"]" "the owner's assignment at AWS"
assert_eq "$(json_get "$(sim_admin GET idc)" "[a['PermissionSetArn'].rsplit('/', 1)[1] for a in d['assignments']]")" \
    '["ps-a1b2c3d4e5f60001"]' "AdministratorAccess by default"
# The post-create hook ran once the owner could sign in, with the portal and the direct link.
[ -f "$T/post-create.marker" ] || fail "post-create hook did not run"
assert_eq "$(sed -n 1p "$T/post-create.marker")" "https://$store.awsapps.com/start"
assert_eq "$(sed -n 2p "$T/post-create.marker")" \
    "https://$store.awsapps.com/start/#/console?account_id=$acct&role_name=AdministratorAccess"

# Close: the assignment goes before the pre-close hook runs.
sbx close '#1' --yes --no-wait >/dev/null
drive_to 1 suspended
[ -f "$T/pre-close.marker" ] || fail "pre-close hook did not run"
assert_eq "$(json_get "$(cat "$T/idc-at-pre-close.json")" "[a for a in d['assignments'] if a['AccountId'] == '$acct']")" \
    "[]" "an assignment remained while the pre-close hook ran"
assert_eq "$(cat "$T/deletes-at-pre-close")" 1 "DeleteAccountAssignment sent before the pre-close hook"
[ "$(cat "$T/polls-at-pre-close")" -ge 1 ] || fail "the deletion was not waited for before the hook"
ev=$(events_of 1)
case "$ev" in
*"close_requested access_revoking"*"access_revoked"*"nuke_started"*"nuked"*) ;;
*) fail "revocation not before the nuke: $ev" ;;
esac
# Exactly one assignment made and one deleted.
state=$(sim_admin GET state)
assert_eq "$(json_get "$state" 'd["calls"].get("CreateAccountAssignment", 0)')" 1
assert_eq "$(json_get "$state" 'd["calls"].get("DeleteAccountAssignment", 0)')" 1
sim_stop
