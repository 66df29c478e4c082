#!/bin/bash
# t0320 -- the shipped hooks driven by the engine against the simulator, end to end: the
# hook runner gives post-create an environment built from nothing (the test's own variables
# do not leak in), the shipped notify hook posts the new account to a webhook on 127.0.0.1,
# and the shipped aws-nuke hook recognises the simulated organization and lets the close go
# on; every run is recorded with its log and tail.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A webhook receiver on 127.0.0.1 that records each POST body.
mkdir -p "$T/posts"
cat >"$T/server.py" <<'PY'
import http.server, sys, os
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = len(os.listdir(out)) + 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(os.path.join(out, "%d.json" % n), "wb") as f:
            f.write(body)
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$T/server.py" "$T/posts" >"$T/port" &
SERVER=$!
stop_server() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
}
trap 'st=$?; stop_server; set +e; (exit "$st"); _sbx_on_exit' EXIT
wait_for "the stand-in server to start" test -s "$T/port"
PORT=$(cat "$T/port")
[ -n "$PORT" ] || fail "webhook receiver did not start"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise only by the test's advance.
sim_start_paused --no-throttle --create-latency 1s --close-latency 1s
# The shipped hooks, installed the way an operator would (copies, modes the runner accepts),
# plus a recorder that dumps its environment.
mkdir -p "$T/hooks/post-create.d" "$T/hooks/pre-close.d" "$T/hooks/post-close.d"
cp "$SBX_SOURCE_DIR/hooks/lib/notify" "$T/hooks/post-create.d/50-notify-owner"
cp "$SBX_SOURCE_DIR/hooks/pre-close.d/50-aws-nuke" "$T/hooks/pre-close.d/50-aws-nuke"
printf '#!/bin/sh\nenv > "%s/post-create.env"\n' "$T" >"$T/hooks/post-create.d/10-record"
printf '#!/bin/sh\nenv > "%s/post-close.env"\n' "$T" >"$T/hooks/post-close.d/10-record"
chmod 755 "$T/hooks"/*/*
write_config "hooks = {
    dir = \"$T/hooks\";
    log_dir = \"$T/hook-logs\";
    timeout = \"1m\";
    parallel = 2;
    webhook_url = \"http://127.0.0.1:$PORT/hook\";
};"
export SBX_CANARY_INHERITED=leak
sbx init >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner alice@example.com --ttl 1h --json \
    >"$T/create.json"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account_id"])' "$T/create.json")
case $id in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;; *) fail "no account id: $(cat "$T/create.json")" ;; esac

# post-create: the environment of the contract, and nothing inherited.
[ -s "$T/post-create.env" ] || fail "post-create hook did not run"
env_pc=$(grep -v '^PWD=' "$T/post-create.env" | sort)
assert_contains "$env_pc" "SANDBOX_ACCOUNT_ID=$id"
assert_contains "$env_pc" "SANDBOX_EVENT=post-create"
assert_contains "$env_pc" "SANDBOX_OWNER=alice@example.com"
assert_contains "$env_pc" "SANDBOX_KIND=demo"
assert_contains "$env_pc" "SANDBOX_ROLE_ARN=arn:aws:iam::$id:role/OrganizationAccountAccessRole"
assert_contains "$env_pc" "SANDBOX_WEBHOOK_URL=http://127.0.0.1:$PORT/hook"
assert_contains "$env_pc" "HOME=/nonexistent"
assert_contains "$env_pc" "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
case "$env_pc" in *SBX_CANARY_INHERITED* | *AWS_SECRET_ACCESS_KEY* | *SANDBOXCTL_CONFIG*)
    fail "inherited or secret variables reached the hook: $env_pc" ;;
esac
unexpected=$(printf '%s\n' "$env_pc" | sed 's/=.*//' | grep -vE '^(SANDBOX_[A-Z_]+|PATH|HOME|LC_ALL)$' || true)
[ -z "$unexpected" ] || fail "unexpected variables in the hook environment: $unexpected"

# The shipped notify hook posted the new account.
[ -s "$T/posts/1.json" ] || fail "notify hook posted nothing"
text=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["text"])' "$T/posts/1.json")
assert_contains "$text" "($id) is ready"
assert_contains "$text" "switchrole?account=$id"

# Closing: the shipped aws-nuke hook sees the simulator, does nothing, and the close proceeds.
sbx close "$id" --yes >/dev/null
for _ in 1 2 3 4 5 6; do
    state=$(sbx list --all --json | python3 -c 'import json,sys
d = json.load(sys.stdin)
rows = d["accounts"] if isinstance(d, dict) else d
print([a["state"] for a in rows if a.get("account_id") == sys.argv[1]][0])' "$id")
    case $state in suspended | gone) break ;; esac
    sim_admin POST /__sim/advance '{"seconds": 600}' >/dev/null
    sbx run >/dev/null 2>&1 || true
done
case $state in suspended | gone) ;; *) fail "account still $state after close" ;; esac
show=$(sbx show "$id")
assert_contains "$show" "the organization is simulated"
assert_contains "$show" "<== 50-aws-nuke: exit 0"
log=$(ls "$T/hook-logs/$id-pre-close-"*.log)
assert_eq "$(stat -c %a "$log")" 600
assert_eq "$(stat -c %a "$T/hook-logs")" 700
[ -s "$T/post-close.env" ] || fail "post-close hook did not run"
assert_contains "$(cat "$T/post-close.env")" "SANDBOX_REASON=manual"
