#!/bin/bash
# pool-bench.sh -- what a kind's warm pool buys, on `sandboxctl sim` at AWS's limits
# (CreateAccount 0.1/s burst 3, 5 in progress, 60 s per creation; MoveAccount 2/s,
# TagResource 4/s), on the simulated clock:
#   1. a demo account from a warm pool: `create` wall-to-wall on a 1x clock (so sandboxctl's
#      own start-up counts at its real cost), against a cold `create` without a pool (10x);
#   2. the refill of a pool of --seats accounts by `run --watch` (10x: its loop sleeps at least
#      0.2 s of real time, 20 simulated seconds at 100x): from the start of
#      `run` to the last account parked in the pool (audit log), against the creation floor of
#      src/engine/floor.c for that many accounts (the model below, as in class-bench.sh);
#   3. a --seats-seat `class create` with that pool ready (10x).
#
# usage: tests/bench/pool-bench.sh SANDBOXCTL [--seats N] [--results FILE]
#
# Prints a markdown table and replaces the "pool-bench" section of tests/bench/RESULTS.md
# (or --results FILE).
set -eu

usage() {
    sed -n '13p' "$0" >&2
    exit 2
}

[ $# -ge 1 ] || usage
SBX=$(readlink -f "$1")
shift
[ -x "$SBX" ] || { echo "pool-bench: '$SBX' is not an executable" >&2; exit 2; }
SEATS=60
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS="$HERE/RESULTS.md"
while [ $# -gt 0 ]; do
    case "$1" in
    --seats) SEATS=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    *) usage ;;
    esac
done

T=$(mktemp -d "${TMPDIR:-/tmp}/sbx-pool-bench.XXXXXX")
SIM_PID=""
RUN_PID=""
cleanup() {
    rc=$?
    for p in "$RUN_PID" "$SIM_PID"; do
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null || true
            wait "$p" 2>/dev/null || true
        fi
    done
    if [ "$rc" -eq 0 ]; then rm -rf "$T"; else echo "pool-bench: failed; files kept in $T" >&2; fi
}
trap cleanup EXIT

export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN SANDBOXCTL_CONFIG 2>/dev/null || true

# start_sim NAME SCALE -- starts a simulator at AWS's limits; sets SIM_URL and the AWS_* keys.
start_sim() {
    out="$T/$1.out"
    "$SBX" sim --listen 127.0.0.1:0 --state "$T/$1.db" --time-scale "$2" \
        --create-latency 60s --close-latency 5m --account-limit 1000 >"$out" 2>"$T/$1.err" &
    SIM_PID=$!
    for _ in $(seq 1 300); do
        [ "$(grep -c '^export ' "$out" || true)" -ge 4 ] && break
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$T/$1.err" >&2; exit 1; }
        sleep 0.1
    done
    SIM_URL=$(head -n 1 "$out")
    eval "$(grep '^export ' "$out")"
    export SIM_URL
}

stop_sim() {
    kill -TERM "$SIM_PID"
    wait "$SIM_PID" || true
    SIM_PID=""
}

sim_now() {
    curl -sS "$SIM_URL/__sim/clock" | python3 -c 'import json,sys; print(json.load(sys.stdin)["now"])'
}

write_config_base() {
    cat >"$T/sandboxctl.cfg" <<EOF
store = "$T/store-$1.db";
aws = {
    endpoint = "$SIM_URL";
    region = "us-east-1";
    max_attempts = 8;
    follow_sim_clock = true;
};
organization = {
    email_template = "bench+{kind}-{owner}-{seq}@example.com";
    name_template = "bench-{kind}-{owner}-{seq}";
};
limits = {
    account_limit = 1000;
    create_rate = 0.098;
    create_burst = 3;
    create_in_progress = 5;
    close_rate = 0.049;
    close_burst = 1;
    close_in_flight = 3;
};
hooks = {
    dir = "$T/hooks";
};
kinds = {
    training = {
        ttl = "3d";
        ou = "Sandboxes/Training";
    };
};
EOF
    mkdir -p "$T/hooks"
    export SANDBOXCTL_CONFIG="$T/sandboxctl.cfg"
}

# rusage OUT CMD... -- runs CMD, writes {"wall","cpu","maxrss_kb","rc","stdout","sim_elapsed"}
# to OUT. The simulator's clock is read right before the command starts and right after it
# exits (from this process, so no interpreter start-up is counted as the command's time).
rusage() {
    out=$1
    shift
    python3 - "$out" "$SIM_URL" "$@" <<'EOF'
import json, resource, subprocess, sys, time, urllib.request
def sim_now():
    with urllib.request.urlopen(sys.argv[2] + "/__sim/clock") as r:
        return json.load(r)["now"]
s0 = sim_now()
t0 = time.monotonic()
p = subprocess.run(sys.argv[3:], stdout=subprocess.PIPE)
wall = time.monotonic() - t0
s1 = sim_now()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss,
           "rc": p.returncode, "stdout": p.stdout.decode(errors="replace"),
           "sim_elapsed": s1 - s0}, open(sys.argv[1], "w"))
EOF
}

simtime() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sim_elapsed"])' "$1"; }
# floor KIND N -- the ideal scheduler's makespan (seconds) for N creations or closures at the
# simulator's limits; the same model as src/engine/floor.c.
floor_model() {
    python3 - "$1" "$2" <<'EOF'
import heapq, sys

def take(b, t):
    """Token bucket b = [rate, burst, level, last]: earliest time >= t with a token."""
    rate, burst, level, last = b
    if rate <= 0:
        return t
    t = max(t, last)
    lvl = min(burst, level + rate * (t - last))
    if lvl < 1 - 1e-9:
        t += (1 - lvl) / rate
        lvl = 1
    b[2], b[3] = max(0.0, lvl - 1), t
    return t

def makespan(n, rate, burst, cap, latency, quota=0, window=0, follow=()):
    b = [rate, burst, float(burst), 0.0]
    heap, subs, done, t = [], [], [], 0.0
    for _ in range(n):
        while cap > 0 and len(heap) >= cap:
            t = max(t, heapq.heappop(heap))
        if quota > 0 and len(subs) >= quota:
            t = max(t, subs[len(subs) - quota] + window)
        t = take(b, t)
        subs.append(t)
        heapq.heappush(heap, t + latency)
        done.append(t + latency)
    done.sort()
    for rate_f, burst_f in follow:
        fb, prev = [rate_f, burst_f, float(burst_f), 0.0], 0.0
        for i, d in enumerate(done):
            done[i] = prev = take(fb, max(d, prev))
    return max(done) if done else 0.0

kind, n = sys.argv[1], int(sys.argv[2])
if kind == "create":
    # CreateAccount 0.1/s burst 3, 5 in progress, 60 s; then DescribeCreateAccountStatus
    # (2/s burst 2), MoveAccount (2/s burst 3) and TagResource (4/s burst 6) per seat.
    print(makespan(n, 0.1, 3, 5, 60.0, follow=((2, 2), (2, 3), (4, 6))))
else:
    # CloseAccount 0.05/s burst 1, 3 in flight, 300 s; quota max(250, 20% of members).
    quota = max(250, n * 20 // 100)
    print(makespan(n, 0.05, 1, 3, 300.0, quota=quota, window=30 * 86400))
EOF
}

fmt() { python3 -c "import sys; print('%.1f' % float(sys.argv[1]))" "$1"; }
ratio() { python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
verdict() { python3 -c "import sys; print('yes' if float(sys.argv[1]) <= float(sys.argv[2]) else 'NO')" "$1" "$2"; }

# write_config NAME TRAINING_POOL DEMO_POOL -- the class-bench configuration with a training
# and a demo kind, each with a warm pool of the size given (0: none).
write_config() {
    write_config_base "$1"
    python3 - "$T/sandboxctl.cfg" "$2" "$3" <<'PY'
import re, sys
path, training, demo = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
kinds = """kinds = {
    training = {
        ttl = "3d";
        ou = "Sandboxes/Training";
        pool = { size = %s; ou = "Sandboxes/Pool"; };
    };
    demo = {
        ttl = "8h";
        ou = "Sandboxes/Demos";
        pool = { size = %s; ou = "Sandboxes/Pool"; };
    };
};
""" % (training, demo)
text = re.sub(r"kinds = \{.*\};\n", "", text, flags=re.S) + kinds
open(path, "w").write(text)
PY
}

pooled() {
    "$SBX" list --pool --state pooled --kind "$1" --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'
}

ROWS=""
row() { ROWS="$ROWS$1"$'\n'; }

# --- 1: a demo account, warm and cold ------------------------------------------------------
start_sim warm 1
write_config warm 0 1
"$SBX" init >/dev/null
for _ in $(seq 1 40); do
    "$SBX" run --once >/dev/null 2>&1
    [ "$(pooled demo)" -ge 1 ] && break
    curl -sS -X POST -d '{"seconds": 20}' "$SIM_URL/__sim/advance" >/dev/null
done
[ "$(pooled demo)" -ge 1 ] || { echo "pool-bench: the demo pool never filled" >&2; exit 1; }
rusage "$T/warm.json" "$SBX" create --kind demo --owner presenter@example.com --json
warm=$(simtime "$T/warm.json")
stop_sim

start_sim cold 10
write_config cold 0 0
"$SBX" init >/dev/null
rusage "$T/cold.json" "$SBX" create --kind demo --owner presenter@example.com --json
cold=$(simtime "$T/cold.json")
stop_sim
echo "pool-bench: demo account: warm $warm s, cold $cold s (simulated)" >&2
row "| demo account, \`create\` from a warm pool (simulated s, 1x clock) | $(python3 -c "import sys; print('%.2f' % float(sys.argv[1]))" "$warm") | $(fmt "$cold") (cold \`create\`, no pool) | $(ratio "$warm" "$cold")x | < 5 s: $(verdict "$warm" 4.999) |"

# --- 2: refill of a pool of SEATS by run --watch --------------------------------------------
start_sim fill 10
write_config fill "$SEATS" 0
"$SBX" init >/dev/null
t0=$(sim_now)
"$SBX" run --watch >"$T/run.out" 2>"$T/run.err" &
RUN_PID=$!
for _ in $(seq 1 1200); do
    [ "$(pooled training)" -ge "$SEATS" ] && break
    sleep 0.25
done
kill -TERM "$RUN_PID"
wait "$RUN_PID" || true
RUN_PID=""
[ "$(pooled training)" -ge "$SEATS" ] || { echo "pool-bench: the pool never filled" >&2; exit 1; }
last=$("$SBX" log --json | python3 -c '
import json, sys, datetime
d = json.load(sys.stdin)
ev = next(v for v in d.values() if isinstance(v, list)) if isinstance(d, dict) else d
ts = [e["ts"] for e in ev if e.get("event") == "pooled"]
def sec(t):
    return t if isinstance(t, (int, float)) else datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
print(max(sec(t) for t in ts))')
refill=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$last")
refill_floor=$(floor_model create "$SEATS")
rr=$(ratio "$refill" "$refill_floor")
echo "pool-bench: refill of $SEATS: $refill s against a floor of $refill_floor s" >&2
row "| refill of a $SEATS-account pool by \`run --watch\` (simulated s, 10x) | $(fmt "$refill") | $(fmt "$refill_floor") (creation floor) | ${rr}x | <= 1.05x: $(verdict "$rr" 1.05) |"
stop_sim

# --- 3: a class of SEATS with the pool ready -------------------------------------------------
start_sim fill 10
write_config fill "$SEATS" 0 # the same store; the restarted simulator's address
rusage "$T/class.json" "$SBX" class create bench --seats "$SEATS" --owner instructor@example.com --json
python3 - "$T/class.json" "$SEATS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if r["rc"] != 0:
    sys.exit("class create exited %d" % r["rc"])
seats = json.loads(r["stdout"]).get("seats", [])
active = sum(1 for s in seats if s.get("state") == "active")
if active != int(sys.argv[2]):
    sys.exit("class create: %d of %s seats active" % (active, sys.argv[2]))
PY
cls=$(simtime "$T/class.json")
row "| $SEATS-seat \`class create\` with a ready pool of $SEATS (simulated s, 10x) | $(fmt "$cls") | $(fmt "$refill_floor") (floor without a pool) | $(ratio "$cls" "$refill_floor")x | < 120 s: $(verdict "$cls" 119.999) |"
stop_sim

load=$(cut -d' ' -f1-3 /proc/loadavg)
section="<!-- pool-bench:begin -->
## Warm pool: instant accounts (pool-bench.sh)

Reproduce: \`tests/bench/pool-bench.sh build-rel/sandboxctl --seats $SEATS\`
(release build as above). Simulator at AWS's limits; the clock scale of each row is given
(1x for the demo account, so sandboxctl's own start-up counts at its real cost).
Binary: \`$(basename "$(dirname "$SBX")")/$(basename "$SBX")\`. Measured $(date -u +%F) on $(nproc) cores, load average $load at the end (the machine is shared).

| measurement | value | reference | ratio | target |
|---|---|---|---|---|
$ROWS<!-- pool-bench:end -->"
printf '%s' "$section"
python3 "$(dirname "$0")/results.py" pool-bench "$RESULTS" "$section"
