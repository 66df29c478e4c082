# lib.sh -- shared helpers for integration tests (bash). Source it first:
#
#     . "$SBX_SOURCE_DIR/tests/integration/lib.sh"
#
# It turns on `set -eu`, makes a fresh temporary directory $T (removed when the test passes,
# kept and named on stderr when it fails), points every AWS tool at nothing but what the test
# sets up (no ~/.aws files, no pager), and on exit stops the simulator it started.
#
# Environment (set by ctest): SANDBOXCTL (the binary), SBX_SOURCE_DIR, SBX_TEST_DATA,
# SBX_BUILD_DIR.
#
# Functions (the contract other tests rely on):
#   sim_start [sim options...]   start `sandboxctl sim` on a free loopback port with state
#                                $T/sim.db; sets SIM_URL SIM_PID AWS_ACCESS_KEY_ID
#                                AWS_SECRET_ACCESS_KEY AWS_REGION AWS_ENDPOINT_URL
#   sim_start_paused [options]   sim_start with the clock paused (only advance moves it), the
#                                way every test that waits for simulated time starts it; a
#                                client waiting for that clock re-reads it SIM_SCALE times
#                                faster than real time (default 1000; the scale never moves a
#                                paused clock)
#   sim_stop                     SIGTERM the simulator and wait; returns its exit status
#   sim_kill                     SIGKILL the simulator (crash tests) and wait
#   sim_admin METHOD PATH [JSON] call the admin API (PATH "/__sim/state" or just "state");
#                                prints the body; fails on an HTTP error status; sends
#                                $SIM_ADMIN_TOKEN as a bearer token when it is set
#                                (`sim_admin POST pause`: the simulator's clock then moves
#                                only by `sim_admin POST advance ...`; `sim_start --paused`
#                                starts it so; `sim_admin POST resume` lets it run again)
#   sim_call OP [BODY]           an independently signed request; prints "STATUS BODY"
#   sim_advance SECONDS          move the simulator's clock forward (`POST advance`; a number of
#                                seconds or a duration such as 90d); prints nothing
#   sim_ou_id NAME               the id of the simulator's OU named NAME
#   sim_new_ou NAME              creates an OU NAME under the root (as an operator would, with
#                                CreateOrganizationalUnit) and prints its id
#   sim_move ACCOUNT FROM TO     moves ACCOUNT from OU id FROM to OU id TO (MoveAccount, as an
#                                operator would); fails unless the simulator answers 200
#   sim_calls OP                 how many OP requests the simulator has answered so far
#                                (its state's "calls"; refusals and throttles count too);
#                                OP "clock": how often it answered GET /__sim/clock (its
#                                state's "clock_reads"); OP1+OP2: the sum
#   wait_for WHAT CMD...         run CMD (output discarded) until it succeeds, every 0.05 s; fail
#                                naming WHAT after $SBX_WAIT_BOUND real seconds (default 300):
#                                a safety net for a stuck test, never a measure of speed
#   poll_pause                   the interval between two looks of a loop that waits for a
#                                marker (wait_for's): every such loop in the tests uses it, so
#                                none waits for a time of its own
#   kill_at_call OP BEFORE PID   SIGKILL PID as soon as the simulator has answered more than
#                                BEFORE OP requests; returns 0 if it was killed, 1 if PID ended
#                                first (then reaped either way)
#   sbx_bg NAME ARGS...          run `sbx ARGS` in the background, stdout in $T/NAME.out and
#                                stderr in $T/NAME.err; sbx_wait NAME waits for it and returns
#                                its exit status
#   sbx_advancing OP SECS ARGS...  for a simulator with a paused clock: run `sbx ARGS` in the
#                                background and, each time the simulator has answered more OP
#                                requests than when it last looked, advance its clock by SECS,
#                                until sbx ends. Its stdout and stderr pass through, its status
#                                is returned. Meant for commands that wait for the clock after
#                                each OP: `sbx_advancing CreateAccount 60 create ...` drives a
#                                creation (the first poll comes at most 30 s after the request;
#                                the simulator's --create-latency must be at most 60 s), and a
#                                retry with a new alias after EMAIL_ALREADY_EXISTS. OP "clock"
#                                advances each time the command reads the simulator's clock,
#                                which a command following a paused clock does whenever it
#                                waits for time: `sbx_advancing clock 10 class create ...`
#                                drives a command that waits on several operations' pacing
#   advancing OP SECS CMD...     the same for any command CMD (a shell function too), e.g. the
#                                AWS CLI retrying a throttled call (t0050)
#   advance_while OP SECS PID    the same for a background process of the test's own (e.g. a
#                                command under script(1)): advances as sbx_advancing does until
#                                PID ends, and returns its exit status
#   write_config [libconfig]     write $T/sandboxctl.cfg for the running simulator and export
#                                SANDBOXCTL_CONFIG
#   write_quota_config WAIT_OU [libconfig]  write_config with limits.close_quota = 2 (closing
#                                not paced) and organization.close_wait_ou = WAIT_OU
#   webhook_start DIR            start a webhook receiver on 127.0.0.1 (tests/data/
#                                webhook-receiver.py) recording each POST in DIR as N.json
#                                and N.headers; sets WEBHOOK_PORT; stopped on exit
#   sbx ARGS...                  run $SANDBOXCTL ARGS
#   fail MSG; assert_eq GOT WANT [MSG]; assert_contains HAYSTACK NEEDLE [MSG];
#   assert_exit CODE CMD...; json_get JSON EXPR (EXPR is Python over `d`)
#   json_lines TEXT              the JSON object of each line of TEXT as one JSON array
#                                (`run --json` prints JSON lines: json_get "$(json_lines ..)")
#
# Tests never depend on how fast the machine is: a simulator started with --paused moves its
# clock only by sim_advance, and a test waits for markers (a request the simulator answered, an
# audit event, a file a hook writes, a process exiting) with wait_for, sbx_wait or
# sbx_advancing -- never for a delay. A paused simulator still throttles by its token buckets,
# which refill only as sim_advance moves its clock: a test that sends more than a burst without
# advancing passes --no-throttle (t0050 and t0054 test the throttling itself; injected faults
# throttle with or without it: t0263).

set -eu

: "${SANDBOXCTL:?SANDBOXCTL must name the sandboxctl binary}"
: "${SBX_SOURCE_DIR:?SBX_SOURCE_DIR must name the source tree}"

T=$(mktemp -d "${TMPDIR:-/tmp}/sbx-it.XXXXXX")
SIM_PID=""
SIM_URL=""
WEBHOOK_PID=""
_sbx_sim_runs=0

# Nothing from the host's AWS setup leaks into a test.
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER=""
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_MAX_ATTEMPTS \
    AWS_ENDPOINT_URL_ORGANIZATIONS AWS_ENDPOINT_URL_STS SANDBOXCTL_CONFIG 2>/dev/null || true

_sbx_on_exit() {
    rc=$?
    set +e
    if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
        kill -TERM "$SIM_PID" 2>/dev/null
        wait "$SIM_PID" 2>/dev/null
    fi
    if [ -n "$WEBHOOK_PID" ]; then
        kill "$WEBHOOK_PID" 2>/dev/null
        wait "$WEBHOOK_PID" 2>/dev/null
    fi
    if [ "$rc" -eq 0 ]; then
        rm -rf "$T"
    else
        for f in "$T"/sim.err.*; do
            [ -s "$f" ] || continue
            echo "--- $f (last 20 lines)" >&2
            tail -n 20 "$f" >&2
        done
        echo "test failed (status $rc); files kept in $T" >&2
    fi
    exit "$rc"
}
trap _sbx_on_exit EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# assert_eq GOT WANT [MSG]
assert_eq() {
    if [ "$1" != "$2" ]; then
        fail "${3:-values differ}: got '$1', want '$2'"
    fi
}

# assert_contains HAYSTACK NEEDLE [MSG]
assert_contains() {
    case "$1" in
    *"$2"*) ;;
    *) fail "${3:-missing text}: '$2' not in: $1" ;;
    esac
}

# assert_exit CODE CMD... -- runs CMD (its output passes through) and checks its exit status.
assert_exit() {
    want=$1
    shift
    set +e
    "$@"
    got=$?
    set -e
    if [ "$got" -ne "$want" ]; then
        fail "'$*' exited $got, want $want"
    fi
}

# json_get JSON EXPR -- prints eval(EXPR) over d = the parsed JSON: strings raw, anything else
# as JSON (true, null, 3, [...]).
json_get() {
    python3 -c '
import json, sys
d = json.loads(sys.argv[1])
r = eval(sys.argv[2])
print(r if isinstance(r, str) else json.dumps(r))
' "$1" "$2"
}

# json_lines TEXT -- one JSON array of the objects on TEXT's lines (JSON lines, as `run --json`
# prints them).
json_lines() {
    printf '%s\n' "$1" | python3 -c '
import json, sys
print(json.dumps([json.loads(l) for l in sys.stdin if l.strip()]))
'
}

sbx() {
    "$SANDBOXCTL" "$@"
}

sim_start_paused() {
    sim_start --paused --time-scale "${SIM_SCALE:-1000}" "$@"
}

# sim_start [options] -- starts the simulator in the background and waits for its banner:
# line 1 the URL, then four `export` lines, which are evaluated here. A second sim_start after
# sim_stop/sim_kill reuses $T/sim.db, so a restart continues from the saved state.
sim_start() {
    _sbx_sim_runs=$((_sbx_sim_runs + 1))
    out="$T/sim.out.$_sbx_sim_runs"
    errf="$T/sim.err.$_sbx_sim_runs"
    : >"$out"
    # The simulator takes its settings from the options alone, never from a test's config.
    env -u SANDBOXCTL_CONFIG "$SANDBOXCTL" sim --listen 127.0.0.1:0 --state "$T/sim.db" "$@" \
        >"$out" 2>"$errf" &
    SIM_PID=$!
    tries=0
    while [ "$(grep -c '^export ' "$out" || true)" -lt 4 ]; do
        if ! kill -0 "$SIM_PID" 2>/dev/null; then
            cat "$errf" >&2
            SIM_PID=""
            fail "sandboxctl sim exited before printing its URL"
        fi
        tries=$((tries + 1))
        if [ "$tries" -gt 600 ]; then
            fail "sandboxctl sim did not print its URL within 60 s"
        fi
        sleep 0.1
    done
    SIM_URL=$(head -n 1 "$out")
    case "$SIM_URL" in
    http://127.0.0.1:*) ;;
    *) fail "unexpected first line from sandboxctl sim: '$SIM_URL'" ;;
    esac
    eval "$(grep '^export ' "$out")"
    # AWS CLI v1 reads the region from AWS_DEFAULT_REGION only.
    AWS_DEFAULT_REGION=$AWS_REGION
    export SIM_URL SIM_PID AWS_DEFAULT_REGION
}

# sim_stop -- SIGTERM, wait, and return the simulator's exit status.
sim_stop() {
    [ -n "$SIM_PID" ] || return 0
    kill -TERM "$SIM_PID"
    set +e
    wait "$SIM_PID"
    st=$?
    set -e
    SIM_PID=""
    return "$st"
}

# sim_kill -- SIGKILL (no clean shutdown), for crash and restart tests.
sim_kill() {
    [ -n "$SIM_PID" ] || return 0
    kill -KILL "$SIM_PID"
    wait "$SIM_PID" 2>/dev/null || true
    SIM_PID=""
}

# sim_admin METHOD PATH [JSON_BODY] -- prints the admin API's answer; fails on HTTP >= 400.
sim_admin() {
    [ -n "$SIM_URL" ] || fail "sim_admin: no simulator running"
    p=$2
    case "$p" in
    /__sim/*) ;;
    *) p="/__sim/${p#/}" ;;
    esac
    _sa_method=$1
    _sa_body=${3-}
    _sa_has_body=0
    [ $# -lt 3 ] || _sa_has_body=1
    set --
    if [ -n "${SIM_ADMIN_TOKEN:-}" ]; then
        set -- -H "Authorization: Bearer $SIM_ADMIN_TOKEN"
    fi
    if [ "$_sa_has_body" = 1 ]; then
        curl -sS --fail-with-body -X "$_sa_method" -H 'Content-Type: application/json' "$@" \
            --data-binary "$_sa_body" "$SIM_URL$p"
    else
        curl -sS --fail-with-body -X "$_sa_method" "$@" "$SIM_URL$p"
    fi
}

# sim_call OP [BODY] -- one SigV4-signed request to the simulator, signed by an independent
# Python implementation (not the project's C code), printing "STATUS BODY" on one line.
# OP is an Organizations operation (BODY is JSON, default {}) or sts:ACTION (BODY is the rest
# of the form, e.g. "RoleArn=...&RoleSessionName=x"). The environment may override what is
# signed: SIM_CALL_KEY / SIM_CALL_SECRET / SIM_CALL_TOKEN (default: $AWS_ACCESS_KEY_ID,
# $AWS_SECRET_ACCESS_KEY, $AWS_SESSION_TOKEN), SIM_CALL_DATE (X-Amz-Date, default now),
# SIM_CALL_SERVICE and SIM_CALL_REGION (credential scope), SIM_CALL_TAMPER=1 (change the body
# after signing).
sim_call() {
    [ -n "$SIM_URL" ] || fail "sim_call: no simulator running"
    python3 - "$@" <<'PYEOF'
import datetime, hashlib, hmac, http.client, os, sys

op = sys.argv[1]
body = sys.argv[2] if len(sys.argv) > 2 else None
env = os.environ
host = env["SIM_URL"].split("//", 1)[1].rstrip("/")
key = env.get("SIM_CALL_KEY") or env["AWS_ACCESS_KEY_ID"]
secret = env.get("SIM_CALL_SECRET") or env["AWS_SECRET_ACCESS_KEY"]
token = env.get("SIM_CALL_TOKEN") or env.get("AWS_SESSION_TOKEN") or None
date = env.get("SIM_CALL_DATE") or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
region = env.get("SIM_CALL_REGION", "us-east-1")
headers = {"host": host, "x-amz-date": date}
if op.startswith("sts:"):
    service = env.get("SIM_CALL_SERVICE", "sts")
    body = "Action=%s&Version=2011-06-15" % op[4:] + ("&" + body if body else "")
    headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8"
else:
    service = env.get("SIM_CALL_SERVICE", "organizations")
    body = body if body is not None else "{}"
    headers["content-type"] = "application/x-amz-json-1.1"
    headers["x-amz-target"] = "AWSOrganizationsV20161128." + op
if token:
    headers["x-amz-security-token"] = token
names = sorted(headers)
sha = lambda b: hashlib.sha256(b.encode()).hexdigest()
canonical = "POST\n/\n\n" + "".join("%s:%s\n" % (n, headers[n]) for n in names) + "\n" + \
    ";".join(names) + "\n" + sha(body)
scope = "%s/%s/%s/aws4_request" % (date[:8], region, service)
to_sign = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (date, scope, sha(canonical))
k = ("AWS4" + secret).encode()
for part in (date[:8], region, service, "aws4_request"):
    k = hmac.new(k, part.encode(), hashlib.sha256).digest()
sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
    key, scope, ";".join(names), sig)
if env.get("SIM_CALL_TAMPER") == "1":
    body += " "
conn = http.client.HTTPConnection(host, timeout=30)
conn.request("POST", "/", body=body.encode(), headers=headers)
resp = conn.getresponse()
text = resp.read().decode()
print(resp.status, " ".join(text.split()) if op.startswith("sts:") else text)
PYEOF
}

# write_config [extra libconfig text] -- writes $T/sandboxctl.cfg for the running simulator
# (store $T/store.db, hooks dir $T/hooks, aws.endpoint $SIM_URL, follow_sim_clock, the three
# kinds of config/sandboxctl-sim.cfg, AWS's default limits but account_limit 1000) and exports
# SANDBOXCTL_CONFIG.
#
# The extra text is appended at top level. libconfig refuses a setting defined twice, so when
# the extra text defines one of the top-level groups (store, aws, organization, limits, hooks,
# kinds, sim), the default of that group is left out: to change the kinds, pass a complete
# `kinds = { ... };` of your own; to change one limit, pass a complete `limits = { ... };`.
write_config() {
    extra=${1:-}
    cfg="$T/sandboxctl.cfg"
    mkdir -p "$T/hooks"
    : >"$cfg"
    _wc_has() {
        printf '%s\n' "$extra" | grep -qE "^[[:space:]]*$1[[:space:]]*[=:]"
    }
    _wc_has store || printf 'store = "%s";\n\n' "$T/store.db" >>"$cfg"
    _wc_has aws || cat >>"$cfg" <<EOF
aws = {
    endpoint = "$SIM_URL";
    region = "us-east-1";
    max_attempts = 8;
    connect_timeout = "5s";
    request_timeout = "30s";
    follow_sim_clock = true;
};

EOF
    _wc_has organization || cat >>"$cfg" <<'EOF'
organization = {
    email_template = "sandbox+{kind}-{owner}-{seq}@example.com";
    name_template = "sbx-{kind}-{owner}-{seq}";
    protected_tags = [ "AccountType=Critical" ];
    protected_accounts = [ ];
};

EOF
    _wc_has limits || cat >>"$cfg" <<'EOF'
limits = {
    account_limit = 1000;
    create_rate = 0.1;
    create_burst = 3;
    create_in_progress = 5;
    close_rate = 0.05;
    close_burst = 1;
    close_in_flight = 3;
    close_quota = 0;
};

EOF
    _wc_has hooks || cat >>"$cfg" <<EOF
hooks = {
    dir = "$T/hooks";
    timeout = "5m";
    parallel = 4;
    max_attempts = 3;
    retry_backoff = "1m";
};

EOF
    _wc_has kinds || cat >>"$cfg" <<'EOF'
kinds = {
    developer = {
        ou = "Sandboxes/Developers";
        max_per_owner = 1;
        warn = [ "1d" ];
    };
    training = {
        ttl = "3d";
        max_ttl = "14d";
        ou = "Sandboxes/Training";
        warn = [ "1d", "2h" ];
    };
    demo = {
        ttl = "8h";
        max_ttl = "3d";
        ou = "Sandboxes/Demos";
        warn = [ "1h" ];
    };
};

EOF
    if [ -n "$extra" ]; then
        printf '%s\n' "$extra" >>"$cfg"
    fi
    SANDBOXCTL_CONFIG=$cfg
    export SANDBOXCTL_CONFIG
}

# write_quota_config WAIT_OU [extra libconfig text] -- write_config for the close quota's tests:
# limits.close_quota = 2 with AWS's closing rate lifted (the tests are about the quota, not
# that pacing), and organization.close_wait_ou = WAIT_OU.
write_quota_config() {
    write_config 'limits = {
    account_limit = 1000;
    close_quota = 2;
    close_rate = 1000;
    close_burst = 1000;
};
organization = {
    email_template = "sandbox+{kind}-{owner}-{seq}@example.com";
    name_template = "sbx-{kind}-{owner}-{seq}";
    protected_tags = [ "AccountType=Critical" ];
    close_wait_ou = "'"$1"'";
};
'"${2:-}"
}

# sim_advance SECONDS|DURATION -- moves the simulator's clock forward.
sim_advance() {
    case "$1" in
    *[!0-9.]*) sim_admin POST advance "{\"seconds\": \"$1\"}" >/dev/null ;;
    *) sim_admin POST advance "{\"seconds\": $1}" >/dev/null ;;
    esac
}

# sim_ou_id NAME -- the id of the simulator's OU named NAME.
sim_ou_id() {
    json_get "$(sim_admin GET state)" "[o['Id'] for o in d['ous'] if o['Name'] == '$1'][0]"
}

# sim_new_ou NAME -- an OU NAME made under the root by CreateOrganizationalUnit; prints its id.
sim_new_ou() {
    _sno_root=$(json_get "$(sim_call ListRoots | cut -d' ' -f2-)" 'd["Roots"][0]["Id"]')
    json_get "$(sim_call CreateOrganizationalUnit "{\"ParentId\": \"$_sno_root\", \"Name\": \"$1\"}" | cut -d' ' -f2-)" 'd["OrganizationalUnit"]["Id"]'
}

# sim_move ACCOUNT FROM TO -- MoveAccount of ACCOUNT from OU id FROM to OU id TO; fails the
# test unless the simulator answers 200.
sim_move() {
    assert_contains "$(sim_call MoveAccount "{\"AccountId\": \"$1\", \"SourceParentId\": \"$2\", \"DestinationParentId\": \"$3\"}")" 200
}

# sim_calls OP -- prints how many OP requests the simulator has answered.
sim_calls() {
    json_get "$(sim_admin GET state)" \
        "sum(d['clock_reads'] if op == 'clock' else d['calls'].get(op, 0) for op in '$1'.split('+'))"
}

# wait_for WHAT CMD... -- polls CMD until it succeeds; fails naming WHAT after the bound.
wait_for() {
    _wf_what=$1
    shift
    _wf_end=$(($(date +%s) + ${SBX_WAIT_BOUND:-300}))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$_wf_end" ]; then
            fail "waited ${SBX_WAIT_BOUND:-300} s for $_wf_what"
        fi
        poll_pause
    done
}

poll_pause() {
    sleep 0.05
}

kill_at_call() {
    while kill -0 "$3" 2>/dev/null; do
        if [ "$(sim_calls "$1")" -gt "$2" ]; then
            kill -KILL "$3" 2>/dev/null
            wait "$3" 2>/dev/null || true
            return 0
        fi
        poll_pause
    done
    wait "$3" 2>/dev/null || true
    return 1
}

# sbx_create_active KIND OWNER -- requests an account and runs the engine on the paused
# simulator clock (10 s a pass) until it is active; prints its row id.
sbx_create_active() {
    _ca_row=$(json_get "$(sbx create --kind "$1" --owner "$2" --no-wait --json)" 'd["id"]')
    for _ca_i in $(seq 1 60); do
        [ "$(json_get "$(sbx show "$_ca_row" --json)" 'd["state"]')" = active ] && break
        sim_advance 10
        sbx run --once >/dev/null
    done
    [ "$(json_get "$(sbx show "$_ca_row" --json)" 'd["state"]')" = active ] ||
        fail "account $_ca_row never became active"
    echo "$_ca_row"
}

# sbx_bg NAME ARGS... / sbx_wait NAME -- a command in the background, and its exit status.
sbx_bg() {
    _bg_name=$1
    shift
    "$SANDBOXCTL" "$@" >"$T/$_bg_name.out" 2>"$T/$_bg_name.err" &
    eval "_sbx_bg_$_bg_name=\$!"
}

sbx_wait() {
    eval "_bg_pid=\${_sbx_bg_$1:?sbx_wait: no background command $1}"
    _bg_st=0
    wait "$_bg_pid" || _bg_st=$?
    return "$_bg_st"
}

# sbx_advancing OP SECS ARGS... / advancing OP SECS CMD... -- see the header.
sbx_advancing() {
    _sa_op=$1
    _sa_secs=$2
    shift 2
    advancing "$_sa_op" "$_sa_secs" "$SANDBOXCTL" "$@"
}

advancing() {
    _sa_op=$1
    _sa_secs=$2
    shift 2
    _sa_before=$(sim_calls "$_sa_op")
    "$@" >"$T/advancing.out" 2>"$T/advancing.err" &
    _sa_st=0
    _aw_what="'$*'"
    advance_while "$_sa_op" "$_sa_secs" $! "$_sa_before" || _sa_st=$?
    _aw_what=""
    cat "$T/advancing.out"
    cat "$T/advancing.err" >&2
    return "$_sa_st"
}

# advance_while OP SECS PID [BEFORE] -- see the header.
advance_while() {
    _aw_op=$1
    _aw_secs=$2
    _aw_pid=$3
    _aw_before=${4:-$(sim_calls "$_aw_op")}
    _aw_end=$(($(date +%s) + ${SBX_WAIT_BOUND:-300}))
    _aw_moved=0
    while kill -0 "$_aw_pid" 2>/dev/null; do
        _aw_now=$(sim_calls "$_aw_op")
        if [ "$_aw_now" -gt "$_aw_before" ]; then
            sim_advance "$_aw_secs"
            _aw_before=$_aw_now
            _aw_moved=$((_aw_moved + 1))
        fi
        if [ "$(date +%s)" -ge "$_aw_end" ]; then
            kill "$_aw_pid" 2>/dev/null || true
            fail "waited ${SBX_WAIT_BOUND:-300} s for ${_aw_what:-process $_aw_pid} (advanced $_aw_moved times)"
        fi
        poll_pause
    done
    _aw_st=0
    wait "$_aw_pid" || _aw_st=$?
    return "$_aw_st"
}

# webhook_start DIR -- a webhook receiver on a free loopback port (see the list above).
webhook_start() {
    mkdir -p "$1"
    python3 "$SBX_TEST_DATA/webhook-receiver.py" "$1" >"$T/webhook.port" &
    WEBHOOK_PID=$!
    wait_for "the webhook receiver's port" test -s "$T/webhook.port"
    WEBHOOK_PORT=$(cat "$T/webhook.port")
    [ -n "$WEBHOOK_PORT" ] || fail "webhook receiver did not start"
}
