#!/bin/bash
# pool-bench.sh -- what a kind's warm pool buys, on `sandboxctl sim` at AWS's limits
# (CreateAccount 0.1/s burst 3, 5 in progress, 60 s per creation; MoveAccount 2/s,
# TagResource 4/s), on the simulated clock:
#   1. a demo account from a warm pool: `create` wall-to-wall on a 1x clock (so sandboxctl's
#      own start-up counts at its real cost), against a cold `create` without a pool (10x);
#   2. the refill of a pool of --seats accounts by `run --watch` (10x: its loop sleeps at least
#      0.2 s of real time, 20 simulated seconds at 100x): from the start of
#      `run` to the last account parked in the pool (audit log), against the creation floor of
#      src/class/floor.c for that many accounts (the model below, as in class-bench.sh);
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

. "$HERE/bench-lib.sh"

# write_pool_config NAME TRAINING_POOL DEMO_POOL -- the class-bench configuration with a training
# and a demo kind, each with a warm pool of the size given (0: none).
write_pool_config() {
    write_config "$1"
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
write_pool_config warm 0 1
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
write_pool_config cold 0 0
"$SBX" init >/dev/null
rusage "$T/cold.json" "$SBX" create --kind demo --owner presenter@example.com --json
cold=$(simtime "$T/cold.json")
stop_sim
echo "pool-bench: demo account: warm $warm s, cold $cold s (simulated)" >&2
row "| demo account, \`create\` from a warm pool (simulated s, 1x clock) | $(python3 -c "import sys; print('%.2f' % float(sys.argv[1]))" "$warm") | $(fmt "$cold") (cold \`create\`, no pool) | $(ratio "$warm" "$cold")x | < 5 s: $(verdict "$warm" 4.999) |"

# --- 2: refill of a pool of SEATS by run --watch --------------------------------------------
start_sim fill 10
write_pool_config fill "$SEATS" 0
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
write_pool_config fill "$SEATS" 0 # the same store; the restarted simulator's address
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
