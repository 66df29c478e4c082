#!/bin/bash
# t0403-class-resume-kill.sh -- `class create` killed with SIGKILL mid-provisioning, then
# `class resume`: every seat ends active with exactly one account, nothing created twice. The
# simulator's clock is paused; where the kill lands is chosen at random for each trial from
# markers the simulator shows: after the n-th CreateAccount of the first burst (n from 1 to 3,
# while the burst is being sent or once it waits for the next token), or, the clock moved 10 s
# each time the command waits, after the n-th creation polled as done or the n-th seat tagged.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --account-limit 1000
write_config
sbx init >/dev/null

seed=${SBX_TEST_SEED:-$RANDOM}
echo "seed $seed (SBX_TEST_SEED=$seed repeats these kill points)"
RANDOM=$seed
for trial in 1 2 3; do
    n=$((RANDOM % 3 + 1))
    case $((RANDOM % 3)) in
    0) op=CreateAccount ;;
    1) op=DescribeCreateAccountStatus ;;
    *) op=TagResource ;;
    esac
    before=$(sim_calls "$op")
    echo "trial $trial: kill after $op #$n"
    "$SANDBOXCTL" class create "kill$trial" --seats 12 --owner prof@uni.example --json >/dev/null 2>&1 &
    pid=$!
    reads=$(sim_calls clock)
    end=$(($(date +%s) + ${SBX_WAIT_BOUND:-300}))
    until [ "$(sim_calls "$op")" -ge $((before + n)) ]; do
        kill -0 "$pid" 2>/dev/null || fail "trial $trial: class create ended before $op #$n"
        [ "$(date +%s)" -lt "$end" ] || fail "trial $trial: waited ${SBX_WAIT_BOUND:-300} s for $op #$n"
        if [ "$op" != CreateAccount ] && [ "$(sim_calls clock)" -gt "$reads" ]; then
            sim_advance 10 # the command waits for the clock
            reads=$(sim_calls clock)
        fi
        poll_pause
    done
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    mid=$(sbx class show "kill$trial" --json)
    [ "$(json_get "$mid" 'd["class"]["counts"]["active"]')" -lt 12 ] ||
        fail "trial $trial: killed too late to test anything"
    res=$(sbx_advancing clock 10 class resume "kill$trial" --json)
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
