#!/usr/bin/env bash
# t0232-close-denied.sh -- say what really happened when AWS refuses CloseAccount. Only the
# close quota and the closures-in-flight limit queue an account; any other refusal -- the
# AccessDeniedException an IAM deny such as `sandboxctl policy protect` produces, as JSON or as
# an XML error document -- is a failure the operator sees: state and outcome close_failed, the
# reason kept, `close` exits 5, `offboard --json` exits 8 with "ok": false, and nothing claims
# an expected close time. The account is not retried behind the operator's back; once the deny
# is lifted, `retry` (or offboard asking again) closes it; one closed outside sandboxctl
# meanwhile is found by the drift scan (suspended).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
write_config
sbx init >/dev/null
closecalls() { json_get "$(sim_admin GET state)" "[a['CloseCalls'] for a in d['accounts'] if a['Id'] == '$1'][0]"; }
awsstate() { json_get "$(sim_admin GET state)" "[a['State'] for a in d['accounts'] if a['Id'] == '$1'][0]"; }

a=$(json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner dev@corp.example --json)" 'd["account_id"]')
b=$(json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner leaver@corp.example --json)" 'd["account_id"]')
c=$(json_get "$(sbx_advancing CreateAccount 60 create --kind developer --owner other@corp.example --json)" 'd["account_id"]')

# close: denied as AWS answers an IAM deny.
sim_admin POST faults '{"deny_ops": ["CloseAccount"], "deny_format": "json"}' >/dev/null
set +e
out=$(sbx close "$a" --yes --json 2>"$T/err")
rc=$?
set -e
assert_eq "$rc" 5 "close denied: exit status"
assert_eq "$(json_get "$out" 'd["ok"]')" false
assert_eq "$(json_get "$out" 'd["accounts"][0]["outcome"]')" close_failed
assert_eq "$(json_get "$out" 'd["accounts"][0]["state"]')" close_failed
assert_eq "$(json_get "$out" 'd["accounts"][0]["expected_close_at"]')" null
assert_contains "$(json_get "$out" 'd["accounts"][0]["last_error"]')" AccessDeniedException
assert_contains "$(cat "$T/err")" "not authorized to perform: organizations:CloseAccount"
assert_eq "$(json_get "$(sbx show "$a" --json)" 'd["state"]')" close_failed
assert_contains "$(sbx log "$a")" close_failed
assert_eq "$(awsstate "$a")" ACTIVE
assert_exit 5 sbx close "$c" --yes
assert_eq "$(json_get "$(sbx show "$c" --json)" 'd["state"]')" close_failed
# Not retried behind the operator's back, not counted against the close quota.
calls=$(closecalls "$a")
sim_admin POST advance '{"seconds": "2d"}' >/dev/null
sbx run >/dev/null
assert_eq "$(closecalls "$a")" "$calls" "a denied close is not retried by run"
assert_eq "$(json_get "$(sbx quota --json)" 'd["queue"]')" '[]'

# offboard: the same refusal as an XML error document: exit 8, "ok": false, no past ETA.
sim_admin POST faults '{"deny_ops": ["CloseAccount"], "deny_format": "xml"}' >/dev/null
set +e
sbx offboard leaver@corp.example --yes --json >"$T/off.json" 2>"$T/off.err"
rc=$?
set -e
assert_eq "$rc" 8 "offboard denied: exit status"
python3 - "$T/off.json" "$b" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
acct = [x for x in d["accounts"] if x["account_id"] == sys.argv[2]][0]
assert d["ok"] is False, d
assert acct["outcome"] == "close_failed" and acct["state"] == "close_failed", acct
assert acct["expected_close_at"] is None, acct
assert "AccessDenied" in acct["last_error"], acct
assert d["summary"] == {"close_failed": 1}, d["summary"]
PY
assert_eq "$(awsstate "$b")" ACTIVE

# The deny lifted: retry closes one, offboard asking again closes the other.
sim_admin POST faults '{"deny_ops": []}' >/dev/null
sbx retry "$a" >/dev/null
assert_exit 0 sbx run >/dev/null
assert_eq "$(json_get "$(sbx show "$a" --json)" 'd["state"]')" closing
sim_admin POST advance '{"seconds": "1m"}' >/dev/null # AWS's one CloseAccount per 20 s
set +e
sbx offboard leaver@corp.example --yes --json >"$T/off2.json" 2>/dev/null
rc=$?
set -e
assert_eq "$rc" 0 "offboard again, once allowed"
assert_eq "$(json_get "$(cat "$T/off2.json")" 'd["accounts"][0]["outcome"]')" closing
# Closed outside sandboxctl meanwhile: the drift scan of a later run finds it.
sim_admin POST advance '{"seconds": "1m"}' >/dev/null # AWS's one CloseAccount per 20 s
assert_contains "$(sim_call CloseAccount "{\"AccountId\": \"$c\"}")" 200
sim_admin POST advance '{"seconds": "1h"}' >/dev/null
sbx run >/dev/null
assert_eq "$(awsstate "$a")" CLOSED
assert_eq "$(awsstate "$b")" CLOSED
assert_eq "$(json_get "$(sbx list --all --json)" 'sorted(a["state"] for a in d["accounts"])')" \
    '["suspended", "suspended", "suspended"]'
assert_contains "$(sbx log "$c")" closed_outside
sbx log --verify >/dev/null
echo ok
