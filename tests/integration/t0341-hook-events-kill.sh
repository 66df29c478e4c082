#!/bin/bash
# t0341-hook-events-kill.sh -- every hook event reaches the owner exactly once, also when
# sandboxctl is killed (SIGKILL) at the worst moments: during the pre-close attempt (before the
# occurrence: the re-run attempt fires once), right after the occurrence (its delivery started,
# nothing sent: the next pass delivers it once), and after the shipped notify hook posted and
# mailed but before the delivery was recorded (the next pass runs the hooks again with the same
# SANDBOX_EVENT_ID and notify sends nothing twice). Deliveries are counted per event id at a
# webhook receiver on 127.0.0.1 and at a stand-in sendmail. Markers, never delays.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

mkdir -p "$T/bin" "$T/fake"
webhook_start "$T/posts"
# marker FILE -- waits until a hook has written FILE
marker() { wait_for "marker $1" test -e "$1"; }

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 5s --close-latency 1m
write_config 'hooks = {
    dir = "'"$T"'/hooks";
    timeout = "5m";
    parallel = 4;
    max_attempts = 2;
    retry_backoff = "10m";
    webhook_url = "http://127.0.0.1:'"$WEBHOOK_PORT"'/hooks/secret-token";
    mail_from = "sandboxctl@corp.example";
    state_dir = "'"$T"'/hook-state";
};'
sbx init >/dev/null

# The shipped notify hook, with a stand-in sendmail first on PATH (sandboxctl gives hooks a
# fixed PATH: a wrapper puts it back).
mkdir -p "$T/hooks/pre-close.d" "$T/hooks/lib"
cp "$SBX_SOURCE_DIR/hooks/lib/notify" "$T/hooks/lib/notify"
ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/sendmail"
cat >"$T/hooks/lib/notify-test" <<HOOK
#!/bin/sh
PATH="$T/bin:\$PATH" FAKE_NUKE_DIR="$T/fake" exec "$T/hooks/lib/notify" "\$@"
HOOK
# gate NAME -- blocks, once, while the flag file NAME exists: writes the marker NAME.blocked,
# waits on the fifo, writes NAME.released.
cat >"$T/hooks/lib/gate" <<HOOK
#!/bin/sh
flag="$T/\$(basename "\$0")-\$SANDBOX_EVENT"
if [ -e "\$flag" ]; then
    rm -f "\$flag"
    echo "\$SANDBOX_EVENT \$SANDBOX_EVENT_ID" >"\$flag.blocked"
    read -r _ <"$T/fifo"
    echo released >"\$flag.released"
fi
exit 0
HOOK
cat >"$T/hooks/pre-close.d/50-nuke" <<HOOK
#!/bin/sh
if [ -e "$T/nuke-gate" ]; then
    rm -f "$T/nuke-gate"
    echo blocked >"$T/nuke-gate.blocked"
    read -r _ <"$T/fifo"
    echo released >"$T/nuke-gate.released"
fi
echo "left: S3Bucket 1" >&2
exit 1
HOOK
chmod 755 "$T/hooks/lib/notify" "$T/hooks/lib/notify-test" "$T/hooks/lib/gate" \
    "$T/hooks/pre-close.d/50-nuke"
for ev in nuke-failed quarantined close-failed; do
    mkdir -p "$T/hooks/$ev.d"
    ln -s ../lib/gate "$T/hooks/$ev.d/40-gate"
    ln -s ../lib/notify-test "$T/hooks/$ev.d/50-notify"
    ln -s ../lib/gate "$T/hooks/$ev.d/60-gate"
done
mkfifo "$T/fifo"

# posts ID / mails ID -- deliveries of event ID at the receiver / the stand-in sendmail
posts() {
    python3 - "$T/posts" "$1" <<'PY'
import glob, json, sys
n = 0
for h in glob.glob(sys.argv[1] + "/*.headers"):
    hd = json.load(open(h))
    body = json.load(open(h[:-len(".headers")] + ".json"))
    if hd.get("idempotency-key") == sys.argv[2]:
        assert body["event_id"] == sys.argv[2], body
        n += 1
print(n)
PY
}
mails() { grep -c "^X-Sandbox-Event-Id: $1\$" "$T/fake/mail" 2>/dev/null || true; }
# ids EVENT -- the event ids posted for EVENT, in order
ids() {
    python3 - "$T/posts" "$1" <<'PY'
import glob, json, os, sys
files = sorted(glob.glob(sys.argv[1] + "/*.json"), key=lambda f: int(os.path.basename(f)[:-5]))
seen = []
for f in files:
    b = json.load(open(f))
    if b["event"] == sys.argv[2] and b["event_id"] not in seen:
        seen.append(b["event_id"])
print(" ".join(seen))
PY
}
# killed PID -- SIGKILL and reap
killed() {
    kill -KILL "$1"
    wait "$1" 2>/dev/null || true
}
release() {
    echo go >"$T/fifo"
    marker "$1.released"
}
state() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }
new() {
    id=$(json_get "$(sbx create --kind demo --owner "$1" --no-wait --json)" 'd["id"]')
    sim_admin POST advance '{"seconds": 40}' >/dev/null
    sbx run >/dev/null
    json_get "$(sbx show "#$id" --json)" 'd["account_id"]'
}

a=$(new ann@corp.example)
b=$(new bob@corp.example)

# 1. Killed right after the occurrence: the pre-close attempt failed and nuke-failed is queued;
# its delivery has started (40-gate) but sent nothing.
touch "$T/40-gate-nuke-failed"
"$SANDBOXCTL" close "$a" --yes >/dev/null 2>&1 &
pid=$!
marker "$T/40-gate-nuke-failed.blocked"
killed "$pid"
release "$T/40-gate-nuke-failed"
id1=$(cut -d' ' -f2 "$T/40-gate-nuke-failed.blocked")
assert_eq "$(posts "$id1")" 0
sbx run >/dev/null
assert_eq "$(state "$a")" expiring
assert_eq "$(posts "$id1")" 1 "delivered once after the kill"
assert_eq "$(mails "$id1")" 1
assert_eq "$(ids nuke-failed)" "$id1"
body=$(cat "$T/posts/1.json")
assert_eq "$(json_get "$body" 'd["event"]')" nuke-failed
assert_eq "$(json_get "$body" 'd["account_id"]')" "$a"
assert_eq "$(json_get "$body" 'd["owner"]')" ann@corp.example
assert_contains "$(json_get "$body" 'd["detail"]')" "left: S3Bucket 1"
assert_contains "$(json_get "$body" 'd["text"]')" "Emptying AWS sandbox account"
assert_contains "$(json_get "$body" 'd["text"]')" "$id1"
assert_contains "$(cat "$T/fake/mail")" "Subject: Emptying AWS sandbox account"
assert_contains "$(cat "$T/fake/mail")" "Message-ID: <$id1@sandboxctl.invalid>"

# 2. Killed after notify posted and mailed, before the delivery was recorded: attempt 2 fails,
# the account is quarantined; nuke-failed's hooks run again with the same id, notify sends
# nothing twice, and quarantined follows once.
touch "$T/60-gate-nuke-failed"
sim_admin POST advance '{"seconds": 610}' >/dev/null
"$SANDBOXCTL" run >/dev/null 2>&1 &
pid=$!
marker "$T/60-gate-nuke-failed.blocked"
killed "$pid"
release "$T/60-gate-nuke-failed"
id2=$(cut -d' ' -f2 "$T/60-gate-nuke-failed.blocked")
[ "$id2" != "$id1" ] || fail "a second attempt reused the event id"
assert_eq "$(posts "$id2")" 1
sbx run >/dev/null
assert_eq "$(state "$a")" nuke_failed
assert_eq "$(posts "$id2")" 1 "posted once though its hooks ran twice"
assert_eq "$(mails "$id2")" 1 "mailed once though its hooks ran twice"
assert_eq "$(grep -c "^webhook $id2\$" "$T/hook-state/notify/sent")" 1
assert_contains "$(cat "$T"/hook-logs/*-nuke-failed-*.log)" "event $id2 was posted to the webhook before"
idq=$(ids quarantined)
assert_eq "$(echo "$idq" | wc -w)" 1
assert_eq "$(posts "$idq")" 1
assert_eq "$(mails "$idq")" 1
assert_eq "$(ids nuke-failed)" "$id1 $id2"

# 3. Killed during the pre-close attempt itself (before any occurrence): the attempt runs again
# and its failure fires once.
touch "$T/nuke-gate"
"$SANDBOXCTL" close "$b" --yes >/dev/null 2>&1 &
pid=$!
marker "$T/nuke-gate.blocked"
killed "$pid"
release "$T/nuke-gate"
assert_eq "$(ids nuke-failed)" "$id1 $id2" "no event for the killed attempt"
sbx run >/dev/null
assert_eq "$(state "$b")" expiring
idb=$(ids nuke-failed | cut -d' ' -f3)
[ -n "$idb" ] || fail "the re-run attempt fired no nuke-failed"
assert_eq "$(ids nuke-failed | wc -w)" 3
assert_eq "$(posts "$idb")" 1

# Nothing more, however many passes follow.
sim_admin POST advance '{"seconds": 300}' >/dev/null
sbx run >/dev/null
sbx run >/dev/null
n=$(ls "$T/posts"/*.json | wc -l)
assert_eq "$n" 4 "posts: nuke-failed x3, quarantined x1"
assert_eq "$(grep -c '^X-Sandbox-Event-Id:' "$T/fake/mail")" 4
# The webhook URL (a secret) is on no command line and in no log.
if grep -rq secret-token "$T/fake/calls" "$T"/hook-logs/; then fail "webhook URL leaked"; fi
echo ok
