#!/bin/bash
# t0342-notify-events.sh -- the shipped notify hook for nuke-failed, quarantined,
# close-failed, budget-warning and budget-exceeded (nuke-failed.d/50-notify, ... ->
# lib/notify): the webhook gets Slack-compatible JSON with the account, owner, event, detail
# and event id (also as header Idempotency-Key); the owner a mail with the same, headers X-Sandbox-Event-Id and Message-ID; an event id
# already sent on a channel is not sent again (per channel, under SANDBOX_STATE_DIR); a bad
# event id is refused.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

cp -a "$SBX_SOURCE_DIR/hooks" "$T/hooks"
chmod 755 "$T/hooks/lib/notify"
mkdir -p "$T/bin" "$T/fake"
ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/sendmail"
webhook_start "$T/posts"
URL="http://127.0.0.1:$WEBHOOK_PORT/services/T000/B000/secret-token-xyz"

# run EVENT ID [VAR=value...]
run() {
    ev=$1
    evid=$2
    shift 2
    env -i PATH="$T/bin:/usr/bin:/bin" LC_ALL=C HOME=/nonexistent SANDBOX_EVENT="$ev" \
        SANDBOX_ACCOUNT_ID=123456789012 SANDBOX_ACCOUNT_NAME=sbx-demo-alice-1 \
        SANDBOX_OWNER=alice@example.com SANDBOX_KIND=demo SANDBOX_EVENT_ID="$evid" \
        SANDBOX_EVENT_DETAIL="hook '50-aws-nuke' exited 1: left: S3Bucket 2" \
        SANDBOX_STATE_DIR="$T/state" SANDBOX_WEBHOOK_URL="$URL" \
        SANDBOX_MAIL_FROM=sandboxctl@example.com FAKE_NUKE_DIR="$T/fake" "$@" \
        "$T/hooks/$ev.d/50-notify" "$ev" >"$T/out" 2>&1
}
nposts() { ls "$T/posts"/*.json 2>/dev/null | wc -l; }
nmails() { grep -c '^To: ' "$T/fake/mail" 2>/dev/null || true; }
last() { cat "$T/posts/$(nposts).json"; }

# --- each event: webhook body and header, mail ----------------------------------------------
i=0
for ev in nuke-failed quarantined close-failed; do
    i=$((i + 1))
    assert_exit 0 run "$ev" "evt-test$i"
    assert_eq "$(nposts)" "$i"
    body=$(last)
    assert_eq "$(json_get "$body" 'd["event"]')" "$ev"
    assert_eq "$(json_get "$body" 'd["event_id"]')" "evt-test$i"
    assert_eq "$(json_get "$body" 'd["account_id"]')" 123456789012
    assert_eq "$(json_get "$body" 'd["owner"]')" alice@example.com
    assert_eq "$(json_get "$body" 'd["detail"]')" "hook '50-aws-nuke' exited 1: left: S3Bucket 2"
    assert_contains "$(json_get "$body" 'd["text"]')" "Event: $ev evt-test$i"
    assert_eq "$(json_get "$(cat "$T/posts/$i.headers")" 'd["idempotency-key"]')" "evt-test$i"
    assert_eq "$(nmails)" "$i"
    assert_contains "$(cat "$T/fake/mail")" "X-Sandbox-Event-Id: evt-test$i"
    assert_contains "$(cat "$T/fake/mail")" "Message-ID: <evt-test$i@sandboxctl.invalid>"
done
assert_contains "$(json_get "$(cat "$T/posts/1.json")" 'd["text"]')" \
    "Emptying AWS sandbox account sbx-demo-alice-1 (123456789012) failed"
assert_contains "$(json_get "$(cat "$T/posts/2.json")" 'd["text"]')" "sandboxctl retry 123456789012"
assert_contains "$(json_get "$(cat "$T/posts/2.json")" 'd["text"]')" "is quarantined"
assert_contains "$(json_get "$(cat "$T/posts/3.json")" 'd["text"]')" "could not be closed"
assert_contains "$(cat "$T/fake/mail")" "Subject: AWS sandbox account sbx-demo-alice-1 (123456789012) could not be closed"
case "$(cat "$T/out")" in *secret-token-xyz*) fail "webhook URL printed" ;; esac

# --- the same id again: nothing sent, said so; a new id is sent --------------------------------
assert_exit 0 run nuke-failed evt-test1
assert_eq "$(nposts)" 3
assert_eq "$(nmails)" 3
assert_contains "$(cat "$T/out")" "event evt-test1 was posted to the webhook before"
assert_contains "$(cat "$T/out")" "event evt-test1 was mailed to alice@example.com before"
assert_exit 0 run nuke-failed evt-test4
assert_eq "$(nposts)" 4

# --- a failed channel is retried alone ------------------------------------------------------
assert_exit 1 run close-failed evt-test5 SANDBOX_WEBHOOK_URL="http://127.0.0.1:$WEBHOOK_PORT/fail"
assert_eq "$(nmails)" 5
assert_exit 0 run close-failed evt-test5
assert_eq "$(nmails)" 5 "the mail that went through is not sent again"
assert_eq "$(json_get "$(last)" 'd["event_id"]')" evt-test5
assert_eq "$(stat -c %a "$T/state/notify")" 700

# --- bad input ------------------------------------------------------------------------------
assert_exit 2 run quarantined 'evt-1
Bcc: mallory@example.com'
assert_exit 2 run quarantined 'evt-$(id)'

# --- the budget events ----------------------------------------------------------------------
assert_exit 0 run budget-warning evt-budget1 SANDBOX_EVENT_DETAIL="threshold=80% spent=85.00 USD limit=100.00 USD period=lease"
assert_eq "$(json_get "$(last)" 'd["event"]')" budget-warning
assert_contains "$(json_get "$(last)" 'd["text"]')" "has used part of its budget"
assert_contains "$(json_get "$(last)" 'd["text"]')" "threshold=80% spent=85.00 USD"
assert_exit 0 run budget-exceeded evt-budget2 SANDBOX_EVENT_DETAIL="spent=105.00 USD limit=100.00 USD period=lease action=freeze"
assert_eq "$(json_get "$(last)" 'd["event"]')" budget-exceeded
assert_contains "$(json_get "$(last)" 'd["text"]')" "sandboxctl unfreeze 123456789012"
assert_contains "$(cat "$T/fake/mail")" "Subject: AWS sandbox account sbx-demo-alice-1 (123456789012) has exceeded its budget"

echo ok
