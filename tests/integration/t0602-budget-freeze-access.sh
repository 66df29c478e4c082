#!/bin/bash
# t0602-budget-freeze-access.sh -- a freeze at the budget's limit also ends the owner's access:
# with owner access through IAM Identity Center, the account frozen for its spend has its
# assignment marked for deletion in the freeze (audit access_revoking before frozen) and
# deleted at AWS (access_revoked) while it stays frozen;
# on a paused clock moved only by `advance`.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

sim_start --paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
export AWS_ENDPOINT_URL_COST_EXPLORER=$SIM_URL
access_config 'kinds = {
    demo = {
        ttl = "3d";
        ou = "Sandboxes/Demos";
        budget = { limit = "100 USD"; at_limit = "freeze"; };
    };
};
budget = { check_interval = "1h"; };'
sbx init >/dev/null
uid=$(add_user alice alice@corp.example)

sbx create --kind demo --owner alice@corp.example --no-wait >/dev/null
drive_to 1 active
acct=$(account_of 1)
assert_eq "$(assigned "$acct")" "[\"$uid\"]" "alice can sign in"

# 240 USD a day: past the 100 USD limit after 10 h; the next check freezes the account.
sim_admin POST spend "{\"AccountId\": \"$acct\", \"PerDay\": 240, \"Lag\": 0}" >/dev/null
sim_admin POST advance '{"seconds": 39600}' >/dev/null
drive_to 1 frozen
for _ in $(seq 1 10); do
    case "$(events_of 1)" in *access_revoked*) break ;; esac
    sbx run >/dev/null 2>>"$T/run.err" || true
    sim_admin POST advance '{"seconds": 10}' >/dev/null
done
assert_eq "$(assigned "$acct")" "[]" "the frozen account's owner still has access"
assert_eq "$(state_of 1)" frozen
ev=$(events_of 1)
case "$ev" in
*budget_exceeded\ access_revoking\ frozen*access_revoked*) ;;
*) fail "no revocation after the freeze: $ev" ;;
esac
grep -q ' 200 SWBExternalService.DeleteAccountAssignment$' "$T/sim.err.1" ||
    fail "no DeleteAccountAssignment at the simulator"
