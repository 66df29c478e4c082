#!/usr/bin/env bash
# t0291-store-lost.sh -- losing the store loses nothing but hook history: every account
# carries its store's identity, owner, kind and expiry as tags, so `recover` rebuilds the rows
# from the organization (a dry run by default, --apply writes), taking the store's identity
# from the tags when the file is gone. The lifecycle then finishes with no account lost and
# none closed twice; a second recover finds nothing to do.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
write_config
sbx init >/dev/null
closecalls() { json_get "$(sim_admin GET state)" "[a['CloseCalls'] for a in d['accounts'] if a['Id'] == '$1'][0]"; }

dev=$(json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner dev@corp.example --json)" 'd["account_id"]')
demo=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner presenter@corp.example --ttl 2h --json)" 'd["account_id"]')
gone=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner old@corp.example --json)" 'd["account_id"]')
sbx close "$gone" --yes >/dev/null
assert_eq "$(closecalls "$gone")" 1
store_id=$(sqlite3 "$T/store.db" "SELECT value FROM meta WHERE key = 'store_id'")
[ -n "$store_id" ] || fail "init gave the store no identity"

# The store is lost mid-lifecycle.
rm -f "$T"/store.db*

# A dry run reports what it would restore and writes nothing.
out=$(sbx recover --json)
assert_eq "$(json_get "$out" 'd["dry_run"]')" true
assert_eq "$(json_get "$out" 'd["store_id"]')" "$store_id" "identity taken from the tags"
assert_eq "$(json_get "$out" 'd["summary"]')" '{"restore": 3, "known": 0, "differs": 0, "skipped": 0}'
assert_eq "$(sqlite3 "$T/store.db" "SELECT count(*) FROM account")" 0 "a dry run writes no row"

out=$(sbx recover --apply --json)
assert_eq "$(json_get "$out" 'd["summary"]["restore"]')" 3
rows=$(sbx list --all --json)
q() { json_get "$rows" "[(a['owner'], a['kind'], a['state']) for a in d['accounts'] if a['account_id'] == '$1'][0]"; }
assert_eq "$(q "$dev")" '["dev@corp.example", "developer", "active"]'
assert_eq "$(q "$demo")" '["presenter@corp.example", "demo", "active"]'
case "$(q "$gone")" in *closing* | *suspended*) ;; *) fail "closed account restored as $(q "$gone")" ;; esac
assert_eq "$(json_get "$rows" "[a['expires_at'] is not None for a in d['accounts'] if a['account_id'] == '$demo'][0]")" true
assert_eq "$(sqlite3 "$T/store.db" "SELECT value FROM meta WHERE key = 'store_id'")" "$store_id"
assert_contains "$(sbx log)" recovered

# Nothing left to do; doctor agrees.
assert_eq "$(json_get "$(sbx recover --json)" 'd["summary"]')" '{"restore": 0, "known": 3, "differs": 0, "skipped": 0}'
assert_contains "$(sbx doctor)" "ok    accounts"

# The lifecycle finishes: the demo expires and closes, the developer is off-boarded, the
# account closed before the loss is never closed again.
sim_admin POST advance '{"seconds": "3h"}' >/dev/null
sbx run >/dev/null
sbx offboard dev@corp.example --yes >/dev/null
for _ in 1 2; do
    sim_admin POST advance '{"seconds": "1h"}' >/dev/null
    sbx run >/dev/null
done
for acct in "$dev" "$demo" "$gone"; do
    assert_eq "$(closecalls "$acct")" 1 "$acct closed exactly once"
done
assert_eq "$(json_get "$(sbx list --all --json)" 'sorted(a["state"] for a in d["accounts"])')" \
    '["suspended", "suspended", "suspended"]'
sbx log --verify >/dev/null
echo ok
