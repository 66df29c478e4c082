#!/bin/bash
# t0403-class-resume-kill.sh -- `class create` killed with SIGKILL mid-provisioning, then
# `class resume`: every seat ends active with exactly one account, nothing created twice.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start --time-scale 200 --account-limit 1000
write_config
sbx init >/dev/null

for trial in 1 2 3; do
    # Paused, the simulator finishes no creation: `class create` submits a few (the client's
    # burst of three) and waits, so it is certainly killed mid-provisioning.
    sim_admin POST pause >/dev/null
    sbx class create "kill$trial" --seats 12 --owner prof@uni.example --json >/dev/null 2>&1 &
    pid=$!
    want=$(((trial - 1) * 12 + 3))
    tries=0
    while [ "$(json_get "$(sim_admin GET state)" 'len(d["create_requests"])')" -lt "$want" ]; do
        kill -0 "$pid" 2>/dev/null || fail "trial $trial: class create ended before submitting 3 creations"
        tries=$((tries + 1))
        [ "$tries" -le 1200 ] || fail "trial $trial: class create did not submit 3 creations in 2 minutes"
        sleep 0.1
    done
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    sim_admin POST resume >/dev/null
    mid=$(sbx class show "kill$trial" --json)
    [ "$(json_get "$mid" 'd["class"]["counts"]["active"]')" -lt 12 ] ||
        fail "trial $trial: killed too late to test anything"
    res=$(sbx class resume "kill$trial" --json)
    assert_eq "$(json_get "$res" 'd["class"]["state"]')" ready "trial $trial"
    assert_eq "$(json_get "$res" 'd["class"]["counts"]["active"]')" 12 "trial $trial"
done

state=$(sim_admin GET state)
all=$(sbx list --all --json)
python3 - "$state" "$all" <<'PY'
import collections, json, sys
sim, listed = json.loads(sys.argv[1]), json.loads(sys.argv[2])
accts = listed["accounts"] if isinstance(listed, dict) else listed
reqs = sim["create_requests"]
emails = collections.Counter(r["Email"] for r in reqs)
dups = [e for e, n in emails.items() if n > 1]
assert not dups, "CreateAccount sent twice for %s" % dups
members = [a for a in sim["accounts"] if a["Id"] != "111111111111"]
assert len(members) == 36, "accounts at AWS: %d" % len(members)
ours = {a["account_id"] for a in accts if a.get("account_id")}
orphans = [a["Id"] for a in members if a["Id"] not in ours]
assert not orphans, "orphans: %s" % orphans
seats = collections.Counter((a["class"], a["seat"]) for a in accts if a["state"] == "active")
assert len(seats) == 36 and max(seats.values()) == 1, seats
PY
sbx log --verify >/dev/null
echo ok
