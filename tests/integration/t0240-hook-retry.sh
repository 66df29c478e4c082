#!/bin/bash
# t0240-hook-retry.sh -- a failing pre-close hook: retried with backoff (hooks.retry_backoff
# doubling), quarantined (nuke_failed) after hooks.max_attempts failures, never closed while
# quarantined; `retry` releases it, and once the hook passes the account closes. A hook that
# hangs is killed at hooks.timeout and counts as a failure.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise only by the test's advance. The hooks' timeout is real time:
# generous, but for the run whose hook hangs (hook_timeout).
sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
write_config 'hooks = {
    dir = "'"$T"'/hooks";
    timeout = "5m";
    parallel = 4;
    max_attempts = 3;
    retry_backoff = "10m";
};'
sbx init >/dev/null

mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/50-nuke" <<HOOK
#!/bin/sh
echo "\$SANDBOX_ACCOUNT_ID \$SANDBOX_HOOK_ATTEMPT" >>"$T/nuke.log"
if [ -e "$T/hang" ]; then exec sleep 600; fi
if [ -e "$T/fail" ]; then echo "resources remain: 3 buckets" >&2; exit 3; fi
exit 0
HOOK
chmod 755 "$T/hooks/pre-close.d/50-nuke"
runs() { if [ -e "$T/nuke.log" ]; then wc -l <"$T/nuke.log" | tr -d ' '; else echo 0; fi; }
state() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }
# hook_timeout DURATION -- sets hooks.timeout
hook_timeout() { sed -i "s/^    timeout = \".*\";\$/    timeout = \"$1\";/" "$SANDBOXCTL_CONFIG"; }

acct=$(sbx_advancing CreateAccount 60 create --kind demo --owner bob@corp.example --json)
id=$(json_get "$acct" 'd["account_id"]')
touch "$T/fail"

# Attempt 1 fails: back to expiring, due after the backoff.
assert_exit 0 sbx close "$id" --yes >/dev/null
assert_eq "$(runs)" 1
assert_eq "$(state "$id")" expiring
show=$(sbx show "$id" --json)
assert_eq "$(json_get "$show" 'd["attempts"]')" 1
assert_contains "$(json_get "$show" 'd["last_error"]')" "exited 3"
assert_contains "$(json_get "$show" 'd["last_error"]')" "resources remain"
assert_contains "$(json_get "$show" 'd["hook_runs"][0]["tail"]')" "resources remain"
assert_eq "$(json_get "$show" 'd["hook_runs"][0]["status"]')" failed

# Not before the backoff.
sbx run >/dev/null
assert_eq "$(runs)" 1
# Attempt 2 after 10m, attempt 3 after another 20m (doubling): quarantined.
sim_admin POST advance '{"seconds": 610}' >/dev/null
sbx run >/dev/null
assert_eq "$(runs)" 2
assert_eq "$(state "$id")" expiring
sim_admin POST advance '{"seconds": 610}' >/dev/null
sbx run >/dev/null
assert_eq "$(runs)" 2 "the second backoff is 20m"
sim_admin POST advance '{"seconds": 610}' >/dev/null
out=$(json_lines "$(sbx run --json)")
assert_eq "$(runs)" 3
assert_eq "$(json_get "$out" 'd[-1]["report"]["quarantined"]')" 1
assert_eq "$(state "$id")" nuke_failed
assert_eq "$(json_get "$(sbx list --state nuke_failed --json)" 'd["count"]')" 1

# Quarantined: nothing happens however long we wait; AWS never saw a CloseAccount.
sim_admin POST advance '{"seconds": 86400}' >/dev/null
sbx run >/dev/null
assert_eq "$(runs)" 3
assert_eq "$(json_get "$(sim_admin GET state)" 'd["calls"].get("CloseAccount", 0)')" 0

# retry: attempts reset; a hanging hook is killed at the timeout and counts as a failure.
rm -f "$T/fail"
touch "$T/hang"
out=$(sbx retry "$id" --json)
assert_eq "$(json_get "$out" 'd["previous_state"]')" nuke_failed
assert_eq "$(json_get "$out" 'd["state"]')" expiring
assert_eq "$(json_get "$out" 'd["attempts"]')" 0
# The hook would hang for 10 minutes: `run` returning well before proves it was killed (the
# bound is generous; the timeout is 2 s).
hook_timeout 2s
grep -q '^    timeout = "2s";$' "$SANDBOXCTL_CONFIG" || fail "hooks.timeout not set"
start=$(date +%s)
sbx run >/dev/null || true
assert_eq "$(($(date +%s) - start < 300))" 1 "the hanging hook was killed at its timeout"
hook_timeout 5m
assert_eq "$(runs)" 4
assert_contains "$(json_get "$(sbx show "$id" --json)" 'd["last_error"]')" "timed out"
assert_eq "$(state "$id")" expiring

# The hook passes now: closed.
rm -f "$T/hang"
sim_admin POST advance '{"seconds": 610}' >/dev/null
sbx run >/dev/null
assert_eq "$(runs)" 5
assert_eq "$(state "$id")" closing
sim_admin POST advance '{"seconds": 120}' >/dev/null
sbx run >/dev/null
assert_eq "$(state "$id")" suspended
assert_eq "$(tail -n 1 "$T/nuke.log")" "$id 2" "attempt numbering restarted after retry"

# retry refuses accounts that are not stuck.
assert_exit 2 sbx retry "$id"
hist=$(sbx log "$id" --json)
python3 - "$hist" <<'PY'
import json, sys
ev = [e["event"] for e in json.loads(sys.argv[1])["events"]]
assert ev.count("nuke_retry") == 3, ev
assert ev.count("quarantined") == 1, ev
assert ev.count("retry") == 1, ev
PY
sbx log --verify >/dev/null
echo ok
