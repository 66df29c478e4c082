#!/bin/bash
# t0055-sim-service.sh -- the simulator as a network service: the paused clock, the admin API
# for loopback peers only or with a bearer token (--admin-token), the banner naming the address
# actually bound, bodies over 1 MiB answered 413, advance bounded to a 64-bit-safe time (and a
# client refusing an absurd clock), and 1,100 idle connections starving nobody. Every
# connection goes to 127.0.0.1 (some from the source address 127.0.0.2).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# --- the paused clock: it moves only by advance, across a restart too ------------------------
sim_start_paused --no-throttle
c1=$(sim_admin GET clock)
assert_eq "$(json_get "$c1" 'd["paused"]')" true
assert_eq "$(json_get "$c1" 'd["scale"]')" 1000
car=$(json_get "$(sim_call CreateAccount '{"Email":"p@example.com","AccountName":"p"}' | cut -d' ' -f2-)" 'd["CreateAccountStatus"]["Id"]')
# Two requests have passed in real time: at 1000x a running clock would show it to the ms.
assert_eq "$(json_get "$(sim_admin GET clock)" 'd["now"]')" "$(json_get "$c1" 'd["now"]')" "a paused clock stands still"
assert_contains "$(sim_call DescribeCreateAccountStatus "{\"CreateAccountRequestId\":\"$car\"}")" '"State":"IN_PROGRESS"'
now=$(json_get "$(sim_admin POST advance '{"seconds": 61}')" 'd["now"]')
assert_eq "$(python3 -c "print($now - $(json_get "$c1" 'd["now"]'))")" 61.0
assert_contains "$(sim_call DescribeCreateAccountStatus "{\"CreateAccountRequestId\":\"$car\"}")" '"State":"SUCCEEDED"'
sim_stop
sim_start --time-scale 1000 --no-throttle # the saved clock was paused: it stays so, at the same instant
assert_eq "$(json_get "$(sim_admin GET clock)" 'd["paused"]')" true
assert_eq "$(json_get "$(sim_admin GET clock)" 'd["now"]')" "$now"
# Resumed, it runs at 1000x from where it stood: the test waits for it to pass a mark 100
# simulated seconds on (no delay of its own), then checks that it moved at least 1000 x the
# real time from just after the resume to just before the last read, and at most 1000 x the
# real time around both.
r1=$(date +%s.%N)
r=$(sim_admin POST resume)
r1b=$(date +%s.%N)
assert_eq "$(json_get "$r" 'd["paused"]')" false
clock_past() { [ "$(json_get "$(sim_admin GET clock)" "d['now'] >= $1")" = true ]; }
wait_for "the resumed clock to pass $now + 100" clock_past "$now + 100"
r2a=$(date +%s.%N)
c2=$(json_get "$(sim_admin GET clock)" 'd["now"]')
r2=$(date +%s.%N)
assert_eq "$(python3 -c "print(1000 * ($r2a - $r1b) <= $c2 - $now <= 1000 * ($r2 - $r1))")" True "resumed at 1000x ($now -> $c2 in $r1 .. $r1b -> $r2a .. $r2)"
p=$(sim_admin POST pause)
assert_eq "$(json_get "$p" 'd["paused"]')" true
assert_eq "$(json_get "$(sim_admin GET clock)" 'd["now"]')" "$(json_get "$p" 'd["now"]')"
assert_exit 22 sim_admin GET pause
# A client following a paused clock stands still with it (no waits spun through).
write_config
sbx init >/dev/null
sbx create --kind demo --owner paused@example.com --no-wait >/dev/null
assert_eq "$(json_get "$(sbx list --all --json)" 'd["accounts"][0]["state"]')" creating
sim_stop

# --- advance is bounded; the clock never passes 9999-12-31T23:59:59Z -------------------------
rm -f "$T"/sim.db*
SIM_SCALE=1 sim_start_paused
for big in 1e300 1e18 '"1000000000000s"'; do
    out=$(sim_admin POST advance "{\"seconds\": $big}" 2>&1) && fail "advance $big was accepted: $out"
    assert_contains "$out" "9999-12-31T23:59:59Z"
done
left=$(python3 -c "print(int(253402300799 - $(json_get "$(sim_admin GET clock)" 'd["now"]')))")
assert_eq "$(json_get "$(sim_admin POST advance "{\"seconds\": $left}")" 'int(d["now"]) <= 253402300799')" true
sim_stop
# A client refuses a clock past year 9999 rather than follow it (a stand-in simulator).
python3 - "$T/port" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"now": 1e300, "scale": 1}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_port))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
s.timeout = 60
s.handle_request()
PY
fake=$!
wait_for "the stand-in simulator to start" test -s "$T/port"
SIM_URL="http://127.0.0.1:$(cat "$T/port")"
write_config
out=$(sbx list 2>&1) || fail "list failed: $out"
assert_contains "$out" "out of range"
wait "$fake" || true

# --- admin API: loopback only, or a bearer token from everyone -------------------------------
rm -f "$T"/sim.db*
sim_start --listen 0.0.0.0:0
assert_contains "$(cat "$T/sim.err.$_sbx_sim_runs")" "bound to 0.0.0.0:${SIM_URL##*:}"
assert_contains "$(cat "$T/sim.err.$_sbx_sim_runs")" "answers loopback peers only"
assert_eq "$(code -X POST "$SIM_URL/__sim/reset")" 200
# any 127/8 address is loopback
assert_eq "$(code --interface 127.0.0.2 -X POST "$SIM_URL/__sim/reset")" 200
sim_stop
rm -f "$T"/sim.db*
SANDBOXCTL_SIM_ADMIN_TOKEN=t0k3n-from-env sim_start
assert_eq "$(code -X POST "$SIM_URL/__sim/reset")" 401
assert_eq "$(code -X POST -H 'Authorization: Bearer wrong' "$SIM_URL/__sim/reset")" 401
assert_eq "$(code -X POST -H 'Authorization: Bearer t0k3n-from-env' "$SIM_URL/__sim/reset")" 200
assert_eq "$(code "$SIM_URL/__sim/state")" 401
assert_eq "$(code "$SIM_URL/__sim/clock")" 200 # clients following the clock have no token
assert_contains "$(curl -s -D - -o /dev/null "$SIM_URL/__sim/faults")" "WWW-Authenticate: Bearer"
SIM_ADMIN_TOKEN=t0k3n-from-env sim_admin POST accounts '{"Email":"tok@example.com","Name":"tok"}' >/dev/null
assert_contains "$(sim_call ListAccounts)" tok@example.com # the AWS API is not affected
if grep -q t0k3n "$T"/sim.err.* "$T"/sim.out.* "$T"/sim.db* 2>/dev/null; then
    fail "the admin token was printed or stored"
fi
sim_stop
rm -f "$T"/sim.db*
sim_start --admin-token opt-token
assert_eq "$(code -X POST -H 'Authorization: Bearer opt-token' "$SIM_URL/__sim/reset")" 200
assert_eq "$(code -X POST "$SIM_URL/__sim/reset")" 401
assert_exit 2 env -u SANDBOXCTL_CONFIG "$SANDBOXCTL" sim --admin-token '' -q
sim_stop

# --- bodies over 1 MiB: 413, announced or chunked, admin and AWS alike -----------------------
rm -f "$T"/sim.db*
sim_start --no-throttle
head -c 1100000 /dev/zero | tr '\0' 'a' >"$T/big"
assert_eq "$(code -X POST --data-binary @"$T/big" "$SIM_URL/__sim/faults")" 413
assert_eq "$(code -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$SIM_URL/__sim/faults")" 413
assert_eq "$(code -X POST -H 'X-Amz-Target: AWSOrganizationsV20161128.ListRoots' --data-binary @"$T/big" "$SIM_URL/")" 413
assert_eq "$(code -X POST -H 'X-Amz-Target: AWSOrganizationsV20161128.ListRoots' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$SIM_URL/")" 413
assert_contains "$(curl -s -X POST --data-binary @"$T/big" "$SIM_URL/__sim/faults")" "larger than 1048576 bytes"
assert_contains "$(sim_call DescribeOrganization)" "200 " # and it still serves

# --- 1,100 idle connections starve nobody -----------------------------------------------------
# From 127.0.0.2: the per-client limit turns most away at once; a request from 127.0.0.1 is
# served while they are held open. Then 1,100 from 127.0.0.1 itself: once they are gone, the
# simulator serves again (none of them hangs it).
python3 - "${SIM_URL##*:}" <<'PY'
import http.client, resource, socket, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
port = int(sys.argv[1])

def idle(src, n=1100):
    out = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(30)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        out.append(s)
    return out

def clock():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/__sim/clock")
    r = c.getresponse()
    body = r.read()
    c.close()
    assert r.status == 200 and b'"now"' in body, (r.status, body)

held = idle("127.0.0.2")
clock()
for s in held:
    s.close()
held = idle("127.0.0.1")
for s in held:
    s.close()
clock()
PY
assert_contains "$(sim_call DescribeOrganization)" "200 "
sim_stop
echo ok
