#!/usr/bin/env bash
# t0101-client-faults.sh -- the AWS client against a simulator injecting faults: throttling
# storms, 500s and dropped connections are retried until they pass; when they never stop the
# client gives up with the typed error after the configured attempts.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# The simulator's own rate limits are off: every failure here is an injected one. (With them
# on, the ListRoots bucket -- 1/s, burst 2, shared by the successive doctor processes -- could
# still be empty from the retries of part 2 and throttle part 3's "other checks".)
sim_start --seed 7 --no-throttle
write_config

ops='"ops": ["DescribeOrganization", "ListRoots", "GetCallerIdentity"]'

# 1. Half of the calls throttled: standard-mode retries get every check through.
sim_admin POST faults "{\"throttle_rate\": 0.5, $ops}" >/dev/null
sbx -v doctor >"$T/out" 2>"$T/err" || { cat "$T/out" "$T/err"; fail "doctor under throttling"; }
grep -q 'TooManyRequestsException' "$T/err" || fail "no throttling was retried (log: $(cat "$T/err"))"
grep -q 'retrying in' "$T/err" || fail "retries are not logged at -v"

# 2. 500s and dropped connections.
sim_admin POST faults "{\"throttle_rate\": 0, \"error_rate\": 0.3, \"drop_rate\": 0.3, $ops}" \
    >/dev/null
sbx -v doctor >"$T/out" 2>"$T/err" || { cat "$T/out" "$T/err"; fail "doctor under 500s/drops"; }

# 3. Never-ending 500s: the typed error after AWS_MAX_ATTEMPTS attempts, exit 5.
sim_admin POST faults '{"error_rate": 1.0, "drop_rate": 0, "ops": ["DescribeOrganization"]}' \
    >/dev/null
set +e
json=$(AWS_MAX_ATTEMPTS=3 "$SANDBOXCTL" doctor --json 2>/dev/null)
rc=$?
set -e
assert_eq "$rc" 5 "doctor when DescribeOrganization always fails"
assert_eq "$(json_get "$json" 'd["checks"][3]["status"]')" fail
assert_eq "$(json_get "$json" 'd["checks"][3]["aws_error"]')" transient
assert_eq "$(json_get "$json" 'd["checks"][3]["aws_code"]')" ServiceException
assert_contains "$(json_get "$json" 'd["checks"][3]["detail"]')" "(after 3 attempts)"
# The other checks still ran and passed.
assert_eq "$(json_get "$json" 'd["checks"][4]["status"]')" ok

# 4. A throttling storm that never ends: class "throttled".
sim_admin POST faults '{"error_rate": 0, "throttle_rate": 1.0, "ops": ["ListRoots"]}' >/dev/null
set +e
json=$(AWS_MAX_ATTEMPTS=2 "$SANDBOXCTL" doctor --json 2>/dev/null)
rc=$?
set -e
assert_eq "$rc" 5 "doctor when ListRoots is always throttled"
assert_eq "$(json_get "$json" 'd["checks"][4]["aws_error"]')" throttled
assert_contains "$(json_get "$json" 'd["checks"][4]["detail"]')" \
    "ListRoots: TooManyRequestsException"
