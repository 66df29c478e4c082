#!/bin/bash
# t0500-pool.sh -- a kind's warm pool: `run` fills it with fresh accounts (no owner, in the
# pool OU), `create` hands one over in seconds (moved, tagged with owner and expiry, post-create
# hook), `run` refills it, two concurrent creates never get the same pool account, and a
# create killed in the middle of a hand-over is finished by `run`. The simulator's clock is
# paused: only the test moves it.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 60s
KINDS='kinds = {
    demo = {
        ttl = "8h";
        max_ttl = "3d";
        ou = "Sandboxes/Demos";
        pool = { size = 2; ou = "Sandboxes/Pool"; };
    };
    training = { ttl = "3d"; ou = "Sandboxes/Training"; };
};'
write_config "$KINDS"
mkdir -p "$T/hooks/post-create.d"
cat >"$T/hooks/post-create.d/10-record" <<EOF
#!/bin/sh
echo "post-create \$SANDBOX_ACCOUNT_ID \$SANDBOX_OWNER" >>"$T/hooks.log"
if [ -e "$T/hook-block" ]; then
    echo \$\$ >"$T/hook-pid"
    : >"$T/hook-started"
    exec sleep 600
fi
EOF
chmod 755 "$T/hooks/post-create.d/10-record"

count_state() { json_get "$(sbx list --state "$1" --json)" "len([a for a in d['accounts'] if a['owner'] == ''])"; }
# fill -- runs the engine until the demo pool holds $1 ready accounts.
fill() {
    for _ in $(seq 1 40); do
        sbx run --once >/dev/null 2>&1 || sbx run --once
        [ "$(count_state pooled)" -ge "$1" ] && return 0
        sim_admin POST advance '{"seconds": 20}' >/dev/null
    done
    fail "the pool did not reach $1 ready accounts"
}

sbx init --json >/dev/null

# run requests the pool (no owner), creates it, parks it in the pool OU.
fill 2
pool=$(sbx list --state pooled --json)
assert_eq "$(json_get "$pool" 'len(d["accounts"])')" 2
metrics=$(sbx metrics)
assert_contains "$metrics" 'sandboxctl_pool_size{kind="demo"} 2'
assert_contains "$metrics" 'sandboxctl_pool_size{kind="training"} 0'
assert_contains "$metrics" 'sandboxctl_accounts{state="pooled",kind="demo"} 2'
python3 - "$(sim_admin GET state)" "$pool" <<'PY'
import json, sys
st, pool = json.loads(sys.argv[1]), json.loads(sys.argv[2])["accounts"]
for p in pool:
    a = [x for x in st["accounts"] if x["Id"] == p["account_id"]][0]
    ou = [o for o in st["ous"] if o["Id"] == a["ParentId"]]
    assert ou and ou[0]["Name"] == "Pool", (a["ParentId"], st["ous"])
    tags = {t["Key"]: t["Value"] for t in a["Tags"]}
    assert tags.get("managed-by") == "sandboxctl", tags
    assert "sandboxctl:owner" not in tags, tags
    assert tags.get("sandboxctl:kind") == "demo", tags
PY
[ ! -e "$T/hooks.log" ] || fail "post-create hooks ran for a pool account"
# Each pool request is audited as one: kind, pool, email and name; no owner, no ttl.
python3 - "$(sbx log --json)" <<'PY'
import json, sys
rows = [r for r in json.loads(sys.argv[1])["events"] if r["event"] == "requested"]
assert len(rows) == 2, rows
for r in rows:
    d = r["detail"]
    assert list(d) == ["kind", "pool", "email", "name"], d
    assert d["kind"] == "demo" and d["pool"] == "true", d
PY
# A full pool requests nothing more.
sbx run --once >/dev/null
assert_eq "$(count_state requested)" 0 "no request beyond the pool's size"

# create takes a ready pool account: no CreateAccount, so nothing to wait for (how fast that is
# in simulated seconds is measured by tests/bench/pool-bench.sh, not here).
creates=$(json_get "$(sim_admin GET state)" 'len(d["create_requests"])')
acct=$(sbx create --kind demo --owner alice@corp.example --json)
assert_eq "$(json_get "$(sim_admin GET state)" 'len(d["create_requests"])')" "$creates" \
    "CreateAccount requests after a hand-over from the pool"
assert_eq "$(json_get "$acct" 'd["state"]')" active
assert_eq "$(json_get "$acct" 'd["owner"]')" alice@corp.example
id=$(json_get "$acct" 'd["account_id"]')
assert_contains "$(json_get "$pool" '" ".join(a["account_id"] for a in d["accounts"])')" "$id" "a pool account"
assert_eq "$(grep -c "^post-create $id alice@corp.example" "$T/hooks.log")" 1 "post-create once"
python3 - "$(sim_admin GET state)" "$id" <<'PY'
import json, sys
st, acct = json.loads(sys.argv[1]), sys.argv[2]
a = [x for x in st["accounts"] if x["Id"] == acct][0]
ou = [o for o in st["ous"] if o["Id"] == a["ParentId"]]
assert ou and ou[0]["Name"] == "Demos", (a["ParentId"], st["ous"])
tags = {t["Key"]: t["Value"] for t in a["Tags"]}
assert tags.get("sandboxctl:owner") == "alice@corp.example", tags
assert tags.get("sandboxctl:expires", "").endswith("Z"), tags
PY
assert_contains "$(sbx log "$id")" "handed_over"
# A kind without a pool creates as before.
tr=$(sbx create --kind training --owner bob@corp.example --no-wait --json)
assert_eq "$(json_get "$tr" 'd["account_id"]')" null
assert_contains "requested creating" "$(json_get "$tr" 'd["state"]')"

# run refills the pool.
fill 2
assert_eq "$(count_state pooled)" 2

# Two concurrent creates against one ready pool account: never the same account.
lp=$(sbx list --pool --json)
assert_eq "$(json_get "$lp" '[a["state"] for a in d["accounts"]]')" '["pooled", "pooled"]' "list --pool"
assert_exit 2 sbx list --pool --owner alice@corp.example
q=$(sbx quota --json)
assert_eq "$(json_get "$q" '[(p["kind"], p["size"], p["ready"], p["surplus_to_close"]) for p in d["pools"]]')" \
    '[["demo", 2, 2, 0]]'
# Shrinking the pool: quota says what will close before `run` closes it.
sed -i 's/size = 2;/size = 1;/' "$SANDBOXCTL_CONFIG"
q=$(sbx quota --json)
assert_eq "$(json_get "$q" '[(p["kind"], p["size"], p["ready"], p["surplus_to_close"]) for p in d["pools"]]')" \
    '[["demo", 1, 2, 1]]'
assert_contains "$(sbx quota)" "1 surplus account will close at the next run (counts against the close quota)"
sbx run --once >/dev/null # closes the surplus
assert_eq "$(count_state pooled)" 1 "the surplus left the pool"
assert_eq "$(json_get "$(sbx list --all --json)" "[a['state'] in ('expiring', 'nuking', 'close_wait', 'closing') for a in d['accounts'] if a['reason'] == 'pool_shrunk']")" "[true]" \
    "the surplus closes through the normal path"
sbx create --kind demo --owner carol@corp.example --no-wait --json >"$T/c1" &
p1=$!
sbx create --kind demo --owner dave@corp.example --no-wait --json >"$T/c2" &
p2=$!
wait $p1
wait $p2
python3 - "$T/c1" "$T/c2" "$(sbx list --all --json)" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["id"] != b["id"], (a, b)
rows = json.loads(sys.argv[3])["accounts"]
owners = {}
for r in rows:
    if r["account_id"]:
        owners.setdefault(r["account_id"], set()).add(r["owner"])
assert all(len(o) == 1 for o in owners.values()), owners
handed = [x for x in (a, b) if x["account_id"]]
assert len(handed) == 1, (a, b)  # one got the pool account, the other a new request
PY
for _ in $(seq 1 20); do
    sbx run --once >/dev/null
    n=$(json_get "$(sbx list --state active --json)" "len([a for a in d['accounts'] if a['owner'] in ('carol@corp.example', 'dave@corp.example')])")
    [ "$n" = 2 ] && break
    sim_admin POST advance '{"seconds": 20}' >/dev/null
done
assert_eq "$n" 2 "both creates end active"

# Crash in the middle of a hand-over (after the owner was assigned, while post-create hooks
# run): `run` finishes it; the account is the owner's, not the pool's, and active.
fill 1
ready=$(json_get "$(sbx list --state pooled --json)" 'd["accounts"][0]["account_id"]')
: >"$T/hook-block"
"$SANDBOXCTL" create --kind demo --owner erin@corp.example --json >"$T/c3" 2>&1 &
cp=$!
wait_for "the hook to start" test -e "$T/hook-started"
[ -e "$T/hook-started" ] || fail "the hand-over's hook never started"
kill -KILL "$cp"
wait "$cp" 2>/dev/null || true
kill -KILL "$(cat "$T/hook-pid")" 2>/dev/null || true
rm -f "$T/hook-block"
row=$(sbx show "$ready" --json)
assert_eq "$(json_get "$row" 'd["owner"]')" erin@corp.example "the owner was assigned"
assert_eq "$(json_get "$row" 'd["state"]')" creating
sbx run --once >/dev/null
row=$(sbx show "$ready" --json)
assert_eq "$(json_get "$row" 'd["state"]')" active "run finished the hand-over"
assert_eq "$(json_get "$row" 'd["owner"]')" erin@corp.example
