#!/bin/bash
# sim-throughput.sh -- requests per second `sandboxctl sim` serves on loopback to keep-alive
# clients, so that benchmarks of the engine measure the engine and not the simulator
# (target: at least 5,000 simple signed requests per second on a 2-core machine).
#
# usage: tests/bench/sim-throughput.sh BUILD_DIR [--requests N] [--connections "1 2 4 8"]
#            [--results FILE]
#
# BUILD_DIR is a release build holding sandboxctl and tests/bench/sbx_bench_sim (this script
# builds nothing), e.g.
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build-rel
#   tests/bench/sim-throughput.sh build-rel
#
# Each row starts a fresh simulator (--no-throttle, so token buckets do not cap the rate;
# faults off) and runs sbx_bench_sim: C keep-alive connections, each sending signed requests
# back to back (every request's signature is verified by the simulator; the client re-signs
# once per second). Rows: DescribeOrganization without and with --state (reads never write the
# state file), ListAccounts of a 20-account organization (MaxResults 20: the biggest page), and
# TagResource with --state (every request is a write-through SQLite transaction).
# Prints a markdown table and replaces the "sim-throughput" section of tests/bench/RESULTS.md
# (or --results FILE). Not a ctest test: timings are never asserted in CI.
set -eu

usage() {
    sed -n '6,7p' "$0" >&2
    exit 2
}

[ $# -ge 1 ] || usage
BUILD=$(readlink -f "$1")
shift
SBX="$BUILD/sandboxctl"
GEN="$BUILD/tests/bench/sbx_bench_sim"
[ -x "$SBX" ] || { echo "sim-throughput: '$SBX' is not an executable" >&2; exit 2; }
[ -x "$GEN" ] || { echo "sim-throughput: '$GEN' is not built" >&2; exit 2; }
REQUESTS=100000
CONNS="1 2 4 8"
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS="$HERE/RESULTS.md"
while [ $# -gt 0 ]; do
    case "$1" in
    --requests) REQUESTS=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    *) usage ;;
    esac
done

T=$(mktemp -d "${TMPDIR:-/tmp}/sbx-sim-bench.XXXXXX")
SIM_PID=""
stop_sim() {
    if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
        kill -TERM "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    SIM_PID=""
}
cleanup() {
    rc=$?
    stop_sim
    if [ "$rc" -eq 0 ]; then rm -rf "$T"; else echo "sim-throughput: failed; files kept in $T" >&2; fi
}
trap cleanup EXIT

# start_sim [options] -- fresh simulator on a free port; sets SIM_URL and the AWS_* keys.
start_sim() {
    rm -f "$T"/sim.db*
    : >"$T/sim.out" # no banner of the previous simulator may be mistaken for this one's
    "$SBX" sim --listen 127.0.0.1:0 --no-throttle -q "$@" >"$T/sim.out" 2>"$T/sim.err" &
    SIM_PID=$!
    for _ in $(seq 300); do
        [ "$(grep -c '^export ' "$T/sim.out" || true)" -ge 4 ] && break
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$T/sim.err" >&2; exit 1; }
        sleep 0.1
    done
    SIM_URL=$(head -n 1 "$T/sim.out")
    case "$SIM_URL" in
    http://*) ;;
    *) echo "sim-throughput: the simulator did not start" >&2; cat "$T/sim.err" >&2; exit 1 ;;
    esac
    eval "$(grep '^export ' "$T/sim.out")"
}

# measure LABEL OPERATION BODY [sim options] -- one table row per connection count.
ROWS=""
BEST=0
measure() {
    label=$1 op=$2 body=$3
    shift 3
    for c in $CONNS; do
        start_sim "$@"
        if [ "$op" = ListAccounts ]; then
            for i in $(seq 19); do
                curl -sS --fail -X POST -H 'Content-Type: application/json' \
                    --data "{\"Email\":\"bench$i@example.com\",\"Name\":\"bench $i\"}" \
                    "$SIM_URL/__sim/accounts" >/dev/null
            done
        fi
        if [ "$op" = TagResource ]; then
            body=$(printf '{"ResourceId":"%s","Tags":[{"Key":"k","Value":"v"}]}' 111111111111)
        fi
        # warm-up, then the measured run
        "$GEN" -c "$c" -n 2000 -o "$op" -b "$body" "$SIM_URL" >/dev/null
        line=$("$GEN" -c "$c" -n "$REQUESTS" -o "$op" -b "$body" "$SIM_URL")
        stop_sim
        rps=$(printf '%s\n' "$line" | sed -n 's/.*req_per_s=\([0-9]*\).*/\1/p')
        secs=$(printf '%s\n' "$line" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
        echo "sim-throughput: $label, $c connection(s): $line" >&2
        ROWS+="| $label | $c | $REQUESTS | $secs | **$rps** |"$'\n'
        if [ "$op" = DescribeOrganization ] && [ "$rps" -gt "$BEST" ]; then BEST=$rps; fi
    done
}

measure "DescribeOrganization" DescribeOrganization '{}'
measure "DescribeOrganization, --state" DescribeOrganization '{}' --state "$T/sim.db"
measure "ListAccounts, 20 accounts, MaxResults 20" ListAccounts '{"MaxResults":20}' --account-limit 100
measure "TagResource, --state (write-through)" TagResource '' --state "$T/sim.db"

verdict="below"
[ "$BEST" -ge 5000 ] && verdict="above"
host="$(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end
(the machine is shared; other work running at the same time lowers these numbers)"
section=$(cat <<EOF
<!-- sim-throughput:begin -->
## Simulator throughput on loopback (sim-throughput.sh)

Reproduce: \`tests/bench/sim-throughput.sh build-rel --requests $REQUESTS\` (release build:
\`cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build-rel\`).
Client: \`sbx_bench_sim\` (tests/bench/sim_bench.c), C keep-alive connections sending signed
JSON 1.1 requests back to back; every signature is verified by the simulator. Simulator:
\`sandboxctl sim --no-throttle\`, fresh per row. Client and simulator share the machine.
Measured $(date -u +%Y-%m-%d) on $host.
Best DescribeOrganization rate: $BEST req/s, $verdict the 5,000 req/s target.

| request | connections | requests | seconds | req/s |
|---|---|---|---|---|
${ROWS%$'\n'}
<!-- sim-throughput:end -->
EOF
)
printf '%s\n' "$section"
python3 "$(dirname "$0")/results.py" sim-throughput "$RESULTS" "$section"
