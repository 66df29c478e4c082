#!/bin/bash
# t0343-run-json-lines.sh -- `run --json` for log shippers: every line of standard output is one
# JSON object. Each thing the pass makes happen is a line of its own as it happens
# ("type": "lifecycle" for transitions and other account events, "hook-event" for a delivered
# or failed hook event, with its event id), and each pass ends with one "type": "pass" line
# (the report, the drift scan, the next due time). Every line has the time, the event, the
# account and its owner and state. The simulator's clock is paused.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 5s --close-latency 1m
write_config 'hooks = {
    dir = "'"$T"'/hooks";
    timeout = "1m";
    parallel = 4;
    max_attempts = 2;
    retry_backoff = "10m";
};'
sbx init >/dev/null
mkdir -p "$T/hooks/pre-close.d" "$T/hooks/nuke-failed.d" "$T/hooks/quarantined.d"
printf '#!/bin/sh\necho "left: VPC 1" >&2\nexit 1\n' >"$T/hooks/pre-close.d/50-nuke"
printf '#!/bin/sh\nexit 0\n' >"$T/hooks/nuke-failed.d/50-ok"
printf '#!/bin/sh\nexit 1\n' >"$T/hooks/quarantined.d/50-fails"
chmod 755 "$T/hooks/pre-close.d/50-nuke" "$T/hooks/nuke-failed.d/50-ok" \
    "$T/hooks/quarantined.d/50-fails"

# check FILE -- every line parses as one JSON object with the common fields; prints nothing
check() {
    python3 - "$1" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no output"
for n, line in enumerate(lines, 1):
    d = json.loads(line)
    assert isinstance(d, dict), (n, line)
    assert d["type"] in ("lifecycle", "hook-event", "pass"), (n, d)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["time"]), (n, d)
    assert isinstance(d["event"], str) and d["event"], (n, d)
    if d["type"] != "pass":
        for k in ("id", "account_id", "owner", "kind", "state", "from", "to", "detail", "message"):
            assert k in d, (n, k, d)
assert json.loads(lines[-1])["type"] == "pass", lines[-1]
PY
}
# sel FILE EXPR -- EXPR (Python) over d = the list of FILE's parsed lines
sel() { json_get "$(json_lines "$(cat "$1")")" "$2"; }

id=$(json_get "$(sbx create --kind demo --owner ann@corp.example --no-wait --json)" 'd["id"]')
sim_admin POST advance '{"seconds": 40}' >/dev/null
sbx run --json >"$T/1"
check "$T/1"
acct=$(json_get "$(sbx show "#$id" --json)" 'd["account_id"]')
assert_eq "$(sel "$T/1" '[(l["event"], l["from"], l["to"], l["state"]) for l in d if l["type"] == "lifecycle" and l["to"] == "active"]')" \
    '[["activated", "creating", "active", "active"]]'
assert_eq "$(sel "$T/1" '[l["account_id"] for l in d if l["type"] == "lifecycle"][-1]')" "$acct"
assert_eq "$(sel "$T/1" '[l["owner"] for l in d if l["type"] == "lifecycle"][-1]')" ann@corp.example
assert_eq "$(sel "$T/1" 'd[-1]["report"]["activated"]')" 1

# Expiry (8h), attempt 1 fails: the transitions and the delivered nuke-failed, in order.
sim_admin POST advance '{"seconds": 28800}' >/dev/null
sbx run --json >"$T/2"
check "$T/2"
assert_eq "$(sel "$T/2" '[(l["type"], l["event"]) for l in d][:-1]')" \
    '[["lifecycle", "expired"], ["lifecycle", "nuke_started"], ["lifecycle", "nuke_retry"], ["hook-event", "nuke-failed"]]'
hev=$(sel "$T/2" '[l for l in d if l["type"] == "hook-event"][0]')
assert_eq "$(json_get "$hev" 'd["delivered"]')" true
assert_eq "$(json_get "$hev" 'd["account_id"]')" "$acct"
assert_eq "$(json_get "$hev" 'd["state"]')" expiring
assert_contains "$(json_get "$hev" 'd["detail"]')" "left: VPC 1"
case $(json_get "$hev" 'd["event_id"]') in evt-*) ;; *) fail "event id: $hev" ;; esac

# Attempt 2 fails: quarantined; its hook fails: a hook-event line with delivered false.
sim_admin POST advance '{"seconds": 610}' >/dev/null
set +e
sbx run --json >"$T/3"
set -e
check "$T/3"
assert_eq "$(sel "$T/3" '[(l["event"], l.get("delivered")) for l in d if l["type"] == "hook-event"]')" \
    '[["nuke-failed", true], ["quarantined", false]]'
assert_eq "$(sel "$T/3" '[l["to"] for l in d if l["event"] == "quarantined" and l["type"] == "lifecycle"]')" \
    '["nuke_failed"]'

# An idle pass is one pass line; --dry-run too.
sbx run --json >"$T/4"
check "$T/4"
assert_eq "$(wc -l <"$T/4" | tr -d ' ')" 1
sbx run --json --dry-run >"$T/5"
check "$T/5"
assert_eq "$(sel "$T/5" 'd[-1]["dry_run"]')" true
echo ok
