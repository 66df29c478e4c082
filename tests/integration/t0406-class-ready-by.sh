#!/bin/bash
# t0406-class-ready-by.sh -- `--ready-by` far enough ahead records the class as scheduled and
# creates nothing; once the simulated clock passes its start time, `run` provisions it. A
# `class create --ready-by` that waits starts once the clock is advanced past its start time.
# The simulator's clock is paused: only the test moves it.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --account-limit 1000
write_config
sbx init >/dev/null

now=$(json_get "$(sim_admin GET clock)" 'int(d["now"])')
ready=$((now + 86400))
out=$(sbx class create later --seats 6 --owner prof@uni.example --ready-by "@$ready" --no-wait --json)
assert_eq "$(json_get "$out" 'd["class"]["state"]')" scheduled
start=$(json_get "$out" 'd["class"]["start_at"]')
# 6 seats: floor 120 s (3 at 0, 10, 20; then 60 s cycle) -> start = ready - 150 - 300.
python3 - "$out" "$ready" <<'PY'
import calendar, json, sys, time
d, ready = json.loads(sys.argv[1]), int(sys.argv[2])
start = calendar.timegm(time.strptime(d["class"]["start_at"], "%Y-%m-%dT%H:%M:%SZ"))
assert float(d["class"]["floor_seconds"]) == 120.0, d["class"]["floor_seconds"]
assert start == ready - 150 - 300, (start, ready)
PY
assert_contains "$(sbx class show later)" "provisioning starts $start"

# Nothing happens before the start time.
sbx run >/dev/null
assert_eq "$(json_get "$(sim_admin GET state)" 'd["calls"].get("CreateAccount", 0)')" 0
assert_eq "$(json_get "$(sbx class show later --json)" 'd["class"]["counts"]["waiting"]')" 6

# After the start time, `run` provisions the class; advancing through the creations finishes it.
sim_admin POST advance "{\"seconds\": $((86400 - 440))}" >/dev/null
for _ in $(seq 1 40); do
    sbx run >/dev/null
    st=$(json_get "$(sbx class show later --json)" 'd["class"]["state"]')
    [ "$st" = ready ] && break
    sim_admin POST advance '{"seconds": 10}' >/dev/null
done
assert_eq "$st" ready
assert_eq "$(json_get "$(sbx class show later --json)" 'd["class"]["counts"]["active"]')" 6

# Without --no-wait, the command waits for the start time on the simulator's clock, then
# provisions: moved 60 s each time it waits, it starts (nothing before the start time) and ends
# with every seat active.
now=$(json_get "$(sim_admin GET clock)" 'int(d["now"])')
creates=$(json_get "$(sim_admin GET state)" 'len(d["create_requests"])')
"$SANDBOXCTL" class create soon --seats 2 --owner prof@uni.example --ready-by "@$((now + 3600))" --json >"$T/soon.out" &
advance_while clock 60 $!
out=$(cat "$T/soon.out")
assert_eq "$(json_get "$out" 'd["class"]["state"]')" ready
assert_eq "$(json_get "$out" 'd["class"]["counts"]["active"]')" 2
start=$(json_get "$(sbx class show soon --json)" 'd["class"]["start_at"]')
python3 - "$(sim_admin GET state)" "$creates" "$start" <<'PY'
import calendar, json, sys, time
sim, before = json.loads(sys.argv[1]), int(sys.argv[2])
start = calendar.timegm(time.strptime(sys.argv[3], "%Y-%m-%dT%H:%M:%SZ"))
reqs = sim["create_requests"][before:]
assert len(reqs) == 2, reqs
assert all(r["RequestedTimestamp"] >= start for r in reqs), (start, reqs)
PY
echo ok
