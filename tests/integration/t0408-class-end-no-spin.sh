#!/bin/bash
# t0408-class-end-no-spin.sh -- waiting never spins: `class end` waiting for the close pacing
# (one CloseAccount per 20 s, three closures in flight) sleeps until the next due time instead
# of stepping the engine again and again while the queued seats' due times have passed. The
# engine steps it takes are bounded by the work (the requests it makes), not by how long it
# waits. The simulator's clock is paused and moves each time the class command waits for it
# (10 s while creating, 20 s while closing): a driver that woke before its due time, or spun
# while the clock stood still, takes more steps than the requests it makes.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

seats=12
SIM_SCALE=100 sim_start_paused --no-throttle --account-limit 1000 --create-latency 60s --close-latency 5m -q
# 2% under AWS's rates, as the class benchmark and an operator would configure it.
write_config 'limits = {
    account_limit = 1000;
    create_rate = 0.098;
    create_burst = 3;
    create_in_progress = 5;
    close_rate = 0.049;
    close_burst = 1;
    close_in_flight = 3;
    close_quota = 0;
};'
sbx init >/dev/null
sbx_advancing clock 10 class create spin --seats $seats --owner prof@uni.example --json >/dev/null
sbx_advancing clock 20 -vv class end spin --yes --json >"$T/end.json" 2>"$T/end.err"
assert_eq "$(json_get "$(cat "$T/end.json")" 'd["class"]["counts"]["closed"]')" $seats
steps=$(grep -c "class spin: step at" "$T/end.err" || true)
requests=$(json_get "$(sim_admin GET state)" 'd["calls"]["CloseAccount"] + d["calls"]["DescribeAccount"]')
echo "class end: $steps engine steps for $seats seats ($requests CloseAccount/DescribeAccount calls)"
# A step is taken when some work is due: a hook to run, a CloseAccount to send, a closure to
# poll. Waiting for the close pacing and the closures in flight must not add steps; a
# spinning loop takes ten times as many steps as requests.
[ "$steps" -le $((requests + 3 * seats)) ] ||
    fail "class end took $steps engine steps for $requests requests ($seats seats)"
echo ok
