#!/bin/bash
# t0200-lifecycle.sh -- one training account through every state against the simulator:
# requested -> creating -> active (moved, tagged, post-create hook once) -> each expiry warning
# exactly once -> expiring -> nuking (pre-close hook once) -> close_wait -> closing ->
# suspended (post-close hook once) -> gone after the 90-day period. The audit chain holds.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# The simulator's clock moves only when the test advances it (the time scale only shortens the
# real sleeps of a client waiting for the clock).
sim_start_paused --no-throttle --create-latency 30s --close-latency 2m
write_config

# Hooks append one line per run, so every count below can be checked exactly.
for ev in post-create expiry-warning pre-close post-close; do
    mkdir -p "$T/hooks/$ev.d"
    cat >"$T/hooks/$ev.d/10-record" <<EOF
#!/bin/sh
echo "\$SANDBOX_EVENT \$SANDBOX_ACCOUNT_ID \${SANDBOX_WARN_OFFSET:-} \${SANDBOX_REASON:-} \$SANDBOX_ROLE_ARN" >>"$T/hooks.log"
EOF
    chmod 755 "$T/hooks/$ev.d/10-record"
done
count() { grep -c "^$1 " "$T/hooks.log" 2>/dev/null || true; }
sim_now() { json_get "$(sim_admin GET clock)" 'd["now"]'; }
epoch() { python3 -c 'import sys, datetime; print(int(datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).timestamp()))' "$1"; }
# advance_to EPOCH -- moves the simulated clock to EPOCH (never backwards).
advance_to() {
    secs=$(python3 -c "import sys; print(max(0.0, float(sys.argv[1]) - float(sys.argv[2])))" "$1" "$(sim_now)")
    sim_admin POST advance "{\"seconds\": $secs}" >/dev/null
}

out=$(sbx init --json)
assert_eq "$(json_get "$out" 'd["management_account_id"]')" 111111111111
assert_eq "$(json_get "$out" 'd["ous_created"]')" 3

# create waits until the account is active: the clock moves a minute each time the simulator
# has answered a CreateAccount.
acct=$(sbx_advancing CreateAccount 60 create --kind training --owner Alice@Corp.Example --json)
assert_eq "$(json_get "$acct" 'd["state"]')" active
assert_eq "$(json_get "$acct" 'd["owner"]')" alice@corp.example
assert_eq "$(json_get "$acct" 'd["kind"]')" training
id=$(json_get "$acct" 'd["account_id"]')
email=$(json_get "$acct" 'd["email"]')
assert_eq "$email" "sandbox+training-alice-1@example.com"
assert_eq "$(count post-create)" 1 "post-create hook ran once"
assert_contains "$(cat "$T/hooks.log")" "arn:aws:iam::$id:role/OrganizationAccountAccessRole"
for f in id account_id email name owner kind class seat state reason expires_at created_at \
    active_at closed_at updated_at next_action_at attempts last_error adopted request_id; do
    json_get "$acct" "d[\"$f\"]" >/dev/null || fail "create --json lacks '$f'"
done

# At AWS: in its kind's OU, tagged.
python3 - "$(sim_admin GET state)" "$id" <<'PY'
import json, sys
st, acct = json.loads(sys.argv[1]), sys.argv[2]
a = [x for x in st["accounts"] if x["Id"] == acct][0]
ou = [o for o in st["ous"] if o["Id"] == a["ParentId"]]
assert ou and ou[0]["Name"] == "Training", (a["ParentId"], st["ous"])
tags = {t["Key"]: t["Value"] for t in a["Tags"]}
assert tags.get("managed-by") == "sandboxctl", tags
assert tags.get("sandboxctl:owner") == "alice@corp.example", tags
assert tags.get("sandboxctl:kind") == "training", tags
assert tags.get("sandboxctl:expires", "").endswith("Z"), tags
PY

exp=$(epoch "$(json_get "$acct" 'd["expires_at"]')")
active=$(epoch "$(json_get "$acct" 'd["active_at"]')")
assert_eq "$((exp - active))" 259200 "the 3d ttl counts from activation"

# Nothing is due yet.
sbx run >/dev/null
assert_eq "$(count expiry-warning)" 0

# The 1d warning fires once, however often the engine runs.
advance_to $((exp - 86400 + 60))
sbx run >"$T/run.out"
assert_contains "$(cat "$T/run.out")" "warned"
sbx run >/dev/null
sbx run --once >/dev/null
assert_eq "$(count expiry-warning)" 1
assert_contains "$(grep '^expiry-warning' "$T/hooks.log")" " 1d "

# The 2h warning fires once too.
advance_to $((exp - 7200 + 60))
sbx run >/dev/null
sbx run >/dev/null
assert_eq "$(count expiry-warning)" 2
assert_contains "$(grep '^expiry-warning' "$T/hooks.log" | tail -n 1)" " 2h "
assert_eq "$(json_get "$(sbx list --expiring-within 3h --json)" 'd["count"]')" 1
assert_eq "$(json_get "$(sbx list --expiring-within 1h --json)" 'd["count"]')" 0

# Past expiry: expired, nuked (pre-close hook once), closed.
advance_to $((exp + 10))
sbx run --json >"$T/run.json"
python3 - "$T/run.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [l for l in lines if l["type"] == "pass"][-1]["report"]
assert r["expired"] == 1 and r["nuked"] == 1 and r["close_sent"] == 1, r
events = [(e["event"], e["from"], e["to"]) for e in lines if e["type"] == "lifecycle"]
assert ("expired", "active", "expiring") in events, events
assert ("nuked", "nuking", "close_wait") in events, events
PY
assert_eq "$(count pre-close)" 1
assert_contains "$(grep '^pre-close' "$T/hooks.log")" " expired "
show=$(sbx show "$id" --json)
assert_eq "$(json_get "$show" 'd["state"]')" closing
assert_eq "$(json_get "$show" 'd["reason"]')" expired
assert_eq "$(json_get "$(sbx quota --json)" 'd["in_flight"]')" 1

# The closure completes at AWS; the next pass sees it.
sim_admin POST advance '{"seconds": 180}' >/dev/null
sbx run >/dev/null
show=$(sbx show "$id" --json)
assert_eq "$(json_get "$show" 'd["state"]')" suspended
assert_eq "$(count post-close)" 1
sbx run >/dev/null
assert_eq "$(count post-close)" 1 "post-close hook ran once"
assert_eq "$(count pre-close)" 1 "pre-close hook ran once"
assert_eq "$(json_get "$(sbx quota --json)" 'd["used"]')" 1

# 90 days later the account has left the organization.
advance_to $(($(epoch "$(json_get "$show" 'd["closed_at"]')") + 91 * 86400))
sbx run >/dev/null
assert_eq "$(json_get "$(sbx show "$id" --json)" 'd["state"]')" gone
assert_eq "$(json_get "$(sbx list --json)" 'd["count"]')" 0 "gone accounts are hidden"
assert_eq "$(json_get "$(sbx list --all --json)" 'd["count"]')" 1

# The history has every transition, in order; the chain verifies.
hist=$(sbx show "$id" --json)
python3 - "$hist" <<'PY'
import json, sys
h = [(e["from"], e["to"]) for e in json.loads(sys.argv[1])["history"] if e["to"]]
want = [(None, "requested"), ("requested", "creating"), ("creating", "active"),
        ("active", "expiring"), ("expiring", "nuking"), ("nuking", "close_wait"),
        ("close_wait", "closing"), ("closing", "suspended"), ("suspended", "gone")]
assert h == want, h
# The request's audit detail: kind, owner, email, name and ttl, in that order.
req = [e for e in json.loads(sys.argv[1])["history"] if e["to"] == "requested"][0]["detail"]
assert list(req) == ["kind", "owner", "email", "name", "ttl"], req
assert req["kind"] == "training" and req["owner"] == "alice@corp.example", req
PY
sbx log --verify >/dev/null

# The simulator saw one CreateAccount and one CloseAccount for it.
python3 - "$(sim_admin GET state)" "$id" <<'PY'
import json, sys
st, acct = json.loads(sys.argv[1]), sys.argv[2]
assert len(st["create_requests"]) == 1, st["create_requests"]
assert st["calls"].get("CloseAccount") == 1, st["calls"]
PY
echo ok
