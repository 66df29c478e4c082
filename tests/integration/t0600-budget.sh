#!/bin/bash
# t0600-budget.sh -- the spend guard against the simulator's Cost Explorer, on a paused clock
# moved only by `advance`: init creates the freeze SCP (SCPs enabled on the root); each
# warning threshold fires once (however often run runs); the account is frozen within one
# check of crossing its limit (the SCP attached at AWS); a frozen account is still nuked and
# closed at its expiry; at_limit close sends an account down the normal close path with
# reason budget; a SIGKILL between the freeze decision and the SCP leaves a freezing row (never
# frozen without the SCP) that the next run finishes, also when AWS attached the SCP but the
# answer was lost; list, show and the spend report show what was spent; unfreeze detaches the
# SCP (with a budget of the account's own, so it is not frozen again); --budget at create and
# extend.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 0s --close-latency 1m
export AWS_ENDPOINT_URL_COST_EXPLORER=$SIM_URL
write_config 'kinds = {
    demo = {
        ttl = "3d";
        ou = "Sandboxes/Demos";
        budget = { limit = "100 USD"; warn = [ 50, 80 ]; at_limit = "freeze"; };
    };
    lab = {
        ttl = "3d";
        ou = "Sandboxes/Labs";
        budget = { limit = "20 USD"; at_limit = "close"; };
    };
};
budget = { check_interval = "1h"; };'
for ev in pre-close budget-warning budget-exceeded; do
    mkdir -p "$T/hooks/$ev.d"
    cat >"$T/hooks/$ev.d/10-record" <<HOOK
#!/bin/sh
echo "\$SANDBOX_EVENT \$SANDBOX_ACCOUNT_ID \${SANDBOX_REASON:-} \${SANDBOX_EVENT_DETAIL:-}" >>"$T/hooks.log"
HOOK
    chmod 755 "$T/hooks/$ev.d/10-record"
done
hooks_of() { grep -c "^$1 $2 " "$T/hooks.log" 2>/dev/null || true; }

# run_report -- `run --json` prints JSON lines (events, then the pass): the pass's object
run_report() {
    sbx run --json | python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin if l.strip()]
print(json.dumps([o for o in objs if "report" in o][-1]))'
}
adv() { sim_admin POST advance "{\"seconds\": \"$1\"}" >/dev/null; }
state_of() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }
events_of() { json_get "$(sbx log "$1" --json)" '" ".join(e["event"] for e in d["events"])'; }
count_event() { events_of "$1" | tr ' ' '\n' | grep -c "^$2\$" || true; }
make() { sbx_create_active "$@"; }
acct_id() { json_get "$(sbx show "$1" --json)" 'd["account_id"]'; }
# scps ACCOUNT_ID -- the names of the SCPs attached to the account at AWS
scps() {
    python3 -c '
import json, sys
st, body = sys.argv[1].split(" ", 1)
assert st == "200", sys.argv[1]
print(" ".join(p["Name"] for p in json.loads(body)["Policies"]))' \
        "$(sim_call ListPoliciesForTarget "{\"TargetId\": \"$1\", \"Filter\": \"SERVICE_CONTROL_POLICY\"}")"
}

# doctor: what the chosen interval costs (USD 0.01 a request; 731 checks in 30.44 days at 1h)
assert_contains "$(sbx doctor)" "2 kinds with a budget, checked every 1h: 731 Cost Explorer requests a month per page of results at USD 0.01 each = 7.31 USD a month per page"

out=$(sbx init --json)
assert_contains "$(json_get "$out" 'd["freeze_scp"]')" "sandboxctl-budget-freeze"
assert_contains "$(json_get "$out" 'd["freeze_scp"]')" "(created)"
roots=$(sim_call ListRoots)
assert_contains "$roots" '"Type":"SERVICE_CONTROL_POLICY","Status":"ENABLED"'
# a second init finds it
assert_contains "$(sbx init)" "sandboxctl-budget-freeze"
assert_contains "$(sbx init)" "(exists)"

row=$(make demo alice@corp.example)
id=$(acct_id "$row")
# 240 USD a day is 10 USD an hour; Cost Explorer without lag here
sim_admin POST spend "{\"AccountId\": \"$id\", \"PerDay\": 240, \"Lag\": 0}" >/dev/null

# checked while it was made; the next check is an interval (1h) later
r=$(run_report)
assert_eq "$(json_get "$r" 'd["report"]["budget_checks"]')" 0 "not due yet"

# 5.5 h: 55 USD of 100 -> the 50% warning, once, however often run runs
adv 5h30m
r=$(run_report)
assert_eq "$(json_get "$r" 'd["report"]["budget_checks"]')" 1
assert_eq "$(json_get "$r" 'd["report"]["budget_warned"]')" 1
sbx run >/dev/null
adv 1h30m # 70 USD: a check, no new threshold
r=$(run_report)
assert_eq "$(json_get "$r" 'd["report"]["budget_checks"]')" 1
assert_eq "$(json_get "$r" 'd["report"]["budget_warned"]')" 0
assert_eq "$(count_event "$row" budget_warning)" 1
assert_eq "$(state_of "$row")" active
assert_eq "$(scps "$id")" "FullAWSAccess"

# 8.5 h: 85 USD -> the 80% warning
adv 1h30m
sbx run >/dev/null
assert_eq "$(count_event "$row" budget_warning)" 2

# within one check of crossing the limit (10.5 h: 105 USD), frozen with the SCP attached
adv 2h
r=$(run_report)
assert_eq "$(json_get "$r" 'd["report"]["budget_exceeded"]')" 1
assert_eq "$(json_get "$r" 'd["report"]["frozen"]')" 1
assert_eq "$(state_of "$row")" frozen
assert_contains "$(scps "$id")" "sandboxctl-budget-freeze"
assert_eq "$(count_event "$row" budget_exceeded)" 1
adv 2h
sbx run >/dev/null
assert_eq "$(count_event "$row" budget_exceeded)" 1 "budget-exceeded fires once"
assert_eq "$(count_event "$row" budget_warning)" 2
# the hook events: once per threshold, once at the limit, with what happened
assert_eq "$(hooks_of budget-warning "$id")" 2
assert_eq "$(hooks_of budget-exceeded "$id")" 1
assert_contains "$(grep "^budget-warning $id" "$T/hooks.log")" "threshold=50% spent="
assert_contains "$(grep "^budget-warning $id" "$T/hooks.log")" "threshold=80% spent="
assert_contains "$(grep "^budget-exceeded $id" "$T/hooks.log")" "limit=100.00 USD period=lease action=freeze"
assert_eq "$(state_of "$row")" frozen

# at_limit close: 20 USD -> the normal close path with reason budget
brow=$(make lab bob@corp.example)
bid=$(acct_id "$brow")
sim_admin POST spend "{\"AccountId\": \"$bid\", \"PerDay\": 480}" >/dev/null
adv 1h
sbx run >/dev/null
adv 1h # 40 USD
sbx run >/dev/null
assert_eq "$(count_event "$brow" budget_exceeded)" 1
assert_contains "$(cat "$T/hooks.log")" "pre-close $bid budget"
s=$(state_of "$brow")
case "$s" in closing | close_wait | suspended) ;; *) fail "lab account is $s, not closing" ;; esac

# A frozen account is still closed at its expiry (3 days after activation).
adv 3d
sbx run >/dev/null
assert_contains "$(cat "$T/hooks.log")" "pre-close $id expired"
s=$(state_of "$row")
case "$s" in closing | close_wait | suspended) ;; *) fail "frozen account is $s at expiry" ;; esac

# Crash between the freeze steps: AttachPolicy is refused, so `run --watch` stops with the
# decision recorded (freezing); SIGKILL it there. The account is never frozen without the SCP.
crow=$(make demo carol@corp.example)
cid=$(acct_id "$crow")
sim_admin POST spend "{\"AccountId\": \"$cid\", \"PerDay\": 2400}" >/dev/null
sim_admin POST faults '{"deny_ops": ["AttachPolicy"]}' >/dev/null
adv 2h # 200 USD
"$SANDBOXCTL" run --watch >"$T/watch.out" 2>&1 &
pid=$!
is_freezing() { [ "$(state_of "$crow")" = freezing ]; }
wait_for "the account to reach freezing" is_freezing
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
assert_eq "$(state_of "$crow")" freezing
assert_eq "$(scps "$cid")" "FullAWSAccess" "not attached while AWS refuses"
# AWS attaches the SCP but the answer is lost: still freezing, never frozen unconfirmed
sim_admin POST faults '{"deny_ops": [], "drop_rate": 1.0, "ops": ["AttachPolicy"]}' >/dev/null
adv 2m
sbx run --once >/dev/null || true
assert_eq "$(state_of "$crow")" freezing
assert_contains "$(scps "$cid")" "sandboxctl-budget-freeze"
# the next run finishes the freeze (the repeated attachment counts as done)
sim_admin POST faults '{"drop_rate": 0}' >/dev/null
adv 2m
sbx run >/dev/null
assert_eq "$(state_of "$crow")" frozen
assert_contains "$(scps "$cid")" "sandboxctl-budget-freeze"
assert_eq "$(count_event "$crow" budget_exceeded)" 1
assert_eq "$(hooks_of budget-exceeded "$cid")" 1 "queued once across the SIGKILL"

# What list and show say about it.
assert_contains "$(sbx list --state frozen)" "SPEND"
assert_contains "$(sbx list --state frozen)" "$cid"
assert_eq "$(json_get "$(sbx list --state frozen --json)" '[a["budget_usd"] for a in d["accounts"] if a["account_id"] == "'"$cid"'"][0]')" "100.00"
assert_contains "$(sbx show "$crow")" "of 100.00 USD (the kind's, period lease, warned at 80%, over budget"
assert_eq "$(json_get "$(sbx show "$crow" --json)" 'd["budget"]["exceeded"]')" true

# unfreeze: refused for an account that is not frozen; with its own budget it is active again,
# the SCP detached, and the next checks leave it alone.
assert_exit 2 sbx unfreeze "$brow"
assert_exit 2 sbx unfreeze "$crow" --budget 12
out=$(sbx unfreeze "$crow" --budget 5000USD)
assert_contains "$out" "unfrozen, the freeze SCP detached; its own budget 5000.00 USD"
assert_eq "$(state_of "$crow")" active
assert_eq "$(scps "$cid")" "FullAWSAccess"
assert_eq "$(count_event "$crow" unfrozen)" 1
adv 2h
sbx run >/dev/null
assert_eq "$(state_of "$crow")" active
assert_contains "$(sbx show "$crow")" "of 5000.00 USD (its own"

# --budget at create, then extend --budget
drow=$(json_get "$(sbx create --kind demo --owner dave@corp.example --budget 250USD --no-wait --json)" 'd["id"]')
assert_contains "$(sbx show "$drow")" "of 250.00 USD (its own"
sbx extend "$drow" --budget "300.50 USD" >/dev/null
assert_contains "$(sbx show "$drow")" "of 300.50 USD (its own"
assert_exit 2 sbx extend "$drow" --budget "1.234 USD"
assert_exit 2 sbx create --kind demo --owner erin@corp.example --budget 50EUR

# The chargeback report from the stored days: every owner's accounts, in total and by owner.
rep=$(sbx spend --since 2000-01-01 --until 2100-01-01 --json)
python3 - "$rep" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
owners = {r["owner"] for r in d["rows"]}
assert {"alice@corp.example", "bob@corp.example", "carol@corp.example"} <= owners, owners
assert sum(r["spend_cents"] for r in d["rows"]) == d["total_cents"] > 0, d
PY
by=$(sbx spend --since 2000-01-01 --until 2100-01-01 --by kind --csv | tr -d '\r') # RFC 4180 CRLF
assert_eq "$(printf '%s\n' "$by" | head -n 1)" "kind,accounts,spend_usd"
assert_contains "$by" "lab,1,"
assert_contains "$(sbx spend --since 2000-01-01 --until 2100-01-01)" "alice@corp.example"
assert_exit 2 sbx spend --since 2026-02-30
assert_exit 2 sbx spend --by team
sbx log --verify >/dev/null
