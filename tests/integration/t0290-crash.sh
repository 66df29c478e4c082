#!/bin/bash
# t0290-crash.sh -- crash safety. Over 24 trials the engine (`run --watch`, a waiting `create`,
# a waiting `close`) is killed with SIGKILL at random points while it creates and closes
# accounts (22 created, 12 closed), with the simulator adding latency and dropping some
# CreateAccount and CloseAccount answers after doing the work (the ambiguous case). Then `run` is
# repeated until nothing is left to do, and the simulator and the store must agree: every
# account created once (no duplicate), every account in the organization known to the store (no
# orphan), no account closed twice (CloseCalls <= 1), states matching, the audit chain intact.
# Finally the store file is deleted: `recover --apply` rebuilds every row from the accounts'
# tags, with AWS's states, and nothing is closed again. The simulator's clock is paused: it moves
# as the killed commands ask the simulator for something (see `killed`), and otherwise only by
# the test's advance; the random point of each kill is a marker chosen at random.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=100 sim_start_paused --no-throttle --create-latency 20s --close-latency 30s --seed 7 --account-limit 1000
write_config 'kinds = {
    crash = {
        ou = "Sandboxes/Crash";
    };
};
hooks = {
    dir = "'"$T"'/hooks";
    timeout = "1m";
    parallel = 4;
    max_attempts = 3;
    retry_backoff = "1m";
};'
sbx init >/dev/null
for ev in post-create pre-close; do
    mkdir -p "$T/hooks/$ev.d"
    cat >"$T/hooks/$ev.d/10-record" <<HOOK
#!/bin/sh
echo "\$\$ \$SANDBOX_EVENT \$SANDBOX_ACCOUNT_ID" >>"$T/hook-starts.log"
# While a kill is aimed (see killed), the hook waits until it is released, so that the kill
# may land while it runs.
i=0
while [ -e "$T/gate" ] && [ ! -e "$T/release.\$\$" ] && [ \$i -lt 6000 ]; do
    sleep 0.05
    i=\$((i + 1))
done
echo "\$SANDBOX_EVENT \$SANDBOX_ACCOUNT_ID" >>"$T/hooks.log"
HOOK
    chmod 755 "$T/hooks/$ev.d/10-record"
done
# Latency on every call widens the windows between a request and its answer; dropped
# CreateAccount and CloseAccount answers (the work did happen) force reconciliation. A dropped
# answer must never make the client send the call again (libcurl re-sends a request by itself
# when a reused connection dies without an answer): the simulator would count a second
# CloseAccount call, and a second CreateAccount would fail CONCURRENT_ACCOUNT_MODIFICATION.
sim_admin POST faults '{"latency_ms": 40, "drop_rate": 0.15, "ops": ["CreateAccount", "CloseAccount"]}' >/dev/null

RANDOM=4242
simlog="$T/sim.err.1"
# nevents -- how many AWS requests (answered or dropped) and clock reads the simulator has
# logged, and how many hooks have started: the moments a kill may follow. nhooks -- how many
# hooks have started.
nhooks() {
    if [ -e "$T/hook-starts.log" ]; then wc -l <"$T/hook-starts.log"; else echo 0; fi
}
nevents() {
    _n=$(awk '/^sandboxctl: sim: / {
        if ($0 ~ /\/__sim\//) { if ($0 ~ / GET \/__sim\/clock$/) n++ }
        else if ($0 ~ /^sandboxctl: sim: ([0-9][0-9][0-9] [A-Za-z]|[A-Za-z]+: executed)/) n++
    } END { print n + 0 }' "$simlog")
    echo $((_n + $(nhooks)))
}
# release -- lets every hook that has started go on
release() {
    [ -e "$T/hook-starts.log" ] || return 0
    while read -r _hpid _; do
        [ -e "$T/release.$_hpid" ] || : >"$T/release.$_hpid"
    done <"$T/hook-starts.log"
}
# killed ARGS... -- starts `sandboxctl ARGS` in the background (the binary itself, not a shell
# function, so the signal reaches it) and SIGKILLs it at a point chosen at random: in one trial
# of three while the first hook it starts runs (a hook started meanwhile waits until it is
# released; if none starts within 40 events, at the 40th), else right after the k-th event
# (k random, 2 to 15; the first is the command's own reading of the clock, before it records
# anything). Hooks not to be killed in are released at once. Meanwhile the clock moves 15 s
# each time there were new events, so a command waiting on the clock goes on. A command that
# ends first saw no kill. Reaps it.
killed() {
    if [ $((RANDOM % 3)) -eq 0 ]; then
        _k=40 _hook=1
    else
        _k=$((2 + RANDOM % 14)) _hook=0
    fi
    _e0=$(nevents)
    _h0=$(nhooks)
    _seen=$_e0
    : >"$T/gate"
    "$SANDBOXCTL" "$@" >/dev/null 2>&1 &
    pid=$!
    _end=$(($(date +%s) + ${SBX_WAIT_BOUND:-300}))
    while kill -0 "$pid" 2>/dev/null; do
        _now=$(nevents)
        if [ "$_now" -ge $((_e0 + _k)) ] || { [ "$_hook" = 1 ] && [ "$(nhooks)" -gt "$_h0" ]; }; then
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        release
        if [ "$_now" -gt "$_seen" ]; then
            sim_advance 15
            _seen=$_now
        fi
        [ "$(date +%s)" -lt "$_end" ] || fail "'sandboxctl $*' neither ended nor reached its kill"
        poll_pause
    done
    wait "$pid" 2>/dev/null || true
    rm -f "$T/gate"
}
active_ids() { json_get "$(sbx list --state active --json)" '" ".join(a["account_id"] for a in d["accounts"])'; }

closes=0
for t in $(seq 1 24); do
    case $((t % 3)) in
    0) killed create --kind crash --owner "u$t@corp.example" ;;
    1) sbx create --kind crash --owner "u$t@corp.example" --no-wait >/dev/null 2>&1 || true
       killed run --watch ;;
    2) if [ "$t" -le 22 ]; then
           sbx create --kind crash --owner "u$t@corp.example" --no-wait >/dev/null 2>&1 || true
       fi
       set -- $(active_ids)
       if [ $# -gt 0 ] && [ "$closes" -lt 12 ]; then
           closes=$((closes + 1))
           killed close "$1" --yes
       fi
       killed run --watch ;;
    esac
    # Now and then the process dies while others are also at work.
    if [ $((t % 5)) -eq 0 ]; then
        "$SANDBOXCTL" run --watch >/dev/null 2>&1 &
        p1=$!
        killed run --watch
        kill -KILL "$p1" 2>/dev/null || true
        wait "$p1" 2>/dev/null || true
    fi
    sim_admin POST advance '{"seconds": 15}' >/dev/null
done
# Make sure at least 12 closures were asked for, even if kills lost some requests.
for i in $(seq 1 60); do
    [ "$(json_get "$(sbx list --all --json)" 'sum(1 for a in d["accounts"] if a["reason"])')" -lt 12 ] || break
    sbx run >/dev/null 2>&1 || true
    set -- $(active_ids)
    [ $# -gt 0 ] || { sim_admin POST advance '{"seconds": 60}' >/dev/null; continue; }
    sbx close "$1" --yes --no-wait >/dev/null
done

# Recovery: no faults, run until nothing is left to do.
sim_admin POST faults '{"latency_ms": 0, "drop_rate": 0}' >/dev/null
for i in $(seq 1 40); do
    sbx run >/dev/null 2>&1 || true
    pending=$(json_get "$(sbx list --json)" 'sum(1 for a in d["accounts"] if a["state"] not in ("active", "suspended"))')
    [ "$pending" -eq 0 ] && break
    sim_admin POST advance '{"seconds": 60}' >/dev/null
done
assert_eq "$pending" 0 "accounts still in flight after recovery: $(sbx list)"

sbx log --verify >/dev/null
python3 - "$(sim_admin GET state)" "$(sbx list --all --json)" "$T/hooks.log" "$(sbx log --json)" <<'PY'
import collections, json, sys
st, listed = json.loads(sys.argv[1]), json.loads(sys.argv[2])
events = collections.Counter(e["event"] for e in json.loads(sys.argv[4])["events"])
rows = listed["accounts"]
members = [a for a in st["accounts"] if a["Id"] != "111111111111"]
by_id = {a["Id"]: a for a in members}

# Enough work happened.
assert len(rows) >= 22, len(rows)
closed = [r for r in rows if r["state"] == "suspended"]
assert len(closed) >= 10, len(closed)

# No duplicate: one account per email at AWS, one successful request per account.
emails = collections.Counter(a["Email"] for a in members)
assert all(n == 1 for n in emails.values()), emails
ok_reqs = collections.Counter(r["Email"] for r in st["create_requests"] if r["State"] == "SUCCEEDED")
assert all(n == 1 for n in ok_reqs.values()), ok_reqs
# No CreateAccount went out twice: a second copy of a request fails at AWS
# (CONCURRENT_ACCOUNT_MODIFICATION while the first runs, EMAIL_ALREADY_EXISTS after).
resent = [r for r in st["create_requests"] if r["State"] == "FAILED"]
assert not resent, resent
# Every store row that reached AWS has its account; every account is in the store (no orphan).
known = {r["account_id"] for r in rows if r["account_id"]}
assert known == set(by_id), (sorted(set(by_id) - known), sorted(known - set(by_id)))
for r in rows:
    if r["state"] in ("active", "suspended"):
        a = by_id[r["account_id"]]
        assert a["Email"] == r["email"], (a, r)
        want = "ACTIVE" if r["state"] == "active" else "CLOSED"
        assert a["State"] == want, (r, a)
    else:
        assert r["state"] == "failed", r
# No double close.
assert all(a["CloseCalls"] <= 1 for a in members), [(a["Id"], a["CloseCalls"]) for a in members]
assert len(st["close_ledger"]) == len(closed), (st["close_ledger"], len(closed))
# Hooks: post-create once per created account (a kill can only repeat an interrupted run).
runs = collections.Counter(tuple(l.split()) for l in open(sys.argv[3]))
for r in rows:
    if r["account_id"]:
        assert runs[("post-create", r["account_id"])] >= 1, r
    if r["state"] == "suspended":
        assert runs[("pre-close", r["account_id"])] >= 1, r
print("crash: %d accounts, %d closed, %d requests, %d closes; repairs: %s" % (
    len(rows), len(closed), len(st["create_requests"]), st["calls"].get("CloseAccount", 0),
    {k: v for k, v in events.items() if k in ("reconciled", "resubmit", "nuke_interrupted",
                                              "close_confirmed", "close_sent")}))
PY

# Then the store itself is lost: `recover --apply` rebuilds every account's row from its tags
# (the store's identity too), with AWS's state, and the passes that follow close nothing again.
# Each active account's new row is tagged; past TagResource's burst the client waits for the
# clock, which moves as the tags go out.
before=$(sim_admin GET state)
rm -f "$T"/store.db*
sbx_advancing TagResource 1 recover --apply --json >"$T/recover.json" 2>"$T/recover.err"
if grep -q "cannot tag its new row" "$T/recover.err"; then
    fail "a restored row was left untagged: $(cat "$T/recover.err")"
fi
for _ in 1 2; do
    sim_admin POST advance '{"seconds": 600}' >/dev/null
    sbx run >/dev/null
done
sbx list --all --json >"$T/rows-recovered.json"
sim_admin GET state >"$T/after.json"
python3 - "$T/recover.json" "$T/rows-recovered.json" "$T/after.json" "$before" <<'PY'
import json, sys
rec = json.load(open(sys.argv[1]))
rows = json.load(open(sys.argv[2]))["accounts"]
after = json.load(open(sys.argv[3]))
before = {a["Id"]: a for a in json.loads(sys.argv[4])["accounts"]}
members = {a["Id"]: a for a in after["accounts"] if a["Id"] != after["organization"]["MasterAccountId"]}
assert rec["summary"] == {"restore": len(members), "known": 0, "differs": 0, "skipped": 0}, rec
by = {r["account_id"]: r for r in rows}
assert set(by) == set(members), (sorted(set(members) - set(by)), sorted(set(by) - set(members)))
for i, a in members.items():
    want = "active" if a["State"] == "ACTIVE" else "suspended"
    assert by[i]["state"] == want, (by[i], a)
    assert a["CloseCalls"] == before[i]["CloseCalls"], (i, a["CloseCalls"], before[i]["CloseCalls"])
print("recover: %d rows rebuilt from the tags" % len(by))
PY
sbx log --verify >/dev/null
echo ok
