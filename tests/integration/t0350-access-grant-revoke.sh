#!/bin/bash
# t0350-access-grant-revoke.sh -- owner access through IAM Identity Center in the lifecycle, on
# a paused simulator whose clock moves only when the test says: `create` grants the owner's
# assignment before the account is active (audit and the simulator's assignments agree, the
# post-create hook gets the portal link), and `close` deletes it before the pre-close hook
# runs -- checked in the audit log and in the simulator's request log at the hook's moment --
# and, with access.revoke_others, so does an assignment someone else made with the AWS CLI.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
ACCESS_KEYS='revoke_others = true;' access_config
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

# Someone gives a group access to the account with the AWS CLI.
AWS_CLI=${AWS_CLI:-/usr/bin/aws}
[ -x "$AWS_CLI" ] || AWS_CLI=$(command -v aws) ||
    fail "the aws CLI is not installed (contrib/install-deps.sh installs awscli)"
gid=$(json_get "$(sim_admin POST idc/groups '{"DisplayName":"helpers"}')" 'd["GroupId"]')
instance=$(json_get "$(sim_admin GET idc)" 'd["InstanceArn"]')
"$AWS_CLI" sso-admin create-account-assignment --endpoint-url "$SIM_URL" --region us-east-1 \
    --instance-arn "$instance" --target-id "$acct" --target-type AWS_ACCOUNT \
    --permission-set-arn "arn:aws:sso:::permissionSet/ssoins-72230a1b2c3d4e5f/ps-a1b2c3d4e5f60001" \
    --principal-type GROUP --principal-id "$gid" >/dev/null
sim_admin POST advance '{"seconds": 20}' >/dev/null
assert_eq "$(assigned "$acct")" "[\"$uid\", \"$gid\"]" "the group's assignment at AWS"

# Close: both assignments go before the pre-close hook runs.
sbx close '#1' --yes --no-wait >/dev/null
drive_to 1 suspended
[ -f "$T/pre-close.marker" ] || fail "pre-close hook did not run"
assert_eq "$(json_get "$(cat "$T/idc-at-pre-close.json")" "[a for a in d['assignments'] if a['AccountId'] == '$acct']")" \
    "[]" "an assignment remained while the pre-close hook ran"
assert_eq "$(cat "$T/deletes-at-pre-close")" 2 "DeleteAccountAssignment sent before the pre-close hook"
assert_contains "$(sbx log '#1' --json)" '"note":"made outside sandboxctl"' 
[ "$(cat "$T/polls-at-pre-close")" -ge 1 ] || fail "the deletion was not waited for before the hook"
ev=$(events_of 1)
case "$ev" in
*"close_requested access_revoking"*"access_revoked"*"nuke_started"*"nuked"*) ;;
*) fail "revocation not before the nuke: $ev" ;;
esac
# One assignment made by sandboxctl and one by the CLI; both deleted once (the second deletion
# meets ConflictException while the first is in progress, and waits).
assert_eq "$(grep -c ' 200 SWBExternalService.CreateAccountAssignment$' "$simlog")" 2
assert_eq "$(grep -c ' 200 SWBExternalService.DeleteAccountAssignment$' "$simlog")" 2
assert_eq "$(assigned "$acct")" "[]"

# A waiting `create` returns once its owner can sign in, and prints the portal's direct link.
# The paused clock moves 60 s each time the simulator has answered another CreateAccount or
# CreateAccountAssignment (the two waits of a creation).
add_user bob bob@corp.example >/dev/null
ops=CreateAccount+CreateAccountAssignment
before=$(sim_calls "$ops")
"$SANDBOXCTL" create --kind developer --owner bob@corp.example --json >"$T/create.out" \
    2>"$T/create.err" &
advance_while "$ops" 60 $! "$before" || fail "create failed: $(cat "$T/create.err")"
out=$(cat "$T/create.out")
bacct=$(json_get "$out" 'd["account_id"]')
assert_eq "$(json_get "$out" 'd["state"]')" active
assert_eq "$(json_get "$out" 'd["signin_url"]')" \
    "https://$store.awsapps.com/start/#/console?account_id=$bacct&role_name=AdministratorAccess"
[ "$(assigned "$bacct")" != "[]" ] || fail "create returned before bob's assignment"
sim_stop
