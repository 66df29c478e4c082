#!/bin/bash
# t0220-quota.sh -- the close quota: with limits.close_quota = 2 (and the simulator enforcing
# 2), a third nuked account waits in close_wait, `quota` shows the quota used, no free slot, the
# queue and when the queued account is expected to close (when the first closure ages out of
# the rolling 30 days); nothing is sent meanwhile; once the window rolls it closes.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise only by the test's advance. AWS's closing rate (one a 20 s:
# the pacing t0296 tests) would hold the second closure until the clock moves: here it is
# lifted, as this test is about the quota.
sim_start_paused --no-throttle --create-latency 10s --close-latency 1m \
    --close-quota 2
write_quota_config Sandboxes/PendingClose
assert_contains "$(sbx init)" "Sandboxes/PendingClose"
epoch() { python3 -c 'import sys, datetime; print(int(datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).timestamp()))' "$1"; }

ids=""
for i in 1 2 3; do
    acct=$(sbx_advancing CreateAccount 60 create --kind demo --owner "user$i@corp.example" --json)
    ids="$ids $(json_get "$acct" 'd["account_id"]')"
done
set -- $ids

q=$(sbx quota --json)
assert_eq "$(json_get "$q" 'd["quota"]')" 2
assert_eq "$(json_get "$q" 'd["quota_source"]')" config
assert_eq "$(json_get "$q" 'd["used"]')" 0
assert_eq "$(json_get "$q" 'd["free"]')" 2

# Close all three: two go, the third waits for a slot. (In two commands: parking is paced,
# and one command closing three spends more than the burst of ListParents the still clock
# grants it, so the third would be parked only by a later step; t0293 tests that.)
out=$(sbx close "$1" "$2" --yes --json)
out3=$(sbx close "$3" --yes --json)
python3 - "$out" "$out3" "$3" <<'PY'
import json, sys
d, d3, third = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
by = {a["account_id"]: a for a in d["accounts"] + d3["accounts"]}
assert by[third]["state"] == "close_wait", by[third]
assert by[third]["outcome"] == "queued", by[third]
assert by[third]["expected_close_at"], by[third]
others = [a for k, a in by.items() if k != third]
assert len(others) == 2 and all(a["state"] == "closing" for a in others), others
assert d["summary"] == {"closing": 2}, d["summary"]
assert d3["summary"] == {"queued": 1}, d3["summary"]
PY
q=$(sbx quota --json)
assert_eq "$(json_get "$q" 'd["used"]')" 2
assert_eq "$(json_get "$q" 'd["free"]')" 0
assert_eq "$(json_get "$q" 'd["in_flight"]')" 2
assert_eq "$(json_get "$q" 'd["queued"]')" 1
assert_eq "$(json_get "$q" 'd["queue"][0]["account_id"]')" "$3"
eta=$(epoch "$(json_get "$q" 'd["queue"][0]["expected_close_at"]')")
slot=$(epoch "$(json_get "$q" 'd["next_slot_at"]')")
assert_eq "$eta" "$slot" "the queued account closes when the oldest closure ages out"
now=$(json_get "$(sim_admin GET clock)" 'int(d["now"])')
assert_eq "$(((eta - now) > 29 * 86400))" 1 "about 30 days from now"
# Waiting for its slot, the nuked account is parked in the locked-down OU.
parent=$(json_get "$(sim_admin GET state)" "[([o['Name'] for o in d['ous'] if o['Id'] == a['ParentId']] or ['root'])[0] for a in d['accounts'] if a['Id'] == '$3'][0]")
assert_eq "$parent" PendingClose
readable=$(sbx quota)
assert_contains "$readable" "free slots     0"
assert_contains "$readable" "$3"

# The first two complete; the third still may not close: nothing is sent for it.
sim_admin POST advance '{"seconds": 120}' >/dev/null
sbx run >/dev/null
sim_admin POST advance '{"seconds": 86400}' >/dev/null
sbx run >/dev/null
st=$(sim_admin GET state)
assert_eq "$(json_get "$st" "[a['CloseCalls'] for a in d['accounts'] if a['Id'] == '$3'][0]")" 0
assert_eq "$(json_get "$(sbx show "$3" --json)" 'd["state"]')" close_wait
assert_eq "$(json_get "$(sbx list --state suspended --json)" 'd["count"]')" 2

# The window rolls: it closes.
sim_admin POST advance "{\"seconds\": $((30 * 86400))}" >/dev/null
sbx run >/dev/null
assert_eq "$(json_get "$(sbx show "$3" --json)" 'd["state"]')" closing
sim_admin POST advance '{"seconds": 120}' >/dev/null
sbx run >/dev/null
assert_eq "$(json_get "$(sbx show "$3" --json)" 'd["state"]')" suspended
st=$(sim_admin GET state)
python3 - "$st" <<'PY'
import json, sys
st = json.loads(sys.argv[1])
members = [a for a in st["accounts"] if a["Id"] != "111111111111"]
assert all(a["CloseCalls"] == 1 for a in members), [(a["Id"], a["CloseCalls"]) for a in members]
assert all(a["State"] in ("CLOSED", "SUSPENDED") for a in members), members
PY
q=$(sbx quota --json)
assert_eq "$(json_get "$q" 'd["used"]')" 1 "the first two aged out of the window"
assert_eq "$(json_get "$q" 'd["queued"]')" 0
sbx log --verify >/dev/null
echo ok
