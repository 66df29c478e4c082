#!/bin/bash
# t0340-hook-events.sh -- the hook events of the outbox: nuke-failed for every failed pre-close
# attempt (the end of its output in SANDBOX_EVENT_DETAIL), quarantined once when the account
# enters nuke_failed, close-failed once when AWS refuses CloseAccount (not for quota). Each
# occurrence is delivered once with an event id of its own; later passes deliver nothing
# again; a failing event hook is retried with backoff under the same id; `retry` and a second
# failure make new occurrences. The simulator's clock is paused: only `advance` moves it.
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

mkdir -p "$T/hooks/pre-close.d" "$T/hooks/nuke-failed.d" "$T/hooks/quarantined.d" \
    "$T/hooks/close-failed.d"
cat >"$T/hooks/pre-close.d/50-nuke" <<HOOK
#!/bin/sh
if grep -qx "\$SANDBOX_ACCOUNT_ID" "$T/fail-ids" 2>/dev/null; then
    echo "removing EC2Instance i-1"
    echo "left: S3Bucket 3, VPC 1" >&2
    exit 3
fi
exit 0
HOOK
# Records each delivery: event, id, account, attempt, detail.
cat >"$T/hooks/record" <<HOOK
#!/bin/sh
printf '%s|%s|%s|%s|%s|%s\n' "\$SANDBOX_EVENT" "\$SANDBOX_EVENT_ID" "\$SANDBOX_ACCOUNT_ID" \
    "\$SANDBOX_HOOK_ATTEMPT" "\$SANDBOX_EVENT_TIME" "\$SANDBOX_EVENT_DETAIL" >>"$T/events.log"
if [ -e "$T/fail-delivery" ]; then rm -f "$T/fail-delivery"; echo "receiver down" >&2; exit 1; fi
exit 0
HOOK
chmod 755 "$T/hooks/pre-close.d/50-nuke" "$T/hooks/record"
for ev in nuke-failed quarantined close-failed; do
    cp "$T/hooks/record" "$T/hooks/$ev.d/50-record"
done
rm "$T/hooks/record"

# events [EVENT] -- delivery lines (of one event)
events() {
    if [ ! -e "$T/events.log" ]; then echo 0; return; fi
    grep -c "^${1:-}" "$T/events.log" || true
}
field() { sed -n "${1}p" "$T/events.log" | cut -d'|' -f"$2"; }
state() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }
new() {
    id=$(json_get "$(sbx create --kind demo --owner "$1" --no-wait --json)" 'd["id"]')
    sim_admin POST advance '{"seconds": 40}' >/dev/null # past the first poll of the creation
    sbx run >/dev/null
    json_get "$(sbx show "#$id" --json)" 'd["account_id"]'
}

a=$(new ann@corp.example)
assert_eq "$(state "$a")" active
echo "$a" >"$T/fail-ids"

# Attempt 1 fails: one nuke-failed, delivered by the command that ran the attempt.
assert_exit 0 sbx close "$a" --yes >/dev/null
assert_eq "$(state "$a")" expiring
assert_eq "$(events)" 1
assert_eq "$(field 1 1)" nuke-failed
assert_eq "$(field 1 3)" "$a"
assert_eq "$(field 1 4)" 1
id1=$(field 1 2)
case $id1 in evt-[a-z0-9]*) ;; *) fail "event id '$id1'" ;; esac
assert_contains "$(field 1 6)" "hook '50-nuke' exited 3"
assert_contains "$(field 1 6)" "left: S3Bucket 3, VPC 1"
case $(field 1 5) in 20[0-9][0-9]-*T*Z) ;; *) fail "SANDBOX_EVENT_TIME '$(field 1 5)'" ;; esac
# Later passes deliver nothing again.
sbx run >/dev/null
sbx run >/dev/null
assert_eq "$(events)" 1

# Attempt 2 fails: nuke-failed (a new id) and quarantined, once each. The first delivery of
# nuke-failed fails: it is retried after the backoff, with the same id, and quarantined keeps
# its place behind it.
touch "$T/fail-delivery"
sim_admin POST advance '{"seconds": 610}' >/dev/null
sbx run >/dev/null
assert_eq "$(state "$a")" nuke_failed
assert_eq "$(events nuke-failed)" 2
assert_eq "$(events quarantined)" 0 "quarantined waits behind the failed nuke-failed delivery"
id2=$(field 2 2)
[ "$id2" != "$id1" ] || fail "the second attempt reused the first one's event id"
assert_eq "$(field 2 4)" 1
sbx run >/dev/null
assert_eq "$(events)" 2 "a failed delivery waits for its backoff"
# Waiting deliveries show in the metrics.
m=$(sbx metrics)
assert_contains "$m" 'sandboxctl_hook_events_queued{event="nuke-failed"} 1'
assert_contains "$m" 'sandboxctl_hook_events_queued{event="quarantined"} 1'
assert_contains "$m" 'sandboxctl_hook_failures_total{event="nuke-failed"} 1'
assert_contains "$m" "# TYPE sandboxctl_hook_events_queued gauge"
sim_admin POST advance '{"seconds": 610}' >/dev/null
sbx run >/dev/null
assert_eq "$(events nuke-failed)" 3
assert_eq "$(field 3 2)" "$id2" "the retry carries the same event id"
assert_eq "$(field 3 4)" 2 "SANDBOX_HOOK_ATTEMPT counts deliveries"
assert_eq "$(events quarantined)" 1
assert_eq "$(field 4 1)" quarantined
assert_eq "$(field 4 3)" "$a"
assert_contains "$(field 4 6)" "exited 3"
id3=$(field 4 2)
[ "$id3" != "$id2" ] || fail "quarantined reused nuke-failed's id"
# The failed delivery is a hook run of its own (shown by show), and nothing fires again.
show=$(sbx show "$a" --json)
assert_eq "$(json_get "$show" '[r["status"] for r in d["hook_runs"] if r["event"] == "nuke-failed"]')" \
    '["ok", "failed", "ok"]'
sim_admin POST advance '{"seconds": 86400}' >/dev/null
sbx run >/dev/null
assert_eq "$(events)" 4
assert_contains "$(sbx metrics)" 'sandboxctl_hook_events_queued{event="nuke-failed"} 0'

# retry: the next failure is a new occurrence.
sbx retry "$a" >/dev/null
sbx run >/dev/null
assert_eq "$(events nuke-failed)" 4
[ "$(field 5 2)" != "$id2" ] || fail "a new failure reused an old event id"

# close-failed: AWS denies CloseAccount; once, however many passes follow.
b=$(new bob@corp.example)
sim_admin POST faults '{"deny_ops": ["CloseAccount"], "deny_format": "json"}' >/dev/null
assert_exit 5 sbx close "$b" --yes >/dev/null 2>&1
assert_eq "$(state "$b")" close_failed
assert_eq "$(events close-failed)" 1
line=$(grep '^close-failed' "$T/events.log")
assert_eq "$(printf '%s' "$line" | cut -d'|' -f3)" "$b"
assert_contains "$(printf '%s' "$line" | cut -d'|' -f6)" AccessDeniedException
sim_admin POST advance '{"seconds": 86400}' >/dev/null
sbx run >/dev/null
sbx run >/dev/null
assert_eq "$(events close-failed)" 1
sim_admin POST faults '{"deny_ops": []}' >/dev/null
sbx log --verify >/dev/null
echo ok
