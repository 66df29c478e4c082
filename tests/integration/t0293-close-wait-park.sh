#!/bin/bash
# t0293-close-wait-park.sh -- organization.close_wait_ou: an account nuked while MoveAccount is
# refused, or paced, is not left where it was: later steps move every account that waits for
# a close slot to the wait OU (but not one someone moved elsewhere meanwhile), within MoveAccount's pacing (a burst of 3 a process on the
# still clock), before its CloseAccount is sent; an account parked once costs no more
# ListParents or MoveAccount on later steps (the drift scan, which looks at every account's
# place at its own interval, is off here).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s --close-latency 1m --close-quota 2 \
    --account-limit 20
# config WAIT_OU -- the test's configuration, the drift scan off (it looks at every account's
# place at its own interval).
config() {
    write_quota_config "$1" 'engine = {
    drift_interval = "0s";
};'
}
config Sandboxes/PendingClose
sbx init >/dev/null

ids=""
for i in 1 2 3 4 5 6 7 8 9 10; do
    acct=$(sbx_advancing CreateAccount 60 create --kind demo --owner "user$i@corp.example" --json)
    ids="$ids $(json_get "$acct" 'd["account_id"]')"
done
set -- $ids

# parent ID: the name of the OU the simulator has the account in.
parent() {
    json_get "$(sim_admin GET state)" "[([o['Name'] for o in d['ous'] if o['Id'] == a['ParentId']] or ['root'])[0] for a in d['accounts'] if a['Id'] == '$1'][0]"
}
state() {
    json_get "$(sbx show "$1" --json)" 'd["state"]'
}

# The first two use up the close quota for 30 days.
sbx close "$1" "$2" --yes >/dev/null
sim_advance 120
sbx run >/dev/null
assert_eq "$(json_get "$(sbx list --state suspended --json)" 'd["count"]')" 2
shift 2
waiting="$*"

# Eight nuked while MoveAccount is refused: none moved, every one queued. Each run tries the
# ones not tried yet first (MoveAccount's burst is spent on refusals); each account's refusal
# is reported once, however many runs try it again.
sim_admin POST faults '{"deny_ops": ["MoveAccount"], "deny_format": "json"}' >/dev/null
sbx close $waiting --yes >/dev/null 2>"$T/refused.err"
for i in 1 2 3; do
    sbx run >/dev/null 2>>"$T/refused.err"
done
for id in $waiting; do
    assert_eq "$(state "$id")" close_wait "$id waits for a close slot"
    assert_eq "$(parent "$id")" Demos "$id not moved while MoveAccount is refused"
    assert_eq "$(grep -c "$id: cannot move it to .*'Sandboxes/PendingClose'" "$T/refused.err")" 1 \
        "$id: the refusal reported once"
    assert_contains "$(json_get "$(sbx show "$id" --json)" 'd["last_error"]')" AccessDenied
done

# The refusal lifted, and someone keeps one of them: moved to Production while it waited. It is
# not fetched back into the wait OU (it would then close from there); it is refused as moved,
# as the close itself would refuse it. Each run moves as many as MoveAccount's burst allows (3)
# and leaves the rest for the next run; three runs move the other seven.
sim_admin POST faults '{"deny_ops": []}' >/dev/null
prod=$(sim_new_ou Production)
kept=$1
shift
waiting="$*"
sim_move "$kept" "$(sim_ou_id Demos)" "$prod"
moves=$(sim_calls MoveAccount)
sbx run >/dev/null
assert_eq "$(($(sim_calls MoveAccount) - moves))" 3 "one burst of MoveAccount in the first run"
sbx run >/dev/null
sbx run >/dev/null
assert_eq "$(parent "$kept")" Production "the kept account left where its keeper put it"
assert_eq "$(state "$kept")" protected "the kept account refused"
assert_contains "$(json_get "$(sbx show "$kept" --json)" 'd["last_error"]')" "moved to $prod by someone else"
for id in $waiting; do
    assert_eq "$(state "$id")" close_wait "$id still waits for a close slot"
    assert_eq "$(parent "$id")" PendingClose "$id moved to the wait OU"
    assert_eq "$(json_get "$(sbx show "$id" --json)" 'd["last_error"]')" "" "$id: the refusal is over"
done
assert_eq "$(($(sim_calls MoveAccount) - moves))" 7 "one MoveAccount per waiting account"

# Parked accounts cost nothing more, however many runs follow; the refused one is looked at
# again after an hour (one ListParents: still in Production, still refused).
calls=$(sim_calls ListParents+MoveAccount)
sbx run >/dev/null
sim_advance 3600
sbx run >/dev/null
sbx run >/dev/null
assert_eq "$(sim_calls ListParents+MoveAccount)" "$((calls + 1))" "no ListParents or MoveAccount for parked accounts"
assert_eq "$(state "$kept")" protected "the kept account still refused"

# A new process learns nothing from memory: the store says who is parked (one audit event
# each, however many runs tried).
for id in $waiting; do
    n=$(json_get "$(sbx log "$id" --json)" 'sum(1 for e in d["events"] if e["event"] == "parked")')
    assert_eq "$n" 1 "$id: one parked event"
done

# The window rolls: two close, from the wait OU, once each.
sim_advance 30d
sbx run >/dev/null
sim_advance 120
sbx run >/dev/null
st=$(sim_admin GET state)
python3 - "$st" $waiting <<'PY'
import json, sys
st = json.loads(sys.argv[1])
waiting = set(sys.argv[2:])
ous = {o["Id"]: o["Name"] for o in st["ous"]}
closed = [a for a in st["accounts"] if a["Id"] in waiting and a["CloseCalls"] > 0]
assert len(closed) == 2, [(a["Id"], a["CloseCalls"]) for a in closed]
for a in closed:
    assert a["CloseCalls"] == 1, a
    assert ous.get(a["ParentId"]) == "PendingClose", a
PY

# Another wait OU in the configuration: the five still waiting move there (three a run); the
# old wait OU is where sandboxctl put them, so they are not taken for moved by someone else.
# The drift scan is on for it, and runs before the step notices the change: the accounts in
# the old wait OU are not taken for moved (the refused one is the protected phase's to see).
write_quota_config Sandboxes/Closing
out=$(json_lines "$(sbx run --json)")
assert_eq "$(json_get "$out" 'd[-1]["drift"]["scanned"] >= 5')" true "the drift scan looked at the waiting accounts"
assert_eq "$(json_get "$out" 'd[-1]["drift"]["moved"]')" 0 "accounts in the old wait OU taken for moved"
sbx run >/dev/null
for id in $waiting; do
    if [ "$(state "$id")" = close_wait ]; then
        assert_eq "$(parent "$id")" Closing "$id moved to the new wait OU"
    fi
done
assert_eq "$(json_get "$(sbx list --state close_wait --json)" 'd["count"]')" 5
sbx log --verify >/dev/null
echo ok
