#!/bin/bash
# t0250-bad-input.sh -- bad input gets a clear error and the documented exit status, and
# nothing changes in the store (compared as a full SQL dump before and after): an invalid owner,
# an unknown kind, a TTL above the kind's maximum, a malformed email template, an alias over 64
# characters, an unknown account id, an extension beyond max_ttl, bad options.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise not at all.
sim_start_paused --no-throttle --create-latency 10s
write_config
sbx init >/dev/null
acct=$(sbx_advancing CreateAccount 60 create --kind demo --owner good@corp.example --json)
id=$(json_get "$acct" 'd["account_id"]')
sbx_advancing CreateAccount 60 create --kind developer --owner dup@corp.example >/dev/null

dump() {
    python3 -c 'import sqlite3, sys; print("\n".join(sqlite3.connect(sys.argv[1]).iterdump()))' "$T/store.db"
}
before=$(dump)
calls_before=$(json_get "$(sim_admin GET state)" 'd["calls"].get("CreateAccount", 0)')

# expect CODE MESSAGE CMD... -- CMD exits CODE, says MESSAGE on stderr, changes nothing.
expect() {
    code=$1
    msg=$2
    shift 2
    set +e
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    set -e
    [ "$got" -eq "$code" ] || fail "'$*' exited $got, want $code: $(cat "$T/err")"
    assert_contains "$(cat "$T/err")" "$msg" "'$*'"
    assert_eq "$(dump)" "$before" "'$*' changed the store"
}

expect 2 "invalid owner 'not-an-email'" sbx create --kind demo --owner not-an-email
expect 2 "invalid owner 'a b@corp.example'" sbx create --kind demo --owner "a b@corp.example"
expect 2 "unknown kind 'nope' (configured: developer, training, demo)" \
    sbx create --kind nope --owner good@corp.example
expect 2 "ttl 4d is above the maximum of kind 'demo' (3d)" \
    sbx create --kind demo --owner good@corp.example --ttl 4d
expect 2 "--ttl" sbx create --kind demo --owner good@corp.example --ttl 3x
expect 2 "create: --ttl: must be positive" sbx create --kind demo --owner good@corp.example --ttl 0
long=$(python3 -c 'print("a" * 50)')
expect 2 "AWS accepts 6 to 64" sbx create --kind demo --owner "$long@corp.example"
expect 2 "1 to 50" sbx create --kind demo --owner good@corp.example \
    --name "$(python3 -c 'print("n" * 51)')"
expect 2 "max_per_owner is 1" sbx create --kind developer --owner dup@corp.example --dry-run
expect 2 "--kind and --owner are required" sbx create --kind demo
expect 7 "no managed account '999999999999'" sbx show 999999999999
expect 7 "no managed account '999999999999'" sbx close 999999999999 "$id" --yes
expect 7 "no managed account '999999999999'" sbx extend 999999999999 --by 1d
expect 7 "no managed account '999999999999'" sbx retry 999999999999
expect 7 "no managed account '999999999999'" sbx log 999999999999
expect 7 "no managed account 'nobody@corp.example'" sbx show nobody@corp.example
expect 0 "" sbx offboard nobody@corp.example --yes
expect 2 "invalid owner" sbx offboard not-an-owner --yes
expect 2 "beyond the maximum of kind 'demo'" sbx extend "$id" --by 5d
expect 2 "not in the future" sbx extend "$id" --until 2001-01-01T00:00:00Z
expect 2 "exactly one of --by and --until" sbx extend "$id"
# The operand count is the first thing a command on one ACCOUNT checks.
expect 2 "extend: name exactly one ACCOUNT" sbx extend
expect 2 "retry: name exactly one ACCOUNT" sbx retry "$id" "$id"
expect 2 "adopt: name exactly one ACCOUNT_ID" sbx adopt --kind demo --owner good@corp.example
expect 2 "backup: name exactly one FILE" sbx backup
expect 2 "only quarantined" sbx retry "$id"
expect 2 "unknown state 'bogus'" sbx list --state bogus
expect 2 "invalid account id '12345'" sbx adopt 12345 --kind demo --owner good@corp.example
expect 2 "already managed" sbx adopt "$id" --kind demo --owner good@corp.example
expect 7 "not in the organization" sbx adopt 123456789012 --kind demo --owner good@corp.example
expect 2 "not confirmed" sbx close "$id" </dev/null
expect 2 "not confirmed" sbx offboard good@corp.example </dev/null
expect 2 "--watch and --once" sbx run --watch --once

# Dry runs change nothing either.
expect 0 "" sbx create --kind demo --owner new@corp.example --dry-run
assert_contains "$(cat "$T/out")" "sandbox+demo-new-3@example.com"
expect 0 "" sbx close "$id" --dry-run
expect 0 "" sbx offboard good@corp.example --dry-run
expect 0 "" sbx extend "$id" --by 1h --dry-run
expect 0 "" sbx run --dry-run
expect 0 "" sbx init --dry-run

# A malformed email template: rejected before anything is written (by the config loader or
# by the engine, whichever sees it first), with the template named.
cp "$T/sandboxctl.cfg" "$T/good.cfg"
sed 's/email_template = "sandbox+{kind}-{owner}-{seq}@example.com"/email_template = "sandbox+{kind}-{nope}-{seq}@example.com"/' \
    "$T/good.cfg" >"$T/sandboxctl.cfg"
set +e
sbx create --kind demo --owner good@corp.example >"$T/out" 2>"$T/err"
got=$?
set -e
[ "$got" -eq 2 ] || [ "$got" -eq 3 ] || fail "malformed template exited $got: $(cat "$T/err")"
assert_contains "$(cat "$T/err")" "{nope}"
assert_eq "$(dump)" "$before" "malformed template changed the store"
# A template whose result breaks AWS's rules (domain starting with '-').
sed 's/email_template = "sandbox+{kind}-{owner}-{seq}@example.com"/email_template = "sandbox+{kind}-{owner}-{seq}@-example.com"/' \
    "$T/good.cfg" >"$T/sandboxctl.cfg"
set +e
sbx create --kind demo --owner good@corp.example >"$T/out" 2>"$T/err"
got=$?
set -e
[ "$got" -eq 2 ] || [ "$got" -eq 3 ] || fail "bad template result exited $got: $(cat "$T/err")"
assert_contains "$(cat "$T/err")" "-example.com"
assert_eq "$(dump)" "$before" "bad template result changed the store"
cp "$T/good.cfg" "$T/sandboxctl.cfg"

# Nothing reached AWS either.
assert_eq "$(json_get "$(sim_admin GET state)" 'd["calls"].get("CreateAccount", 0)')" "$calls_before"
assert_eq "$(json_get "$(sim_admin GET state)" 'd["calls"].get("CloseAccount", 0)')" 0
echo ok
