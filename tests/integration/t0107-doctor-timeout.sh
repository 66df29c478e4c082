#!/bin/bash
# t0105-doctor-timeout.sh -- `doctor` against an endpoint that never answers stops at the first
# check that times out: the later AWS checks are skipped (not each left to time out in turn),
# the failure says it timed out, and the exit status is 5. The endpoint is a listener on
# 127.0.0.1 that reads each request, records its X-Amz-Target and never answers.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

cat >"$T/silent.py" <<'PY'
import socket, sys, threading
log = open(sys.argv[1], "a", buffering=1)
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
def serve(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            return
        data += chunk
    for line in data.split(b"\r\n"):
        if line.lower().startswith(b"x-amz-target:"):
            log.write(line.split(b".", 1)[1].decode() + "\n")
    held.append(c)  # never answered, never closed
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$T/silent.py" "$T/targets" >"$T/port" &
SILENT=$!
trap 'st=$?; set +e; kill "$SILENT" 2>/dev/null; wait "$SILENT" 2>/dev/null; (exit "$st"); _sbx_on_exit' EXIT
wait_for "the stand-in server to start" test -s "$T/port"
PORT=$(cat "$T/port")
[ -n "$PORT" ] || fail "the silent listener did not start"
: >"$T/targets"

cat >"$T/sandboxctl.cfg" <<EOF2
store = "$T/store.db";
aws = {
    endpoint = "http://127.0.0.1:$PORT";
    sts_endpoint = "http://127.0.0.1:$PORT";
    region = "us-east-1";
    max_attempts = 2;
    connect_timeout = "5s";
    request_timeout = "1s";
};
EOF2
export SANDBOXCTL_CONFIG="$T/sandboxctl.cfg" AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_REGION=us-east-1

set +e
out=$(sbx doctor 2>&1)
rc=$?
set -e
echo "$out"
assert_eq "$rc" 5 "doctor against a silent endpoint"
assert_contains "$out" "FAIL  organization  DescribeOrganization: request to "
assert_contains "$out" "timed out"
assert_contains "$out" "skip  root          not checked (an earlier check timed out)"
assert_contains "$out" "skip  caller        not checked (an earlier check timed out)"
assert_eq "$(sort -u "$T/targets")" "DescribeOrganization" "requests after the timeout"

set +e
json=$(sbx doctor --json 2>/dev/null)
set -e
assert_eq "$(json_get "$json" '[c["status"] for c in d["checks"]][3:6]')" '["fail", "skip", "skip"]'
