# bench-lib.sh -- what the simulator benchmarks share: a clean AWS environment, starting
# `sandboxctl sim` at AWS's limits, the class-bench configuration, the creation floor model
# and number formatting. Sourced by class-bench.sh and pool-bench.sh after they set SBX, T
# and their cleanup trap.

export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN SANDBOXCTL_CONFIG 2>/dev/null || true

# start_sim NAME SCALE [OPTION...] -- starts a simulator at AWS's limits, with further options
# of `sandboxctl sim` if given; sets SIM_URL and the AWS_* keys.
start_sim() {
    name=$1 scale=$2
    shift 2
    out="$T/$name.out"
    "$SBX" sim --listen 127.0.0.1:0 --state "$T/$name.db" --time-scale "$scale" \
        --create-latency 60s --close-latency 5m --account-limit 1000 "$@" >"$out" 2>"$T/$name.err" &
    SIM_PID=$!
    for _ in $(seq 1 300); do
        [ "$(grep -c '^export ' "$out" || true)" -ge 4 ] && break
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$T/$name.err" >&2; exit 1; }
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

write_config() {
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
# simulator's limits; the same model as src/class/floor.c.
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
