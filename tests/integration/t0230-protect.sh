#!/bin/bash
# t0230-protect.sh -- protection, checked against live state right before the nuke and the
# close: the management account cannot be adopted; an account with a protected tag (at adoption,
# or tagged at AWS later), or listed in organization.protected_accounts, is refused with a clear
# message, an audit event and the `protected` state -- never silently skipped, never nuked,
# never closed. Lifting the protection and `retry` lets it close.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise only by the test's advance.
sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
crit=$(json_get "$(sim_admin POST accounts '{"Email": "critical@corp.example", "Name": "payments-prod", "Tags": [{"Key": "AccountType", "Value": "Critical"}]}')" 'd["Id"]')
listed=$(json_get "$(sim_admin POST accounts '{"Email": "listed@corp.example", "Name": "listed"}')" 'd["Id"]')
write_config 'organization = {
    email_template = "sandbox+{kind}-{owner}-{seq}@example.com";
    name_template = "sbx-{kind}-{owner}-{seq}";
    protected_tags = [ "AccountType=Critical" ];
    protected_accounts = [ "'"$listed"'" ];
};'
sbx init >/dev/null
mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/50-nuke" <<HOOK
#!/bin/sh
echo "\$SANDBOX_ACCOUNT_ID \$SANDBOX_PROTECTED_ACCOUNTS \$SANDBOX_MANAGEMENT_ACCOUNT_ID" >>"$T/nuke.log"
HOOK
chmod 755 "$T/hooks/pre-close.d/50-nuke"
nukes() { if [ -e "$T/nuke.log" ]; then grep -c "^$1 " "$T/nuke.log" || true; else echo 0; fi; }
closecalls() { json_get "$(sim_admin GET state)" "[a['CloseCalls'] for a in d['accounts'] if a['Id'] == '$1'][0]"; }

# The management account is never adopted.
assert_exit 1 sbx adopt 111111111111 --kind developer --owner ops@corp.example 2>"$T/err"
assert_contains "$(cat "$T/err")" "management account"

# Protected accounts are refused by adopt (sandboxctl(1)), by their live tag or by
# organization.protected_accounts, before anything is tagged or moved -- also in a dry run.
state0=$(sim_admin GET state)
for acct in "$crit" "$listed"; do
    for dry in "" --dry-run; do
        set +e
        sbx adopt "$acct" --kind developer --owner ops@corp.example $dry >"$T/out" 2>"$T/err"
        rc=$?
        set -e
        assert_eq "$rc" 1 "adopt $dry of protected $acct"
        assert_contains "$(cat "$T/err")" "refusing to adopt $acct"
    done
done
assert_contains "$(cat "$T/err")" "organization.protected_accounts"
sbx adopt "$crit" --kind developer --owner ops@corp.example 2>"$T/err" >/dev/null || true
assert_contains "$(cat "$T/err")" "protected tag AccountType=Critical"
state1=$(sim_admin GET state)
for acct in "$crit" "$listed"; do
    q="[(a['Tags'], a['ParentId']) for a in d['accounts'] if a['Id'] == '$acct'][0]"
    assert_eq "$(json_get "$state1" "$q")" "$(json_get "$state0" "$q")" "$acct untouched at AWS"
done
assert_eq "$(json_get "$(sbx list --all --json)" 'd["count"]')" 0 "nothing adopted"
assert_contains "$(sbx log)" adopt_refused
assert_exit 7 sbx close "$crit" --yes 2>/dev/null >/dev/null

# An account of ours that a later configuration lists in protected_accounts is not closed.
mine=$(json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner ops2@corp.example \
    --json)" 'd["account_id"]')
cp "$SANDBOXCTL_CONFIG" "$T/saved.cfg"
sed -i "s/protected_accounts = \[ \"$listed\" \]/protected_accounts = [ \"$listed\", \"$mine\" ]/" \
    "$SANDBOXCTL_CONFIG"
assert_exit 1 sbx close "$mine" --yes 2>"$T/err" >/dev/null
assert_contains "$(cat "$T/err")" "organization.protected_accounts"
assert_eq "$(closecalls "$mine")" 0
cp "$T/saved.cfg" "$SANDBOXCTL_CONFIG"

# An account sandboxctl created, tagged critical at AWS afterwards: expiry does not close it.
acct=$(sbx_advancing CreateAccount 60 create --kind demo --owner dev@corp.example --ttl 1h --json)
id=$(json_get "$acct" 'd["account_id"]')
resp=$(sim_call TagResource "{\"ResourceId\": \"$id\", \"Tags\": [{\"Key\": \"AccountType\", \"Value\": \"Critical\"}]}")
assert_contains "$resp" "200"
sim_admin POST advance '{"seconds": 3700}' >/dev/null
out=$(json_lines "$(sbx run --json)")
assert_eq "$(json_get "$out" 'd[-1]["report"]["refused"]')" 1
show=$(sbx show "$id" --json)
assert_eq "$(json_get "$show" 'd["state"]')" protected
assert_contains "$(json_get "$show" 'd["last_error"]')" "protected tag AccountType=Critical"
assert_eq "$(json_get "$(sbx list --state protected --json)" 'd["count"]')" 1
assert_eq "$(nukes "$id")" 0
assert_eq "$(closecalls "$id")" 0
sim_admin POST advance '{"seconds": 86400}' >/dev/null
sbx run >/dev/null
assert_eq "$(json_get "$(sbx show "$id" --json)" 'd["state"]')" protected
assert_eq "$(closecalls "$id")" 0

# Protection lifted, retried: nuked (the hook learns the protected ids) and closed.
resp=$(sim_call UntagResource "{\"ResourceId\": \"$id\", \"TagKeys\": [\"AccountType\"]}")
assert_contains "$resp" "200"
sbx retry "$id" >/dev/null
sbx run >/dev/null
assert_eq "$(nukes "$id")" 1
assert_contains "$(grep "^$id " "$T/nuke.log")" "$listed 111111111111"
assert_eq "$(json_get "$(sbx show "$id" --json)" 'd["state"]')" closing
assert_eq "$(closecalls "$id")" 1

# The protected ones are untouched at AWS.
st=$(sim_admin GET state)
assert_eq "$(json_get "$st" "[a['State'] for a in d['accounts'] if a['Id'] == '$crit'][0]")" ACTIVE
assert_eq "$(json_get "$st" "[a['State'] for a in d['accounts'] if a['Id'] == '$listed'][0]")" ACTIVE
sbx log --verify >/dev/null
echo ok
