#!/bin/bash
# t0355-access-adopt.sh -- adopt with owner access: an owner without an Identity Center user
# (or a kind group that does not exist) fails with exit 7 before the account is tagged or
# recorded; otherwise the owner and the kind's groups are granted access through the creating
# phase's grant step, adopt waits until the account is active and prints the sign-in link (no
# post-create hooks); --no-access adopts as before, active at once; on a paused clock.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
access_config 'kinds = {
    training = { ttl = "3d"; ou = "Sandboxes/Training"; access_groups = "Mentors"; };
};'
sbx init >/dev/null
store=$(json_get "$(sim_admin GET idc)" 'd["IdentityStoreId"]')
mkdir -p "$T/hooks/post-create.d"
printf '#!/bin/sh\necho run >>"%s/post-create.count"\n' "$T" >"$T/hooks/post-create.d/10-count"
chmod 700 "$T/hooks/post-create.d/10-count"
x=$(json_get "$(sim_admin POST accounts '{"Email": "legacy1@corp.example", "Name": "legacy1"}')" 'd["Id"]')
y=$(json_get "$(sim_admin POST accounts '{"Email": "legacy2@corp.example", "Name": "legacy2"}')" 'd["Id"]')
tags() { json_get "$(sim_admin GET state)" "[len(a['Tags']) for a in d['accounts'] if a['Id'] == '$1'][0]"; }

# No user, then no group: nothing tagged, nothing recorded.
assert_exit 7 sbx adopt "$x" --kind training --owner carol@corp.example 2>"$T/err"
assert_contains "$(cat "$T/err")" "1 owner has no IAM Identity Center user in identity store $store (carol@corp.example)"
uid=$(add_user carol carol@corp.example)
assert_exit 7 sbx adopt "$x" --kind training --owner carol@corp.example 2>"$T/err"
assert_contains "$(cat "$T/err")" "no IAM Identity Center group named Mentors"
assert_eq "$(json_get "$(sbx list --all --json)" 'len(d["accounts"])')" 0 "an account was recorded"
assert_eq "$(tags "$x")" 0 "the account was tagged"

gid=$(json_get "$(sim_admin POST idc/groups '{"DisplayName":"Mentors"}')" 'd["GroupId"]')
out=$(sbx_advancing CreateAccountAssignment 30 adopt "$x" --kind training \
    --owner carol@corp.example --json) || fail "adopt failed"
assert_eq "$(json_get "$out" 'd["state"]')" active
assert_eq "$(json_get "$out" 'd["signin_url"]')" \
    "https://$store.awsapps.com/start/#/console?account_id=$x&role_name=AdministratorAccess"
assert_eq "$(assigned "$x")" "[\"$uid\", \"$gid\"]" "carol and Mentors on the adopted account"
case "$(events_of 1)" in
"adopted access_requested access_requested access_granted access_granted activated"*) ;;
*) fail "not granted before active: $(events_of 1)" ;;
esac
[ ! -f "$T/post-create.count" ] || fail "post-create hooks ran for an adopted account"

# --no-access: active at once, nobody assigned.
out=$(sbx adopt "$y" --kind training --owner dave@corp.example --no-access --json)
assert_eq "$(json_get "$out" 'd["state"]')" active
assert_eq "$(assigned "$y")" "[]" "--no-access assigned someone"
