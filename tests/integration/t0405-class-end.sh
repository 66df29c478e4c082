#!/bin/bash
# t0405-class-end.sh -- `class end` expires every seat now: pre-close hooks run once per seat,
# the seats are closed within the close limits (never more than 3 in flight), and the class
# ends with every seat closed at AWS. The simulator's clock is paused and moves 10 s (20 s for
# the closures) each time a class command waits for it.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=2000 sim_start_paused --no-throttle --account-limit 1000
write_config
sbx init >/dev/null
mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/10-record" <<HOOK
#!/bin/sh
echo "\$SANDBOX_ACCOUNT_ID \$SANDBOX_CLASS \$SANDBOX_REASON" >>"$T/pre-close.log"
HOOK
chmod 755 "$T/hooks/pre-close.d/10-record"

sbx_advancing clock 10 class create end1 --seats 7 --owner prof@uni.example --json >/dev/null
ids=$(json_get "$(sbx class show end1 --json)" '" ".join(sorted(s["account_id"] for s in d["seats"]))')

# Without --yes and without a terminal, a destructive command refuses.
assert_exit 2 sbx_advancing clock 10 class end end1
assert_eq "$(json_get "$(sbx class show end1 --json)" 'd["class"]["state"]')" ready

out=$(sbx_advancing clock 20 class end end1 --yes --json)
assert_eq "$(json_get "$out" 'd["class"]["state"]')" ended
assert_eq "$(json_get "$out" 'd["class"]["counts"]["closed"]')" 7
assert_eq "$(json_get "$out" 'sorted(set(s["state"] for s in d["seats"]))')" '["suspended"]'

# Every seat nuked once, with the class and the reason in the hook's environment.
assert_eq "$(wc -l <"$T/pre-close.log")" 7
assert_eq "$(cut -d' ' -f1 "$T/pre-close.log" | sort | tr '\n' ' ' | sed 's/ $//')" "$ids"
assert_eq "$(cut -d' ' -f2 "$T/pre-close.log" | sort -u)" end1

state=$(sim_admin GET state)
python3 - "$state" "$ids" <<'PY'
import json, sys
sim, ids = json.loads(sys.argv[1]), sys.argv[2].split()
accts = {a["Id"]: a for a in sim["accounts"]}
for i in ids:
    assert accts[i]["State"] in ("CLOSED", "SUSPENDED"), accts[i]
    assert accts[i]["CloseCalls"] == 1, accts[i]
assert len(sim["close_ledger"]) == 7
# Never more than 3 closures in flight: at any CloseAccount, fewer than 3 earlier ones are
# still within their 5-minute PENDING_CLOSURE window.
ts = sorted(e["Timestamp"] for e in sim["close_ledger"])
for i, t in enumerate(ts):
    assert sum(1 for u in ts[:i] if t - u < 300) < 3, ts
PY
# Ending an ended class is a no-op.
out=$(sbx_advancing clock 20 class end end1 --yes --json)
assert_eq "$(json_get "$out" 'd["class"]["state"]')" ended
echo ok
