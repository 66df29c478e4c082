#!/bin/bash
# t0052-sim-restart.sh -- `sandboxctl sim --state FILE`: a stopped or crashed simulator
# restarts where it was: organization, requests in flight, closures, the close ledger,
# sessions, the clock (a paused one stands where it stood; a running one keeps its pace while
# the simulator is down), ids never reused. Parts 1 to 3 run on a paused clock that only the
# test's `advance` moves.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# same DUMP1 DUMP2 [KEYS_TO_IGNORE...] -- the two state dumps agree except on the keys named
same() {
    python3 - "$@" <<'EOF'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for k in ["now"] + sys.argv[3:]:
    a.pop(k, None)
    b.pop(k, None)
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("differs:", k, json.dumps(a.get(k))[:400], "!=", json.dumps(b.get(k))[:400])
    sys.exit(1)
EOF
}

opts="--paused --no-throttle --create-latency 120 --close-latency 600 --seed 5"
# shellcheck disable=SC2086
sim_start $opts
root=$(json_get "$(sim_call ListRoots | cut -d' ' -f2-)" 'd["Roots"][0]["Id"]')
ou=$(json_get "$(sim_call CreateOrganizationalUnit "{\"ParentId\":\"$root\",\"Name\":\"Sandboxes\"}" | cut -d' ' -f2-)" 'd["OrganizationalUnit"]["Id"]')
for i in 1 2; do
    sim_call CreateAccount "{\"Email\":\"r$i@example.com\",\"AccountName\":\"r$i\"}" >/dev/null
done
sim_admin POST advance '{"seconds": 120}' >/dev/null
state=$(sim_admin GET state)
a1=$(json_get "$state" 'd["accounts"][1]["Id"]')
a2=$(json_get "$state" 'd["accounts"][2]["Id"]')
car=$(json_get "$(sim_call CreateAccount '{"Email":"r3@example.com","AccountName":"r3"}' | cut -d' ' -f2-)" 'd["CreateAccountStatus"]["Id"]')
assert_eq "$(sim_call CloseAccount "{\"AccountId\":\"$a1\"}")" "200 "
sim_call TagResource "{\"ResourceId\":\"$a2\",\"Tags\":[{\"Key\":\"owner\",\"Value\":\"dev1\"}]}" >/dev/null
sim_call MoveAccount "{\"AccountId\":\"$a2\",\"SourceParentId\":\"$root\",\"DestinationParentId\":\"$ou\"}" >/dev/null
out=$(sim_call sts:AssumeRole "RoleArn=arn%3Aaws%3Aiam%3A%3A$a2%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=keep")
tag() { printf '%s\n' "$1" | sed -n "s|.*<$2>\([^<]*\)</$2>.*|\1|p"; }
akid=$(tag "$out" AccessKeyId)
secret=$(tag "$out" SecretAccessKey)
token=$(tag "$out" SessionToken)
before=$(sim_admin GET state)
t_before=$(json_get "$before" 'd["now"]')

# 1. Clean stop (SIGTERM) and restart: everything, counters included, is as it was.
sim_stop
# shellcheck disable=SC2086
sim_start $opts
after=$(sim_admin GET state)
same "$before" "$after" || fail "state changed across a clean restart"
t_after=$(json_get "$after" 'd["now"]')
assert_eq "$t_after" "$t_before" "the paused clock across a restart"
assert_eq "$(json_get "$after" 'd["roots"][0]["Id"]')" "$root"
# The creation in flight finishes on time, the closure completes, the session still works.
sim_admin POST advance '{"seconds": 120}' >/dev/null
out=$(sim_call DescribeCreateAccountStatus "{\"CreateAccountRequestId\":\"$car\"}")
assert_contains "$out" '"State":"SUCCEEDED"'
sim_admin POST advance '{"seconds": 600}' >/dev/null
out=$(sim_call DescribeAccount "{\"AccountId\":\"$a1\"}")
assert_contains "$out" '"Status":"SUSPENDED"'
out=$(SIM_CALL_KEY=$akid SIM_CALL_SECRET=$secret SIM_CALL_TOKEN=$token sim_call sts:GetCallerIdentity)
assert_contains "$out" "<Account>$a2</Account>"
out=$(sim_call ListParents "{\"ChildId\":\"$a2\"}")
assert_contains "$out" "\"Id\":\"$ou\""

# 2. Crash (SIGKILL) right after a mutation: it was written through.
sim_call TagResource "{\"ResourceId\":\"$a2\",\"Tags\":[{\"Key\":\"after-crash\",\"Value\":\"yes\"}]}" >/dev/null
sim_admin POST accounts '{"Email":"invited@example.com","Name":"Invited"}' >/dev/null
before=$(sim_admin GET state)
sim_kill
# shellcheck disable=SC2086
sim_start $opts
after=$(sim_admin GET state)
same "$before" "$after" calls || fail "state changed across a crash"
out=$(sim_call ListTagsForResource "{\"ResourceId\":\"$a2\"}")
assert_contains "$out" '"Key":"after-crash"'

# 3. Ids are never reused: a new account after the restarts gets a fresh id.
sim_call CreateAccount '{"Email":"r4@example.com","AccountName":"r4"}' >/dev/null
sim_admin POST advance '{"seconds": 120}' >/dev/null
state=$(sim_admin GET state)
assert_eq "$(json_get "$state" 'len(set(a["Id"] for a in d["accounts"])) == len(d["accounts"])')" true
assert_eq "$(json_get "$state" 'len(d["accounts"])')" 6
assert_eq "$(json_get "$state" 'len(d["create_requests"])')" 4
assert_eq "$(json_get "$state" 'len(d["close_ledger"])')" 1
sim_stop

# 4. A scaled clock keeps its pace while the simulator is down. The downtime is not waited
# out: while the simulator is stopped, its saved wall-clock anchor is moved an hour back, which
# is what an hour of downtime looks like to the restart. Between the two clock reads passed
# that hour plus at least the real time from just after the first read to just before the
# second, and at most the hour plus the real time around both reads (all x100).
rm -f "$T"/sim.db*
sim_start --time-scale 100
down=3600
r1=$(date +%s.%N)
c1=$(json_get "$(sim_admin GET clock)" 'd["now"]')
r1b=$(date +%s.%N)
sim_stop
sqlite3 "$T/sim.db" "UPDATE sim_state SET state = json_set(state, '\$.internal.clock.wall',
    json_extract(state, '\$.internal.clock.wall') - $down) WHERE id = 1;"
sim_start --time-scale 100
r2a=$(date +%s.%N)
c2=$(json_get "$(sim_admin GET clock)" 'd["now"]')
r2=$(date +%s.%N)
assert_eq "$(python3 -c "print(100 * ($down + $r2a - $r1b) <= $c2 - $c1 <= 100 * ($down + $r2 - $r1))")" True "scaled clock across an hour's downtime ($c1 -> $c2 in $r1 .. $r1b -> $r2a .. $r2)"
sim_stop

# 5. A state file from a newer sandboxctl is refused, not overwritten.
sqlite3 "$T/sim.db" 'PRAGMA user_version = 99;'
assert_exit 4 env -u SANDBOXCTL_CONFIG "$SANDBOXCTL" sim --listen 127.0.0.1:0 --state "$T/sim.db" -q
