#!/bin/bash
# t0602-budget-freeze-access.sh -- a freeze at the budget's limit also ends the owner's access:
# with owner access through IAM Identity Center, the account frozen for its spend has its
# assignment marked for deletion in the freeze (audit access_revoking before frozen) and
# deleted at AWS (access_revoked) while it stays frozen;
# on a paused clock moved only by `advance`.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
freeze_config
sbx init >/dev/null
uid=$(add_user alice alice@corp.example)

sbx create --kind demo --owner alice@corp.example --no-wait >/dev/null
drive_to 1 active
acct=$(account_of 1)
assert_eq "$(assigned "$acct")" "[\"$uid\"]" "alice can sign in"

# 240 USD a day: past the 100 USD limit after 10 h; the next check freezes the account.
freeze 1
assert_eq "$(assigned "$acct")" "[]" "the frozen account's owner still has access"
assert_eq "$(state_of 1)" frozen
ev=$(events_of 1)
case "$ev" in
*budget_exceeded\ access_revoking\ frozen*access_revoked*) ;;
*) fail "no revocation after the freeze: $ev" ;;
esac
grep -q ' 200 SWBExternalService.DeleteAccountAssignment$' "$T/sim.err.1" ||
    fail "no DeleteAccountAssignment at the simulator"
