#!/bin/bash
# class-bench.sh -- how fast sandboxctl provisions and closes a training class, against the
# floor (the makespan of an ideal scheduler under the simulator's limits) and against the
# serial AWS CLI loop a user would otherwise write.
#
# usage: tests/bench/class-bench.sh SANDBOXCTL [--scale N] [--seats N] [--baseline-seats N]
#            [--no-baseline] [--no-close] [--access [--assign-latency DURATION]] [--results FILE]
#
# SANDBOXCTL is a release binary (this script builds nothing), e.g.
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build-rel
#   tests/bench/class-bench.sh build-rel/sandboxctl
#
# What it does, on `sandboxctl sim` at AWS's limits (CreateAccount 0.1/s burst 3, 5 in
# progress, 60 s per creation; CloseAccount 0.05/s burst 1, 3 in flight, 5 min in
# PENDING_CLOSURE, close quota max(250, 20%)) with time scaled --scale times (default 100):
#   1. `class create` of --seats seats (default 60) waiting until every seat is active: its
#      duration on the simulated clock against the floor, plus sandboxctl's CPU time and peak
#      RSS (getrusage of the child);
#   2. `class end` of that class waiting until every seat is closed, against its floor, and
#      its CPU time (waiting for the close pacing must sleep, never spin);
#      With --access, owners sign in through IAM Identity Center: the class's users are
#      created, and a seat is done only when its owner's account assignment has SUCCEEDED
#      (the simulator finishes an assignment --assign-latency after it is asked, default 10s);
#      the target is then 1.05x of the creation floor, there is no baseline, and the results
#      go to their own section, "class-bench-access";
#   3. the baseline: the same number of accounts created by a serial loop of the AWS CLI
#      (create-account, then describe-create-account-status every 10 s until done, next).
#      The CLI's python start-up takes ~0.5 s of real time per call, which a 100x clock would
#      turn into 50 s of simulated time; so the baseline runs on a 1x simulator and its sleeps
#      are replaced by advancing the simulated clock: simulated time = the CLI's own real time
#      + the sleeps, exactly what the loop would take against AWS (minus network latency).
# The floor is computed here by the same model as src/class/floor.c (see floor.h), at the
# simulator's limits. sandboxctl is configured 2% under AWS's CreateAccount and CloseAccount
# rates (0.098/s, 0.049/s), as an operator would: its client paces exactly at the configured
# rate, and at 100x a few milliseconds of real-time jitter between client and simulator
# become sub-second gaps in simulated time, which the simulator's token bucket throttles
# (the engine then backs the seat off). The margin costs well under a second of floor.
# Prints a markdown table and replaces the "class-bench" section of tests/bench/RESULTS.md
# (or --results FILE).
set -eu

usage() {
    sed -n '4,6p' "$0" >&2
    exit 2
}

[ $# -ge 1 ] || usage
SBX=$(readlink -f "$1")
shift
[ -x "$SBX" ] || { echo "class-bench: '$SBX' is not an executable" >&2; exit 2; }
SCALE=100
SEATS=60
BASE_SEATS=""
DO_BASELINE=1
DO_CLOSE=1
ACCESS=0
ASSIGN_LATENCY=10s
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS="$HERE/RESULTS.md"
while [ $# -gt 0 ]; do
    case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --seats) SEATS=$2; shift 2 ;;
    --baseline-seats) BASE_SEATS=$2; shift 2 ;;
    --no-baseline) DO_BASELINE=0; shift ;;
    --no-close) DO_CLOSE=0; shift ;;
    --access) ACCESS=1; shift ;;
    --assign-latency) ASSIGN_LATENCY=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    *) usage ;;
    esac
done
BASE_SEATS=${BASE_SEATS:-$SEATS}

T=$(mktemp -d "${TMPDIR:-/tmp}/sbx-class-bench.XXXXXX")
SIM_PID=""
cleanup() {
    rc=$?
    if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
        kill -TERM "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    if [ "$rc" -eq 0 ]; then rm -rf "$T"; else echo "class-bench: failed; files kept in $T" >&2; fi
}
trap cleanup EXIT

. "$HERE/bench-lib.sh"

ROWS=""
row() { ROWS="$ROWS$1"$'\n'; }

# --- 1 and 2: sandboxctl ------------------------------------------------------------------
SECTION=class-bench
CREATE_TARGET=1.10
LABEL="\`class create\`"
if [ "$ACCESS" = 1 ]; then
    SECTION=class-bench-access
    CREATE_TARGET=1.05
    LABEL="\`class create\` with owner access (assignment latency $ASSIGN_LATENCY)"
    DO_BASELINE=0
    start_sim sbx "$SCALE" --assign-latency "$ASSIGN_LATENCY"
    write_config sbx
    # The simulator's directory is Identity Center's own: the class's users are created.
    printf 'access = {\n    create_users = true;\n};\n' >>"$T/sandboxctl.cfg"
else
    start_sim sbx "$SCALE"
    write_config sbx
fi
"$SBX" init >/dev/null
rusage "$T/create.json" "$SBX" class create bench --seats "$SEATS" --owner instructor@example.com --json
python3 - "$T/create.json" "$SEATS" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
if r["rc"] != 0:
    sys.exit("class create exited %d" % r["rc"])
out = json.loads(r["stdout"])
seats = out.get("seats", [])
active = sum(1 for s in seats if s.get("state") == "active")
if active != int(sys.argv[2]):
    sys.exit("class create: %d of %s seats active" % (active, sys.argv[2]))
EOF
if [ "$ACCESS" = 1 ]; then
    # Every seat's owner can sign in: an assignment (made once SUCCEEDED) per seat.
    curl -sS "$SIM_URL/__sim/idc" | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = sum(1 for a in d["assignments"] if a["PrincipalType"] == "USER")
if n < int(sys.argv[1]):
    sys.exit("class create: %d assignments for %s seats" % (n, sys.argv[1]))
' "$SEATS"
fi
create_sim=$(simtime "$T/create.json")
create_floor=$(floor_model create "$SEATS")
read -r cpu rss wall <<EOF
$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%.3f %.1f %.2f" % (r["cpu"], r["maxrss_kb"]/1024.0, r["wall"]))' "$T/create.json")
EOF
cr=$(ratio "$create_sim" "$create_floor")
row "| $SEATS-seat $LABEL (simulated s) | $(fmt "$create_sim") | $(fmt "$create_floor") (floor) | ${cr}x | <= ${CREATE_TARGET}x: $(verdict "$cr" "$CREATE_TARGET") |"
row "| sandboxctl CPU time for that creation (s) | $cpu | | | < 2 s: $(verdict "$cpu" 2) |"
row "| sandboxctl peak RSS for that creation (MB) | $rss | | | < 32 MB: $(verdict "$rss" 32) |"

if [ "$DO_CLOSE" = 1 ]; then
    rusage "$T/end.json" "$SBX" class end bench --yes --json
    python3 - "$T/end.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
if r["rc"] != 0:
    sys.exit("class end exited %d" % r["rc"])
EOF
    close_sim=$(simtime "$T/end.json")
    close_floor=$(floor_model close "$SEATS")
    clr=$(ratio "$close_sim" "$close_floor")
    row "| closing that class, \`class end\` (simulated s) | $(fmt "$close_sim") | $(fmt "$close_floor") (floor) | ${clr}x | <= 1.10x: $(verdict "$clr" 1.10) |"
    end_cpu=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["cpu"])' "$T/end.json")
    row "| sandboxctl CPU time for that closing (s) | $end_cpu | | | < 1 s: $(verdict "$end_cpu" 1) |"
fi
stop_sim

# --- 3: the serial AWS CLI baseline ---------------------------------------------------------
if [ "$DO_BASELINE" = 1 ]; then
    # The Debian package's CLI (contrib/install-deps.sh), whatever else is on PATH; AWS_CLI
    # overrides.
    AWS_CLI=${AWS_CLI:-/usr/bin/aws}
    [ -x "$AWS_CLI" ] || AWS_CLI=$(command -v aws)
    aws() { "$AWS_CLI" "$@"; }
    AWS_PAGER=""
    export AWS_PAGER
    cli_version=$(aws --version 2>&1 | cut -d" " -f1)
    start_sim cli 1
    t0=$(sim_now)
    for i in $(seq 1 "$BASE_SEATS"); do
        car=$(aws organizations create-account --endpoint-url "$SIM_URL" --region us-east-1 \
            --email "serial+$i@example.com" --account-name "serial-$i" \
            --query CreateAccountStatus.Id --output text)
        while :; do
            st=$(aws organizations describe-create-account-status --endpoint-url "$SIM_URL" \
                --region us-east-1 --create-account-request-id "$car" \
                --query CreateAccountStatus.State --output text)
            [ "$st" = IN_PROGRESS ] || break
            # `sleep 10` in the user's loop, on the simulated clock.
            curl -sS -X POST -d '{"seconds": 10}' "$SIM_URL/__sim/advance" >/dev/null
        done
        [ "$st" = SUCCEEDED ] || { echo "class-bench: serial creation $i ended $st" >&2; exit 1; }
    done
    t1=$(sim_now)
    stop_sim
    base_sim=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$t1")
    base_floor=$(floor_model create "$BASE_SEATS")
    row "| $BASE_SEATS accounts by a serial AWS CLI loop, $cli_version (simulated s) | $(fmt "$base_sim") | $(fmt "$base_floor") (floor) | $(ratio "$base_sim" "$base_floor")x | baseline |"
    if [ "$BASE_SEATS" = "$SEATS" ]; then
        row "| speed-up of \`class create\` over the serial loop | $(ratio "$base_sim" "$create_sim")x | | | |"
    fi
fi

# --- report -------------------------------------------------------------------------------
host="$(nproc) cores, $(uname -sr), load average $(cut -d" " -f1-3 /proc/loadavg) at the end (the machine is shared)"
section=$(cat <<EOF
<!-- $SECTION:begin -->
## Training class$([ "$ACCESS" = 1 ] && echo " with owner access"): creation and closing against the floor (class-bench.sh)

Reproduce: \`tests/bench/class-bench.sh build-rel/sandboxctl --scale $SCALE --seats $SEATS$([ "$ACCESS" = 1 ] && echo " --access --assign-latency $ASSIGN_LATENCY")\`
(release build: \`cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build-rel\`).
Simulator at AWS's limits with time scaled ${SCALE}x (serial baseline: 1x clock, sleeps advanced).
Measured $(date -u +%Y-%m-%d) on $host; wall time of \`class create\`: ${wall} s real.

| measurement | value | reference | ratio | target |
|---|---|---|---|---|
${ROWS%$'\n'}
<!-- $SECTION:end -->
EOF
)
printf '%s\n' "$section"
python3 "$(dirname "$0")/results.py" "$SECTION" "$RESULTS" "$section"
