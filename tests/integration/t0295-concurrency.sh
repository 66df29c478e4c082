#!/bin/bash
# t0295-concurrency.sh -- two `run --watch` engines and an `offboard` at once, over twelve
# accounts: six of a leaver (closed by the offboard while the engines also work on them) and
# six that warn and expire under the engines. Every hook ran exactly once per account and
# event, every account was closed exactly once, and the audit chain is intact.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start --time-scale 100 --create-latency 30s --close-latency 2m --account-limit 1000
write_config 'kinds = {
    demo = {
        ttl = "3d";
        max_ttl = "3d";
        ou = "Sandboxes/Demos";
        warn = [ "1h" ];
    };
    short = {
        ttl = "4h";
        max_ttl = "1d";
        ou = "Sandboxes/Short";
        warn = [ "1h" ];
    };
};'
sbx init >/dev/null
for ev in post-create expiry-warning pre-close post-close; do
    mkdir -p "$T/hooks/$ev.d"
    cat >"$T/hooks/$ev.d/10-record" <<HOOK
#!/bin/sh
sleep 0.2
echo "\$SANDBOX_EVENT \$SANDBOX_ACCOUNT_ID \$PPID" >>"$T/hooks.log"
HOOK
    chmod 755 "$T/hooks/$ev.d/10-record"
done

for i in 1 2 3 4 5 6; do
    sbx create --kind demo --owner leaver@corp.example --no-wait >/dev/null
    sbx create --kind short --owner "s$i@corp.example" --no-wait >/dev/null
done

"$SANDBOXCTL" run --watch >"$T/w1.out" 2>"$T/w1.err" &
w1=$!
"$SANDBOXCTL" run --watch >"$T/w2.out" 2>"$T/w2.err" &
w2=$!
stop_watchers() {
    kill -TERM "$w1" "$w2" 2>/dev/null || true
    wait "$w1" 2>/dev/null || true
    wait "$w2" 2>/dev/null || true
}
trap 'stop_watchers; _sbx_on_exit' EXIT

count_state() { json_get "$(sbx list --all --json)" "sum(1 for a in d['accounts'] if a['state'] == '$1')"; }
# wait_for STATE N SECONDS [NUDGE] -- until N accounts are in STATE, moving the simulated clock
# on by NUDGE seconds (default 0) each half second.
wait_for() {
    for _ in $(seq 1 "$(($3 * 2))"); do
        [ "$(count_state "$1")" -ge "$2" ] && return 0
        [ "${4:-0}" -eq 0 ] || sim_admin POST advance "{\"seconds\": $4}" >/dev/null
        sleep 0.5
    done
    fail "only $(count_state "$1") of $2 accounts became $1: $(sbx list --all)"
}
warnings() { grep -c '^expiry-warning ' "$T/hooks.log" 2>/dev/null || true; }
wait_for active 12 120

# The leaver goes while both engines run; the short-lived accounts warn and expire meanwhile.
"$SANDBOXCTL" offboard leaver@corp.example --yes --json >"$T/off.json" 2>"$T/off.err" &
off=$!
sim_admin POST advance '{"seconds": 11100}' >/dev/null # past the 1h warning of the short ones
set +e
wait "$off"
offrc=$?
set -e
assert_eq "$offrc" 0 "offboard: $(cat "$T/off.err")"
for _ in $(seq 1 240); do
    [ "$(warnings)" -ge 6 ] && break
    sleep 0.5
done
assert_eq "$(warnings)" 6 "each short account warned"
sim_admin POST advance '{"seconds": 3700}' >/dev/null # past their expiry
wait_for suspended 12 150 20
# The post-close hooks run after the state changes: wait until all twelve have written.
post_closes() { grep -c '^post-close ' "$T/hooks.log" 2>/dev/null || true; }
for _ in $(seq 1 240); do
    [ "$(post_closes)" -ge 12 ] && break
    sleep 0.5
done
stop_watchers
trap _sbx_on_exit EXIT

python3 - "$(sim_admin GET state)" "$(sbx list --all --json)" "$T/hooks.log" <<'PY'
import collections, json, sys
st, listed = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = listed["accounts"]
runs = collections.Counter(tuple(l.split()[:2]) for l in open(sys.argv[3]))
runners = collections.defaultdict(set)
for l in open(sys.argv[3]):
    ev, acct, ppid = l.split()
    runners[ev].add(ppid)
accts = {a["Id"]: a for a in st["accounts"]}
assert len(rows) == 12, len(rows)
for r in rows:
    i = r["account_id"]
    assert r["state"] == "suspended", r
    want = {"post-create": 1, "pre-close": 1, "post-close": 1,
            "expiry-warning": 1 if r["kind"] == "short" else 0}
    for ev, n in want.items():
        assert runs[(ev, i)] == n, (ev, i, runs[(ev, i)], r)
    assert accts[i]["CloseCalls"] == 1, (i, accts[i]["CloseCalls"])
    assert accts[i]["State"] == "CLOSED", accts[i]
assert sum(runs.values()) == 12 * 3 + 6, runs
# The work was really shared: more than one process ran hooks.
assert len(set().union(*runners.values())) >= 2, runners
print("concurrency: hooks by %d processes" % len(set().union(*runners.values())))
PY
off=$(cat "$T/off.json")
assert_eq "$(json_get "$off" 'd["ok"]')" true
assert_eq "$(json_get "$off" 'len(d["accounts"])')" 6
sbx log --verify >/dev/null
echo ok
