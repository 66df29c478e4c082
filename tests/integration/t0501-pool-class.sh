#!/bin/bash
# t0501-pool-class.sh -- `class create` takes seats from the kind's warm pool first and creates
# the rest, pipelined as before: every seat active once, in the kind's OU, tagged with the
# class and owner; no pool account handed out twice, no creation beyond the seats. The
# simulator's clock is paused: only the test moves it (10 s each time `class create` waits).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --account-limit 1000
write_config 'kinds = {
    training = {
        ttl = "3d";
        max_ttl = "14d";
        ou = "Sandboxes/Training";
        pool = { size = 3; };
    };
};'
sbx init >/dev/null
count_pooled() { json_get "$(sbx list --pool --state pooled --json)" 'd["count"]'; }
for _ in $(seq 1 40); do
    sbx run --once >/dev/null
    [ "$(count_pooled)" = 3 ] && break
    sim_admin POST advance '{"seconds": 20}' >/dev/null
done
assert_eq "$(count_pooled)" 3 "the pool is ready"
pool=$(sbx list --pool --json)

sbx_advancing clock 10 class create lab-1 --seats 5 --owner prof@uni.example --ttl 2d >"$T/create.out" 2>"$T/create.err"
assert_contains "$(cat "$T/create.out")" "class lab-1 (training): ready, 5 seats"
show=$(sbx class show lab-1 --json)
assert_eq "$(json_get "$show" 'd["class"]["counts"]["active"]')" 5
python3 - "$(sim_admin GET state)" "$show" "$pool" <<'PY'
import json, sys
sim, show, pool = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
reqs = sim["create_requests"]
assert len(reqs) == 5, "CreateAccount requests: %d (3 for the pool, 2 for the class)" % len(reqs)
pooled = {a["account_id"] for a in pool["accounts"]}
seats = [s["account_id"] for s in show["seats"]]
assert len(set(seats)) == 5, seats
assert len(pooled & set(seats)) == 3, (pooled, seats)
accts = {a["Id"]: a for a in sim["accounts"]}
ous = {o["Id"]: o["Name"] for o in sim["ous"]}
for s in show["seats"]:
    a = accts[s["account_id"]]
    assert ous[a["ParentId"]] == "Training", (s, a["ParentId"])
    tags = {t["Key"]: t["Value"] for t in a["Tags"]}
    assert tags.get("sandboxctl:owner") == "prof@uni.example", tags
    assert "lab-1" in tags.values(), tags
PY
assert_eq "$(count_pooled)" 0 "the pool was used first"
