#!/bin/bash
# t0210-offboard.sh -- off-boarding an owner whose accounts are in every state: suspended,
# closing, close_wait, nuke_failed, active, protected, failed, creating and requested. Each
# ends where it should (closed, closing, queued with an expected time, cancelled, nothing to
# close, quarantined or refused), the summary says so, the exit status is 8 while a human is
# needed, and running it again is idempotent: no account is closed twice, no hook runs twice.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise only by the test's advance.
sim_start_paused --no-throttle --create-latency 20s --close-latency 2h \
    --close-quota 2
crit=$(json_get "$(sim_admin POST accounts '{"Email": "leaver-prod@corp.example", "Name": "leaver-prod"}')" 'd["Id"]')
write_config 'limits = {
    account_limit = 1000;
    create_in_progress = 1;
    close_quota = 2;
};
hooks = {
    dir = "'"$T"'/hooks";
    timeout = "1m";
    parallel = 4;
    max_attempts = 1;
    retry_backoff = "1m";
};'
sbx init >/dev/null
mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/50-nuke" <<HOOK
#!/bin/sh
echo "\$SANDBOX_ACCOUNT_ID \$SANDBOX_REASON" >>"$T/nuke.log"
if grep -qx "\$SANDBOX_ACCOUNT_ID" "$T/fail-ids" 2>/dev/null; then echo "cannot delete vpc" >&2; exit 1; fi
exit 0
HOOK
chmod 755 "$T/hooks/pre-close.d/50-nuke"
O=leaver@corp.example
new() { json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner $O --json "$@")" 'd["account_id"]'; }
state() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }

a=$(new) # -> suspended
sbx close "$a" --yes >/dev/null
sim_admin POST advance '{"seconds": 7300}' >/dev/null
sbx run >/dev/null
assert_eq "$(state "$a")" suspended
b=$(new) # -> closing
sim_admin POST advance '{"seconds": 30}' >/dev/null
sbx close "$b" --yes >/dev/null
assert_eq "$(state "$b")" closing
c=$(new) # -> close_wait (the quota of 2 is used by a and b)
sim_admin POST advance '{"seconds": 30}' >/dev/null
sbx close "$c" --yes >/dev/null
assert_eq "$(state "$c")" close_wait
e=$(new) # -> nuke_failed
echo "$e" >"$T/fail-ids"
sbx close "$e" --yes >/dev/null || true
assert_eq "$(state "$e")" nuke_failed
f=$(new) # -> active
# -> active, then protected by a tag set at AWS (adopt refuses an account already protected)
sbx adopt "$crit" --kind developer --owner $O >/dev/null
resp=$(sim_call TagResource "{\"ResourceId\": \"$crit\", \"Tags\": [{\"Key\": \"AccountType\", \"Value\": \"Critical\"}]}")
assert_contains "$resp" "200"
# -> failed: the simulator fails the creation of the next alias
next=$(json_get "$(sbx create --kind demo --owner $O --dry-run --json)" 'd["email"]')
sim_admin POST faults "{\"fail_create_matching\": \"$next\", \"fail_create_reason\": \"INTERNAL_FAILURE\"}" >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner $O >/dev/null 2>&1 || true
h=$(json_get "$(sbx list --owner $O --state failed --json)" 'd["accounts"][0]["id"]')
sim_admin POST faults '{"fail_create_matching": ""}' >/dev/null
# Someone else's account is not touched.
other=$(json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner stays@corp.example \
    --json)" 'd["account_id"]')
# -> creating, and -> requested behind it (one creation in progress at a time); the creation
# cannot finish before `list`, the clock standing still.
sbx create --kind demo --owner $O --no-wait >/dev/null
i=$(json_get "$(sbx list --owner $O --state creating --json)" 'd["accounts"][0]["id"]')
sbx create --kind demo --owner $O --no-wait >/dev/null
j=$(json_get "$(sbx list --owner $O --state requested --json)" 'd["accounts"][0]["id"]')

states=$(json_get "$(sbx list --owner $O --all --json)" 'sorted(a["state"] for a in d["accounts"])')
assert_eq "$states" '["active", "active", "close_wait", "closing", "creating", "failed", "nuke_failed", "requested", "suspended"]'
# The creation completes at AWS; the store learns of it in offboard.
sim_admin POST advance '{"seconds": 20}' >/dev/null
: >"$T/nuke.log"

set +e
sbx offboard LEAVER@Corp.Example --yes --json >"$T/off1.json" 2>"$T/off1.err"
rc=$?
set -e
assert_eq "$rc" 8 "offboard with accounts needing a human"
python3 - "$T/off1.json" "$a" "$b" "$c" "$e" "$f" "$crit" "$h" "$i" "$j" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a, b, c, e, f, crit, h, i, j = sys.argv[2:]
assert d["owner"] == "leaver@corp.example" and d["ok"] is False, d
by_acct = {x["account_id"]: x for x in d["accounts"] if x["account_id"]}
by_id = {str(x["id"]): x for x in d["accounts"]}
out = lambda x: x["outcome"]
assert out(by_acct[a]) == "closed", by_acct[a]
assert out(by_acct[b]) == "closing", by_acct[b]
assert out(by_acct[c]) == "queued" and by_acct[c]["expected_close_at"], by_acct[c]
assert out(by_acct[e]) == "quarantined", by_acct[e]
assert "cannot delete vpc" in by_acct[e]["last_error"], by_acct[e]
assert out(by_acct[f]) == "queued" and by_acct[f]["state"] == "close_wait", by_acct[f]
assert out(by_acct[crit]) == "refused", by_acct[crit]
assert "AccountType=Critical" in by_acct[crit]["message"], by_acct[crit]
assert out(by_id[h]) == "nothing_to_close", by_id[h]
assert out(by_id[i]) == "queued", by_id[i]          # created, then nuked, waits for quota
assert by_id[i]["reason"] == "offboarded", by_id[i]
assert out(by_id[j]) == "cancelled", by_id[j]
assert by_id[j]["state"] == "failed" and by_id[j]["request_id"] is None, by_id[j]
assert d["summary"] == {"closed": 1, "closing": 1, "queued": 3, "quarantined": 1,
                        "refused": 1, "nothing_to_close": 1, "cancelled": 1}, d["summary"]
PY
assert_contains "$(cat "$T/off1.err")" "quarantined"
# Nuked once each: e (failing again), f and i; never the protected account.
assert_eq "$(sort "$T/nuke.log" | tr '\n' ' ')" "$(printf '%s offboarded\n' "$e" "$f" "$(json_get "$(sbx show "$i" --json)" 'd["account_id"]')" | sort | tr '\n' ' ')"
assert_eq "$(state "$other")" active

# Idempotent: again, with the problems fixed by a human.
: >"$T/fail-ids"
resp=$(sim_call UntagResource "{\"ResourceId\": \"$crit\", \"TagKeys\": [\"AccountType\"]}")
assert_contains "$resp" "200"
: >"$T/nuke.log"
sbx offboard $O --yes --json >"$T/off2.json"
python3 - "$T/off2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True, d["summary"]
assert d["summary"] == {"closed": 1, "closing": 1, "queued": 5, "nothing_to_close": 1,
                        "cancelled": 1}, d["summary"]
PY
assert_eq "$(wc -l <"$T/nuke.log" | tr -d ' ')" 2 "only the two that needed it were nuked again"
sbx offboard $O --yes --json >"$T/off3.json"
assert_eq "$(json_get "$(cat "$T/off3.json")" 'd["summary"]')" "$(json_get "$(cat "$T/off2.json")" 'd["summary"]')"
assert_eq "$(wc -l <"$T/nuke.log" | tr -d ' ')" 2 "a third offboard nuked nothing"

# At AWS: nothing closed twice, nobody else's account closed, the queue drains as windows roll.
for k in 1 2 3; do
    sim_admin POST advance "{\"seconds\": $((30 * 86400 + 3600))}" >/dev/null
    sbx run >/dev/null
    sim_admin POST advance '{"seconds": 7300}' >/dev/null
    sbx run >/dev/null
done
python3 - "$(sim_admin GET state)" "$(sbx list --owner $O --all --json)" "$other" <<'PY'
import json, sys
st, mine, other = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
accts = {a["Id"]: a for a in st["accounts"]}
assert all(a["CloseCalls"] <= 1 for a in st["accounts"]), ([(a["Id"], a["CloseCalls"]) for a in st["accounts"]], st["close_ledger"])
assert accts[other]["State"] == "ACTIVE" and accts[other]["CloseCalls"] == 0
states = sorted(a["state"] for a in mine["accounts"])
assert states == ["failed", "failed", "gone", "suspended", "suspended", "suspended",
                  "suspended", "suspended", "suspended"], states
PY
sbx log --verify >/dev/null
echo ok
