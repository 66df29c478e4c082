#!/bin/bash
# t0310 -- the shipped notification hooks (post-create.d/50-notify-owner,
# expiry-warning.d/50-notify, post-close.d/50-notify -> lib/notify): Slack-compatible JSON to
# a webhook on 127.0.0.1, mail through a stand-in sendmail, dry run, failures, no channels.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# The shipped tree as installed: symlinks kept, modes as the hook runner wants them.
cp -a "$SBX_SOURCE_DIR/hooks" "$T/hooks"
chmod 755 "$T/hooks/lib/notify"
mkdir -p "$T/bin" "$T/fake" "$T/posts"
ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/sendmail"

# A webhook receiver: records each POST body; answers 500 under /fail.
cat >"$T/server.py" <<'PY'
import http.server, sys, os
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = len([f for f in os.listdir(out) if f.endswith(".json")]) + 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(os.path.join(out, "%d.json" % n), "wb") as f:
            f.write(body)
        with open(os.path.join(out, "%d.type" % n), "w") as f:
            f.write(self.headers.get("Content-Type", ""))
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$T/server.py" "$T/posts" >"$T/port" &
SERVER=$!
# Stop the receiver, then let lib.sh's handler see the test's own exit status.
stop_server() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
}
trap 'st=$?; stop_server; set +e; (exit "$st"); _sbx_on_exit' EXIT
wait_for "the stand-in server to start" test -s "$T/port"
PORT=$(cat "$T/port")
[ -n "$PORT" ] || fail "webhook receiver did not start"
URL="http://127.0.0.1:$PORT/services/T000/B000/secret-token-xyz"

# run EVENT HOOK [VAR=value...]
run() {
    ev=$1
    hook=$2
    shift 2
    env -i PATH="$T/bin:/usr/bin:/bin" LC_ALL=C HOME=/nonexistent SANDBOX_EVENT="$ev" \
        SANDBOX_ACCOUNT_ID=123456789012 SANDBOX_ACCOUNT_NAME=sbx-developer-alice-1 \
        SANDBOX_EMAIL=sandbox+developer-alice-1@example.com SANDBOX_OWNER=alice@example.com \
        SANDBOX_KIND=developer SANDBOX_EXPIRES_AT=2026-12-01T00:00:00Z \
        SANDBOX_ROLE_ARN=arn:aws:iam::123456789012:role/OrganizationAccountAccessRole \
        SANDBOX_WEBHOOK_URL="$URL" SANDBOX_MAIL_FROM=sandboxctl@example.com \
        FAKE_NUKE_DIR="$T/fake" "$@" "$T/hooks/$hook" "$ev" >"$T/out" 2>&1
}
post_text() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["text"])' "$T/posts/$1.json"
}

# --- post-create: the owner learns the id and how to sign in -------------------------------
assert_exit 0 run post-create post-create.d/50-notify-owner
assert_contains "$(cat "$T/out")" "posted to the webhook"
assert_contains "$(cat "$T/out")" "mailed alice@example.com"
assert_eq "$(cat "$T/posts/1.type")" application/json
text=$(post_text 1)
assert_contains "$text" "Your AWS sandbox account sbx-developer-alice-1 (123456789012) is ready"
assert_contains "$text" "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=OrganizationAccountAccessRole"
assert_contains "$text" "It expires at 2026-12-01T00:00:00Z"
mail=$(cat "$T/fake/mail")
assert_contains "$mail" "From: sandboxctl@example.com"
assert_contains "$mail" "To: alice@example.com"
assert_contains "$mail" "Subject: Your AWS sandbox account sbx-developer-alice-1 (123456789012) is ready"
assert_contains "$mail" "role_arn = arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
assert_contains "$(cat "$T/fake/calls")" "sendmail -t -oi"
# The webhook URL (a secret) is never on a command line or in the output.
case "$(cat "$T/out")" in *secret-token-xyz*) fail "webhook URL printed" ;; esac

# --- expiry-warning and post-close -----------------------------------------------------------
rm -f "$T/fake/mail"
assert_exit 0 run expiry-warning expiry-warning.d/50-notify SANDBOX_WARN_OFFSET=1d
text=$(post_text 2)
assert_contains "$text" "expires in 1d at 2026-12-01T00:00:00Z"
assert_contains "$text" "sandboxctl extend 123456789012"
assert_contains "$(cat "$T/fake/mail")" "Subject: AWS sandbox account sbx-developer-alice-1 (123456789012) expires in 1d at 2026-12-01T00:00:00Z"
assert_exit 0 run post-close post-close.d/50-notify SANDBOX_REASON=offboarded
text=$(post_text 3)
assert_contains "$text" "was emptied and closed (reason: offboarded)"
assert_contains "$text" "90 days"

# --- JSON stays valid whatever the text holds --------------------------------------------
assert_exit 0 run post-close post-close.d/50-notify SANDBOX_ACCOUNT_NAME='we"ird\name	tab' \
    SANDBOX_OWNER=
text=$(post_text 4)
assert_contains "$text" 'we"ird\name'
assert_contains "$(cat "$T/out")" "posted to the webhook"

# --- no mail to something that is not one address (no header injection) -----------------
rm -f "$T/fake/mail"
assert_exit 0 run post-close post-close.d/50-notify SANDBOX_OWNER='alice@example.com
Bcc: mallory@example.com' SANDBOX_WEBHOOK_URL=
[ ! -e "$T/fake/mail" ] || fail "mailed a forged recipient: $(cat "$T/fake/mail")"
assert_contains "$(cat "$T/out")" "is not an email address"

# --- dry run: prints, sends nothing -----------------------------------------------------
n_before=$(ls "$T/posts"/*.json | wc -l)
assert_exit 0 run post-create post-create.d/50-notify-owner SANDBOX_DRY_RUN=1
assert_contains "$(cat "$T/out")" "dry run: nothing is sent"
assert_contains "$(cat "$T/out")" "would post to the webhook"
assert_contains "$(cat "$T/out")" "would mail alice@example.com"
assert_eq "$(ls "$T/posts"/*.json | wc -l)" "$n_before" "dry run posted"
[ ! -e "$T/fake/mail" ] || fail "dry run mailed"

# --- failures are reported (the engine retries the hook) ------------------------------------
assert_exit 1 run post-close post-close.d/50-notify SANDBOX_WEBHOOK_URL="http://127.0.0.1:$PORT/fail"
assert_contains "$(cat "$T/out")" "posting to the webhook failed"
assert_exit 2 run post-close post-close.d/50-notify SANDBOX_WEBHOOK_URL="file:///etc/passwd"

# --- nothing configured: success, said so ----------------------------------------------
rm -f "$T/bin/sendmail"
assert_exit 0 run post-close post-close.d/50-notify SANDBOX_WEBHOOK_URL= SANDBOX_OWNER=
assert_contains "$(cat "$T/out")" "nothing to send"

# --- an unknown event is an error --------------------------------------------------------
assert_exit 2 run pre-close post-close.d/50-notify
