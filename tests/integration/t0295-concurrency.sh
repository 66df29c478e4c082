#!/bin/bash
# t0295-concurrency.sh -- two `run --watch` engines and an `offboard` at once, over twelve
# accounts: six of a leaver (closed by the offboard while the engines also work on them) and
# six that warn and expire under the engines. Every hook ran exactly once per account and
# event, every account was closed exactly once, and the audit chain is intact.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# The simulator's clock is paused: it moves only when the test advances it, each time the
# simulator has answered another request of the kind that waits for the clock (see
# drive_until), so no phase depends on how fast the machine is. --no-throttle: the simulator's
# own token buckets would not refill on a paused clock (sandboxctl still paces its calls).
SIM_SCALE=100 sim_start_paused --no-throttle --create-latency 30s --close-latency 2m \
    --account-limit 1000
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
at_least() { [ "$("$1")" -ge "$2" ]; }
in_state() { [ "$(count_state "$1")" -ge "$2" ]; }
# calls OP... -- how many requests of these operations the simulator has answered.
calls() { json_get "$(sim_admin GET state)" "sum(d['calls'].get(o, 0) for o in '$*'.split())"; }
# drive_until SECS OPS WHAT CMD... -- until CMD succeeds, advance the clock by SECS at once and
# then each time the simulator has answered more requests of OPS (space-separated) than when it
# last looked: the engines pace their calls and wait for creations and closures on the
# simulated clock.
drive_until() {
    _du_secs=$1 _du_ops=$2 _du_what=$3
    shift 3
    _du_seen=$(calls "$_du_ops")
    sim_advance "$_du_secs"
    _du_end=$(($(date +%s) + ${SBX_WAIT_BOUND:-300}))
    until "$@" >/dev/null 2>&1; do
        _du_now=$(calls "$_du_ops")
        if [ "$_du_now" -gt "$_du_seen" ]; then
            sim_advance "$_du_secs"
            _du_seen=$_du_now
        fi
        [ "$(date +%s)" -lt "$_du_end" ] || fail "waited ${SBX_WAIT_BOUND:-300} s for $_du_what: $(sbx list --all)"
        poll_pause
    done
}
warnings() { grep -c '^expiry-warning ' "$T/hooks.log" 2>/dev/null || true; }
post_closes() { grep -c '^post-close ' "$T/hooks.log" 2>/dev/null || true; }
# The creations: 30 s (the simulator's create latency, and more than sandboxctl's create
# pacing of 10 s a call) per CreateAccount or status poll. Far less than the 3 h to the short
# accounts' warning passes here: at most a few dozen such requests.
drive_until 30 "CreateAccount DescribeCreateAccountStatus" "12 active accounts" in_state active 12
assert_eq "$(warnings)" 0 "no warning before the clock reaches it"

# The leaver goes while both engines run; the short-lived accounts warn meanwhile.
sim_advance 11100 # past the 1h warning of the short ones (4 h), short of their expiry
# 2 minutes (the close latency; sandboxctl paces CloseAccount at one per 20 s) per closure.
sbx_advancing CloseAccount 120 offboard leaver@corp.example --yes --json >"$T/off.json" \
    2>"$T/off.err" || fail "offboard: $(cat "$T/off.err")"
wait_for "a warning for each short account" at_least warnings 6
assert_eq "$(warnings)" 6 "each short account warned"
sim_advance 3700 # past their expiry
drive_until 120 "CloseAccount DescribeAccount" "12 suspended accounts" in_state suspended 12
# The post-close hooks run after the state changes: wait until all twelve have written.
wait_for "twelve post-close hooks" at_least post_closes 12
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
