#!/bin/bash
# t0260-commands.sh -- the commands' surface: init (idempotent), create (--no-wait, kinds
# without expiry, max_per_owner), list filters, show, extend (--by, --until, the max_ttl cap,
# the expiry tag at AWS, an expired account kept), adopt (moved or --keep-ou), log (--limit,
# per account, JSON), run --once and --dry-run, quota, and every command's usage text.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise only by the test's advance. AWS's closing rate (one a 20 s:
# the pacing t0296 tests) would hold the second of two closures in one run until the clock
# moves: here it is lifted.
sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
write_config 'limits = {
    account_limit = 1000;
    close_rate = 1000;
    close_burst = 1000;
};'
out=$(sbx init --json)
assert_eq "$(json_get "$out" 'd["ous_created"]')" 3
out=$(sbx init --json)
assert_eq "$(json_get "$out" 'd["ous_created"]')" 0 "init is idempotent"
assert_contains "$(sbx init)" "(exists)"
dump() {
    python3 -c 'import sqlite3, sys; print("\n".join(sqlite3.connect(sys.argv[1]).iterdump()))' "$T/store.db"
}
tag_of() {
    json_get "$(sim_admin GET state)" "[t['Value'] for a in d['accounts'] if a['Id'] == '$1' for t in a['Tags'] if t['Key'] == '$2'][0]"
}
parent_name() {
    json_get "$(sim_admin GET state)" "[([o['Name'] for o in d['ous'] if o['Id'] == a['ParentId']] or ['root'])[0] for a in d['accounts'] if a['Id'] == '$1'][0]"
}

# Kinds: a developer account never expires; one per owner.
dev=$(sbx_advancing CreateAccount 60 create --kind developer --owner dev@corp.example --json)
assert_eq "$(json_get "$dev" 'd["expires_at"]')" null
assert_eq "$(json_get "$dev" 'd["next_action_at"]')" null
devid=$(json_get "$dev" 'd["account_id"]')
assert_eq "$(tag_of "$devid" sandboxctl:expires)" never
assert_eq "$(parent_name "$devid")" Developers
assert_exit 2 sbx create --kind developer --owner dev@corp.example 2>/dev/null

# --no-wait returns at once; the engine finishes the job.
out=$(sbx create --kind demo --owner demo@corp.example --ttl 2h --no-wait --json)
case "$(json_get "$out" 'd["state"]')" in requested | creating) ;; *) fail "no-wait: $out" ;; esac
local_id=$(json_get "$out" 'd["id"]')
sim_admin POST advance '{"seconds": 30}' >/dev/null
sbx run --once >/dev/null
sbx run >/dev/null
demo=$(sbx show "#$local_id" --json)
assert_eq "$(json_get "$demo" 'd["state"]')" active
demoid=$(json_get "$demo" 'd["account_id"]')
train=$(json_get "$(sbx_advancing CreateAccount 60 create --kind training --owner t@corp.example \
    --json)" 'd["account_id"]')

# list filters.
assert_eq "$(json_get "$(sbx list --json)" 'd["count"]')" 3
assert_eq "$(json_get "$(sbx list --owner DEMO@corp.example --json)" 'd["count"]')" 1
assert_eq "$(json_get "$(sbx list --kind training --json)" '[a["account_id"] for a in d["accounts"]]')" "[\"$train\"]"
assert_eq "$(json_get "$(sbx list --state active --json)" 'd["count"]')" 3
assert_eq "$(json_get "$(sbx list --expiring-within 3h --json)" '[a["account_id"] for a in d["accounts"]]')" "[\"$demoid\"]"
assert_eq "$(json_get "$(sbx list --class nope --json)" 'd["count"]')" 0
table=$(sbx list)
assert_contains "$table" "ID  "
assert_contains "$table" "$demoid"
assert_contains "$(sbx show "$demoid")" "history:"
assert_contains "$(sbx show demo@corp.example 2>&1 || true)" "no managed account"

# extend --by and --until; the tag at AWS follows; the cap is max_ttl from activation.
before=$(json_get "$demo" 'd["expires_at"]')
out=$(sbx extend "$demoid" --by 2h --json)
assert_eq "$(json_get "$out" 'd["previous_expires_at"]')" "$before"
after=$(json_get "$out" 'd["expires_at"]')
python3 - "$before" "$after" <<'PY'
import datetime, sys
p = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
assert (p(sys.argv[2]) - p(sys.argv[1])).total_seconds() == 7200, sys.argv
PY
assert_eq "$(tag_of "$demoid" sandboxctl:expires)" "$after"
active_at=$(json_get "$demo" 'd["active_at"]')
cap=$(python3 -c 'import datetime, sys; t = datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")) + datetime.timedelta(days=3); print(t.strftime("%Y-%m-%dT%H:%M:%SZ"))' "$active_at")
out=$(sbx extend "$demoid" --until "$cap" --json)
assert_eq "$(json_get "$out" 'd["expires_at"]')" "$cap"
set +e
sbx extend "$demoid" --by 1s 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 2
assert_contains "$(cat "$T/err")" "the latest allowed is $cap"

# An expired account whose nuke has not started yet can be kept.
mkdir -p "$T/hooks/pre-close.d"
printf '#!/bin/sh\nexit 1\n' >"$T/hooks/pre-close.d/50-fail"
chmod 755 "$T/hooks/pre-close.d/50-fail"
sbx close "$train" --yes >/dev/null || true
assert_eq "$(json_get "$(sbx show "$train" --json)" 'd["state"]')" expiring
assert_exit 2 sbx extend "$train" --by 1d 2>/dev/null # closing on request: too late
late=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner late@corp.example \
    --ttl 1h --json)" 'd["account_id"]')
sim_admin POST advance '{"seconds": 3700}' >/dev/null
sbx run >/dev/null || true
show=$(sbx show "$late" --json)
assert_eq "$(json_get "$show" 'd["state"] + " " + d["reason"]')" "expiring expired"
out=$(sbx extend "$late" --by 2h --json)
assert_eq "$(json_get "$out" 'd["state"]')" active
assert_eq "$(json_get "$out" 'd["reason"]')" ""
assert_contains "$(sbx log "$late")" "expiring -> active"
rm "$T/hooks/pre-close.d/50-fail"

# adopt: moved into the kind's OU, or left where it is.
x=$(json_get "$(sim_admin POST accounts '{"Email": "legacy1@corp.example", "Name": "legacy1"}')" 'd["Id"]')
y=$(json_get "$(sim_admin POST accounts '{"Email": "legacy2@corp.example", "Name": "legacy2"}')" 'd["Id"]')
out=$(sbx adopt "$x" --kind training --owner owner1@corp.example --ttl 1d --json)
assert_eq "$(json_get "$out" 'd["adopted"]')" true
assert_eq "$(json_get "$out" 'd["email"]')" legacy1@corp.example
assert_eq "$(parent_name "$x")" Training
assert_eq "$(tag_of "$x" sandboxctl:owner)" owner1@corp.example
sbx adopt "$y" --kind training --owner owner2@corp.example --keep-ou >/dev/null
assert_eq "$(parent_name "$y")" root
d=$(dump)
out=$(sbx adopt 999999999999 --kind training --owner o@corp.example --dry-run 2>&1 || true)
assert_eq "$(dump)" "$d" "adopt --dry-run changed the store"

# run --dry-run reports without changing anything; the real run does it.
sim_admin POST advance '{"seconds": 90000}' >/dev/null # past the adopted account's 1d
d=$(dump)
out=$(json_lines "$(sbx run --dry-run --json)")
assert_eq "$(json_get "$out" 'd[-1]["dry_run"]')" true
assert_eq "$(json_get "$out" 'd[-1]["report"]["expired"] >= 1')" true
assert_eq "$(dump)" "$d" "run --dry-run changed the store"
assert_contains "$(sbx run --dry-run)" "dry run, would do:"
sbx run >/dev/null
assert_eq "$(json_get "$(sbx show "$x" --json)" 'd["state"]')" closing

# log: all, per account, newest N, JSON with hashes.
total=$(json_get "$(sbx log --json)" 'd["count"]')
assert_eq "$(json_get "$(sbx log --limit 3 --json)" 'd["count"]')" 3
assert_eq "$(json_get "$(sbx log --limit 3 --json)" 'd["events"][-1]["seq"]')" "$total"
assert_eq "$(json_get "$(sbx log "$x" --json)" 'sorted(set(e["account_id"] for e in d["events"]))')" "[\"$x\"]"
assert_eq "$(json_get "$(sbx log --json)" 'all(len(e["hash"]) == 64 for e in d["events"])')" true
assert_contains "$(sbx log --verify)" "audit log ok: $total events"
assert_contains "$(sbx quota)" "close quota    250 per rolling 30 days"

# Every command has a usage text in man-page form, and --help prints it.
for c in init create list show extend offboard close adopt run quota log retry; do
    u=$(sbx help "$c")
    assert_contains "$u" "usage: sandboxctl $c"
    assert_eq "$(sbx "$c" --help)" "$u"
done
echo ok
