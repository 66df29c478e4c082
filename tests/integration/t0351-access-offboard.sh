#!/bin/bash
# t0351-access-offboard.sh -- `offboard` ends the owner's access at once, whatever becomes of
# the close: with the close quota used up the account is nuked and waits in close_wait with no
# assignment left; a protected account of the same owner is not closed, yet its assignment is
# deleted all the same; an account still being granted when its owner is off-boarded meets
# Identity Center's ConflictException on the deletion, waits, and ends with nothing assigned.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m \
    --close-quota 1
CLOSE_QUOTA=1 access_config
sbx init >/dev/null
add_user alice alice@corp.example >/dev/null
add_user bob bob@corp.example >/dev/null
add_user carol carol@corp.example >/dev/null
simlog="$T/sim.err.1"

sbx create --kind developer --owner alice@corp.example --no-wait >/dev/null # 1
sbx create --kind developer --owner bob@corp.example --no-wait >/dev/null   # 2
sbx create --kind demo --owner bob@corp.example --no-wait >/dev/null        # 3
drive_to 1 active
drive_to 2 active
drive_to 3 active
a1=$(account_of 1)
a2=$(account_of 2)
a3=$(account_of 3)
[ "$(assigned "$a2")" != "[]" ] && [ "$(assigned "$a3")" != "[]" ] || fail "bob was not granted"

# Alice's close uses the one closure the quota allows.
sbx close '#1' --yes --no-wait >/dev/null
drive_to 1 suspended
assert_eq "$(assigned "$a1")" "[]"

# Bob's demo account is protected by a tag: offboard cannot close it.
out=$(sim_call TagResource "{\"ResourceId\":\"$a3\",\"Tags\":[{\"Key\":\"AccountType\",\"Value\":\"Critical\"}]}")
assert_contains "$out" "200"

# The offboarding sends both deletions before it returns.
deletes_before=$(grep -c ' 200 SWBExternalService.DeleteAccountAssignment$' "$simlog" || true)
sbx offboard bob@corp.example --yes >"$T/offboard.out" 2>&1 || true
deletes_after=$(grep -c ' 200 SWBExternalService.DeleteAccountAssignment$' "$simlog" || true)
assert_eq "$((deletes_after - deletes_before))" 2 "offboard did not delete both assignments at once"
assert_contains "$(events_of 3)" "access_revoking"

drive_to 2 close_wait
sbx run >/dev/null
sim_admin POST advance '{"seconds": 30}' >/dev/null
sbx run >/dev/null
assert_eq "$(state_of 2)" close_wait "the close waits for the quota"
assert_eq "$(assigned "$a2")" "[]" "bob kept access to his queued account"
assert_eq "$(assigned "$a3")" "[]" "bob kept access to his protected account"
case "$(events_of 2)" in
*"access_revoking"*"access_revoked"*"nuke_started"*) ;;
*) fail "revocation not before the nuke: $(events_of 2)" ;;
esac
assert_contains "$(events_of 3)" "access_revoked"
[ "$(state_of 3)" = active ] || fail "the protected account changed state: $(state_of 3)"

# Carol is off-boarded while her grant is in progress at AWS.
sbx create --kind developer --owner carol@corp.example --no-wait >/dev/null # 4
for _ in $(seq 1 20); do
    case "$(events_of 4)" in *access_requested*) break ;; esac
    sbx run >/dev/null
    sim_admin POST advance '{"seconds": 10}' >/dev/null
done
assert_contains "$(events_of 4)" "access_requested"
a4=$(account_of 4)
sbx offboard carol@corp.example --yes --no-wait >/dev/null
drive_to 4 close_wait
grep -q ' 400 SWBExternalService.DeleteAccountAssignment ConflictException$' "$simlog" ||
    fail "the deletion never met the creation in progress (no ConflictException)"
assert_eq "$(assigned "$a4")" "[]" "carol's assignment survived her offboarding"
case "$(events_of 4)" in
*access_granted*) fail "carol's access was recorded as granted after her offboarding" ;;
*"access_revoking"*"access_revoked"*"nuke_started"*) ;;
*) fail "carol's revocation not before the nuke: $(events_of 4)" ;;
esac
sim_stop
