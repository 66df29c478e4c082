#!/bin/bash
# t0211-offboard-no-accounts.sh -- an HR workflow calls `offboard` for every leaver: an owner
# with no accounts is not an error (exit 0, an empty summary, `"accounts": []` in JSON), asks
# no confirmation and changes nothing; an owner that is not an address is still refused.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s
write_config
sbx init >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner stays@corp.example >/dev/null

dump() {
    python3 -c 'import sqlite3, sys; print("\n".join(sqlite3.connect(sys.argv[1]).iterdump()))' "$T/store.db"
}
before=$(dump)

# No --yes and stdin not a terminal: nothing to confirm, so no refusal either.
set +e
out=$(sbx offboard leaver@corp.example </dev/null 2>"$T/err")
rc=$?
set -e
echo "$out"
cat "$T/err"
assert_eq "$rc" 0 "offboard of an owner without accounts"
assert_contains "$out" "owner 'leaver@corp.example' has no managed accounts: nothing to do"
assert_eq "$(cat "$T/err")" "" "offboard of an owner without accounts printed an error"

json=$(sbx offboard Leaver@Corp.Example --json --yes)
echo "$json"
assert_eq "$(json_get "$json" 'd["accounts"]')" "[]"
assert_eq "$(json_get "$json" 'd["owner"]')" "leaver@corp.example"
assert_eq "$(json_get "$json" 'd["ok"]')" "true"
assert_eq "$(json_get "$json" 'd["summary"]')" "{}"

assert_exit 0 sbx offboard leaver@corp.example --dry-run >/dev/null
assert_eq "$(dump)" "$before" "offboard of an owner without accounts changed the store"

# Bad input is still bad input.
assert_exit 2 sbx offboard not-an-owner --yes 2>/dev/null
