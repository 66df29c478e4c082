#!/usr/bin/env bash
# t0264-create-refused.sh -- a 4xx is definitive whatever its body, and a create that reports
# failure never creates an account later. AccessDenied from CreateAccount -- as AWS's JSON, as
# an emulator's XML error document, or as a proxy's HTML 403 page -- fails the create at once
# (exit 5, state failed, AWS's reason kept), is not retried until the timeout, and no later
# `run` submits it. Missing credentials: exit 5 with nothing recorded, also with --no-wait. A
# create whose wait times out before CreateAccount could be sent cancels its request.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s
write_config
sbx init >/dev/null
calls() { json_get "$(sim_admin GET state)" 'd["calls"]["CreateAccount"]'; }
creations() { json_get "$(sim_admin GET state)" 'len(d["create_requests"])'; }

n=0
for fmt in json xml html; do
    n=$((n + 1))
    sim_admin POST faults '{"deny_ops": ["CreateAccount"], "deny_format": "'$fmt'"}' >/dev/null
    before=$(calls)
    set +e
    out=$(sbx create --kind demo --owner "o$fmt@corp.example" --timeout 10m --json 2>"$T/err")
    rc=$?
    set -e
    assert_eq "$rc" 5 "create denied ($fmt): exit status"
    assert_eq "$(json_get "$out" 'd["state"]')" failed "create denied ($fmt): state"
    case $fmt in
    html) assert_contains "$(cat "$T/err")" "HTTP 403: response is not JSON: '403 Forbidden" ;;
    *) assert_contains "$(cat "$T/err")" "not authorized to perform: organizations:CreateAccount" ;;
    esac
    assert_eq "$(calls)" $((before + 1)) "create denied ($fmt): one CreateAccount, not retried"
done

# Once AWS would accept it, no later pass submits what create reported as failed.
sim_admin POST faults '{"deny_ops": []}' >/dev/null
before=$(calls)
for _ in 1 2; do
    sim_admin POST advance '{"seconds": "1d"}' >/dev/null
    assert_exit 0 sbx run >/dev/null
done
assert_eq "$(calls)" "$before" "run submits nothing"
assert_eq "$(creations)" 0 "nothing created at AWS"
assert_eq "$(json_get "$(sbx list --all --json)" '[a["state"] for a in d["accounts"]]')" \
    '["failed", "failed", "failed"]'

# No credentials: exit 5, nothing recorded, with or without waiting.
for wait in --no-wait --timeout=10m; do
    set +e
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$SANDBOXCTL" create --kind demo \
        --owner nocreds@corp.example "$wait" >/dev/null 2>"$T/err"
    rc=$?
    set -e
    assert_eq "$rc" 5 "create without credentials ($wait)"
    assert_contains "$(cat "$T/err")" "no credentials"
done
assert_eq "$(json_get "$(sbx list --all --owner nocreds@corp.example --json)" 'd["count"]')" 0

# A wait that times out while AWS keeps refusing before the call runs (throttling) cancels the
# request: nothing was sent, and nothing is sent later.
sim_admin POST faults '{"throttle_rate": 1.0, "ops": ["CreateAccount"]}' >/dev/null
set +e
out=$(sbx_advancing CreateAccount 180 create --kind demo --owner late@corp.example --timeout 2m --json 2>"$T/err")
rc=$?
set -e
assert_eq "$rc" 1 "create timed out"
assert_eq "$(json_get "$out" 'd["state"]')" failed "timed-out request is cancelled"
assert_contains "$(json_get "$out" 'd["note"]')" "cancelled"
sim_admin POST faults '{"throttle_rate": 0.0}' >/dev/null
sim_admin POST advance '{"seconds": "1d"}' >/dev/null
assert_exit 0 sbx run >/dev/null
assert_eq "$(creations)" 0 "the cancelled request is never submitted"
assert_eq "$(json_get "$(sbx list --all --owner late@corp.example --json)" \
    '[a["state"] for a in d["accounts"]]')" '["failed"]' 
sbx log --verify >/dev/null
echo ok
