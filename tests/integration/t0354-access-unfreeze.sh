#!/bin/bash
# t0354-access-unfreeze.sh -- `unfreeze` gives back the access a budget freeze revoked: the
# owner's and the kind's group's assignments are requested again, the account passes through
# the grant step (creating) and is active again only once AWS granted them; unfreeze waits for
# that and prints the sign-in link, as create does; post-create hooks do not run again; on a
# paused clock moved only by `advance`.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
freeze_config 'access_groups = "Helpers";'
sbx init >/dev/null
uid=$(add_user alice alice@corp.example)
gid=$(json_get "$(sim_admin POST idc/groups '{"DisplayName":"Helpers"}')" 'd["GroupId"]')
store=$(json_get "$(sim_admin GET idc)" 'd["IdentityStoreId"]')
mkdir -p "$T/hooks/post-create.d"
cat >"$T/hooks/post-create.d/10-count" <<HOOK
#!/bin/sh
echo run >>"$T/post-create.count"
HOOK
chmod 700 "$T/hooks/post-create.d/10-count"

sbx create --kind demo --owner alice@corp.example --no-wait >/dev/null
drive_to 1 active
acct=$(account_of 1)
assert_eq "$(assigned "$acct")" "[\"$uid\", \"$gid\"]" "alice and Helpers can sign in"

freeze 1
assert_eq "$(assigned "$acct")" "[]" "the freeze left an assignment"
creates=$(grep -c ' 200 SWBExternalService.CreateAccountAssignment$' "$T/sim.err.1")

# unfreeze waits for the grants: the simulated clock moves once each is sent.
out=$(sbx_advancing CreateAccountAssignment 30 unfreeze '#1' --budget "1000 USD" --json) ||
    fail "unfreeze failed"
assert_eq "$(json_get "$out" 'd["state"]')" active
assert_eq "$(json_get "$out" 'd["signin_url"]')" \
    "https://$store.awsapps.com/start/#/console?account_id=$acct&role_name=AdministratorAccess"
assert_eq "$(assigned "$acct")" "[\"$uid\", \"$gid\"]" "access given back by unfreeze"
ev=$(events_of 1)
case "$ev" in
*"frozen"*"access_requested unfrozen"*"access_granted"*"access_granted reactivated"*) ;;
*) fail "not granted again before active: $ev" ;;
esac
assert_eq "$(wc -l <"$T/post-create.count")" 1 "post-create hooks ran again"
assert_eq "$(grep -c ' 200 SWBExternalService.CreateAccountAssignment$' "$T/sim.err.1")" \
    $((creates + 2))
