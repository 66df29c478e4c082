#!/usr/bin/env bash
# t0202-alias-collision.sh -- never take over an account that is not this row's. A second
# store on the same organization, and a store restored from an older copy, hand out aliases
# that AWS already has (EMAIL_ALREADY_EXISTS). The existing account is adopted into the row only
# when its identity tags (store id, row id, row creation time) say it is this store's and this
# row's; otherwise the alias is marked taken, the next one is used, and the foreign account is
# reported and never touched: not re-tagged, not moved, not nuked, not closed. `doctor` warns
# about accounts tagged as this store's that it does not know (a restored older copy).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
# Aliases without the owner: two stores (or two copies of one) collide on the sequence alone.
org='organization = {
    email_template = "sandbox+{kind}-{seq}@example.com";
    name_template = "sbx-{kind}-{seq}";
    protected_tags = [ "AccountType=Critical" ];
    protected_accounts = [ ];
};'
write_config "$org"
cfg_a=$SANDBOXCTL_CONFIG
sbx init >/dev/null
mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/50-nuke" <<HOOK
#!/bin/sh
echo "\$SANDBOX_ACCOUNT_ID" >>"$T/nuke.log"
HOOK
chmod 755 "$T/hooks/pre-close.d/50-nuke"
tags_of() { json_get "$(sim_admin GET state)" "sorted((t['Key'], t['Value']) for a in d['accounts'] if a['Id'] == '$1' for t in a['Tags'])"; }
closecalls() { json_get "$(sim_admin GET state)" "[a['CloseCalls'] for a in d['accounts'] if a['Id'] == '$1'][0]"; }
nuked() { grep -c "^$1\$" "$T/nuke.log" 2>/dev/null || true; }

# Store A: alice's developer account, alias sandbox+developer-1.
cp "$T/store.db" "$T/store-at-init.db"
alice=$(json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner alice@corp.example --json)" 'd["account_id"]')
assert_contains "$(tags_of "$alice")" '["sandboxctl:row", "1"]'
alice_tags=$(tags_of "$alice")

# Store B on the same organization: bob's demo account would get sandbox+demo-1... and
# carol's developer account sandbox+developer-1, which AWS already has (alice's).
sed "s|^store = .*|store = \"$T/store-b.db\";|" "$cfg_a" >"$T/b.cfg"
SANDBOXCTL_CONFIG=$T/b.cfg sbx init >/dev/null
out=$(SANDBOXCTL_CONFIG=$T/b.cfg sbx_advancing CreateAccount 60 create --kind developer --owner carol@corp.example --json 2>"$T/b.err")
carol=$(json_get "$out" 'd["account_id"]')
[ "$carol" != "$alice" ] || fail "store B took alice's account for carol"
assert_eq "$(json_get "$out" 'd["email"]')" "sandbox+developer-2@example.com" "carol gets the next alias"
assert_eq "$(json_get "$out" 'd["state"]')" active
assert_contains "$(SANDBOXCTL_CONFIG=$T/b.cfg sbx log)" alias_taken
assert_contains "$(SANDBOXCTL_CONFIG=$T/b.cfg sbx log)" "$alice"
assert_eq "$(tags_of "$alice")" "$alice_tags" "alice's account untouched by store B"

# Store A restored from the copy made at init: row 1 and alias 1 are handed out again.
cp "$T/store-at-init.db" "$T/store.db"
rm -f "$T/store.db-wal" "$T/store.db-shm"
# doctor says AWS holds an account tagged as this store's that it does not know (alice's);
# store B's accounts carry another identity and are not this store's business.
out=$(sbx doctor)
assert_contains "$out" "WARN  accounts"
assert_contains "$out" "1 account tagged as this store's that the store does not know"
assert_contains "$out" "$alice"
case "$out" in *"$carol"*) fail "doctor counts store B's account as this store's" ;; esac
assert_contains "$(SANDBOXCTL_CONFIG=$T/b.cfg sbx doctor)" "ok    accounts"
out=$(sbx_advancing CreateAccount 60 create --kind developer --owner dave@corp.example --ttl 1h --json 2>"$T/a.err")
dave=$(json_get "$out" 'd["account_id"]')
[ "$dave" != "$alice" ] || fail "the restored store took alice's account for dave"
[ "$dave" != "$carol" ] || fail "the restored store took carol's account for dave"
assert_eq "$(json_get "$out" 'd["id"]')" 1 "the restored store reuses row id 1"
assert_contains "$(sbx log)" alias_taken
assert_eq "$(tags_of "$alice")" "$alice_tags" "alice's account untouched by the restored store"

# Dave's account expires; the restored store nukes and closes it, and only it.
sim_admin POST advance '{"seconds": 3700}' >/dev/null
sbx run >/dev/null
sim_admin POST advance '{"seconds": 120}' >/dev/null
sbx run >/dev/null
assert_eq "$(closecalls "$dave")" 1 "dave's account closed"
assert_eq "$(nuked "$dave")" 1
for other in "$alice" "$carol"; do
    assert_eq "$(closecalls "$other")" 0 "$other never closed"
    assert_eq "$(nuked "$other")" 0 "$other never nuked"
done
sbx log --verify >/dev/null
echo ok
