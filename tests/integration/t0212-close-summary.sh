#!/bin/bash
# t0212-close-summary.sh -- the closing summary line counts in good English: "1 of 1 account
# needs a human", "2 of 2 accounts need a human" (accounts refused because protection could
# not be checked: the credentials are wrong).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s
write_config
sbx init >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner one@corp.example >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner two@corp.example >/dev/null
sbx_advancing CreateAccount 60 create --kind training --owner two@corp.example >/dev/null

set +e
out=$(AWS_SECRET_ACCESS_KEY=wrong sbx close 1 --yes 2>/dev/null)
rc=$?
set -e
echo "$out"
assert_eq "$rc" 1 "close refused"
assert_contains "$out" "1 of 1 account needs a human (refused, quarantined or close failed)"

set +e
out=$(AWS_SECRET_ACCESS_KEY=wrong sbx offboard two@corp.example --yes 2>/dev/null)
rc=$?
set -e
echo "$out"
assert_eq "$rc" 8 "offboard refused"
assert_contains "$out" "2 of 2 accounts need a human (refused, quarantined or close failed)"
