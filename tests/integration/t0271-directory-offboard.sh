#!/bin/bash
# t0271-directory-offboard.sh -- `run` checks the owners of live accounts against the identity
# store, paced by access.directory_interval: an owner whose user was deleted is off-boarded
# (reason owner_left_directory, audited); when 6 of 20 owners vanish at once the brake holds:
# nobody is off-boarded, `run` warns, the audit log and `doctor` say so; a throttled identity
# store off-boards nobody and the check is tried again an interval later.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 60s --assign-latency 0
# Two attempts per call: a throttled identity store gives up quickly.
write_config "aws = {
    endpoint = \"$SIM_URL\";
    region = \"us-east-1\";
    max_attempts = 2;
    follow_sim_clock = true;
};
access = {
    permission_set = \"AdministratorAccess\";
    directory_interval = \"1h\";
};
limits = {
    account_limit = 1000;
    create_rate = 1000;
    create_burst = 1000;
    create_in_progress = 100;
    close_quota = 0;
};"
sbx init >/dev/null
owners=""
for i in $(seq -w 1 20); do
    owners="$owners u$i@corp.example"
    sim_admin POST idc/users "{\"UserName\": \"u$i\", \"Email\": \"u$i@corp.example\"}" >/dev/null
done
declare -A acct
for o in $owners; do
    acct[$o]=$(json_get "$(sbx create --kind demo --owner "$o" --no-wait --json)" 'd["id"]')
done
closing() { json_get "$(sbx list --all --json)" 'sorted(a["owner"] for a in d["accounts"] if a.get("reason") == "owner_left_directory")'; }

# The first pass checks everyone: nobody left.
out=$(json_lines "$(sbx run --once --json)")
assert_eq "$(json_get "$out" 'd[-1]["directory"]["owners"]')" 20
assert_eq "$(json_get "$out" 'd[-1]["directory"]["vanished"]')" 0

# u01 leaves: nothing happens before the interval, then u01 is off-boarded.
sim_admin POST idc/users/delete '{"UserName": "u01"}' >/dev/null
out=$(json_lines "$(sbx run --once --json)")
assert_eq "$(json_get "$out" 'd[-1]["directory"]')" null "not due before the interval"
sim_admin POST advance '{"seconds": 3600}' >/dev/null
out=$(json_lines "$(sbx run --once --json)")
assert_eq "$(json_get "$out" 'd[-1]["directory"]["vanished"]')" 1
assert_eq "$(json_get "$out" 'd[-1]["directory"]["offboarded"]')" 1
assert_eq "$(closing)" '["u01@corp.example"]'
assert_contains "$(sbx log "${acct[u01@corp.example]}")" "owner_left_directory"

# Six of the remaining nineteen vanish at once (an IdP outage?): the brake holds.
for i in 02 03 04 05 06 07; do
    sim_admin POST idc/users/delete "{\"UserName\": \"u$i\"}" >/dev/null
done
sim_admin POST advance '{"seconds": 3600}' >/dev/null
sbx run --once --json >"$T/run.json" 2>"$T/run.err"
out=$(json_lines "$(cat "$T/run.json")")
assert_eq "$(json_get "$out" 'd[-1]["directory"]["braked"]')" true
assert_eq "$(json_get "$out" 'd[-1]["directory"]["offboarded"]')" 0
assert_contains "$(cat "$T/run.err")" "directory brake"
assert_contains "$(cat "$T/run.err")" "owners have no IAM Identity Center user"
assert_eq "$(closing)" '["u01@corp.example"]' "nobody more off-boarded"
assert_contains "$(sbx log --json)" "directory_brake"
assert_contains "$(sbx doctor 2>&1 || true)" "directory brake"

# Five come back (the sync was repaired), one really left; the identity store is throttled:
# nobody is off-boarded, and the check waits an interval.
for i in 02 03 04 05 06; do
    sim_admin POST idc/users "{\"UserName\": \"u$i\", \"Email\": \"u$i@corp.example\"}" >/dev/null
done
sim_admin POST faults '{"throttle_rate": 1, "ops": ["GetUserId"]}' >/dev/null
sim_admin POST advance '{"seconds": 3600}' >/dev/null
sbx run --once --json >"$T/run.json" 2>"$T/run.err"
assert_contains "$(cat "$T/run.err")" "ThrottlingException"
assert_eq "$(closing)" '["u01@corp.example"]' "a throttled check off-boards nobody"
sim_admin POST faults '{"throttle_rate": 0}' >/dev/null
out=$(json_lines "$(sbx run --once --json)")
assert_eq "$(json_get "$out" 'd[-1]["directory"]')" null "tried again an interval later"
sim_admin POST advance '{"seconds": 3600}' >/dev/null
out=$(json_lines "$(sbx run --once --json)")
assert_eq "$(json_get "$out" 'd[-1]["directory"]["braked"]')" false
assert_eq "$(closing)" '["u01@corp.example", "u07@corp.example"]'
case "$(sbx doctor 2>&1 || true)" in
*"directory brake"*) fail "doctor still shows the released brake" ;;
esac
