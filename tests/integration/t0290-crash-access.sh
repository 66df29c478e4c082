#!/bin/bash
# t0290-crash-access.sh -- SIGKILL at each step of owner access: right after the simulator
# executed CreateAccountAssignment, DescribeAccountAssignmentCreationStatus,
# DeleteAccountAssignment or DescribeAccountAssignmentDeletionStatus and before the answer
# reached sandboxctl (the simulator holds every answer 300 ms; the test kills the moment the
# request shows in its log). Afterwards the engine picks up where it died: every owner gets
# access exactly once before activation, every assignment is deleted before the pre-close
# hook runs, nothing is granted after a revocation began, and nothing is left assigned.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
access_config
sbx init >/dev/null
simlog="$T/sim.err.1"
mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/10-check" <<HOOK
#!/bin/sh
curl -sS "\$SANDBOX_ENDPOINT_URL/__sim/idc" >"$T/idc-at-pre-close.\$SANDBOX_ACCOUNT_ID.json"
HOOK
chmod 700 "$T/hooks/pre-close.d/10-check"
sim_admin POST faults '{"latency_ms": 300}' >/dev/null

# kill_after OP CMD... -- runs `sandboxctl CMD` in the background and SIGKILLs it as soon as
# the simulator has executed OP for it (the answer is still on its way); returns when the
# process is gone (it may also end on its own before reaching OP: that trial then saw no kill).
kills=0
kill_after() {
    op=$1
    shift
    before=$(grep -c " 200 SWBExternalService.$op\$" "$simlog" || true)
    "$SANDBOXCTL" "$@" >/dev/null 2>>"$T/killed.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        now=$(grep -c " 200 SWBExternalService.$op\$" "$simlog" || true)
        if [ "$now" -gt "$before" ]; then
            kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
            break
        fi
        poll_pause
    done
    wait "$pid" 2>/dev/null || true
}

n=0
for trial in create-call create-poll delete-call delete-poll offboard-call; do
    n=$((n + 1))
    owner="u$n@corp.example"
    add_user "u$n" "$owner" >/dev/null
    sbx create --kind developer --owner "$owner" --no-wait >/dev/null
    sbx run >/dev/null
    sim_admin POST advance '{"seconds": 30}' >/dev/null # CreateAccount done at AWS
    case $trial in
    create-call) kill_after CreateAccountAssignment run ;;
    create-poll)
        sbx run >/dev/null
        sim_admin POST advance '{"seconds": 20}' >/dev/null
        kill_after DescribeAccountAssignmentCreationStatus run
        ;;
    esac
    drive_to "$n" active
    acct=$(account_of "$n")
    [ "$(assigned "$acct")" != "[]" ] || fail "trial $trial: #$n active without its owner's access"
    case $trial in
    delete-call)
        sbx close "#$n" --yes --no-wait >/dev/null
        kill_after DeleteAccountAssignment run
        ;;
    delete-poll)
        sbx close "#$n" --yes --no-wait >/dev/null
        sbx run >/dev/null
        sim_admin POST advance '{"seconds": 20}' >/dev/null
        kill_after DescribeAccountAssignmentDeletionStatus run
        ;;
    offboard-call) kill_after DeleteAccountAssignment offboard "$owner" --yes ;;
    *) sbx close "#$n" --yes --no-wait >/dev/null ;;
    esac
    # offboard may have died before it asked for the close: ask again (idempotent).
    [ "$trial" != offboard-call ] || sbx offboard "$owner" --yes --no-wait >/dev/null
    drive_to "$n" "$NUKED"
    assert_eq "$(assigned "$acct")" "[]" "trial $trial: an assignment outlived the nuke"
    f="$T/idc-at-pre-close.$acct.json"
    [ -f "$f" ] || fail "trial $trial: the pre-close hook did not run"
    assert_eq "$(json_get "$(cat "$f")" "[a for a in d['assignments'] if a['AccountId'] == '$acct']")" \
        "[]" "trial $trial: an assignment remained while the pre-close hook ran"
    ev=$(events_of "$n")
    case "$ev" in
    *"access_granted activated"*"access_revoking"*"access_revoked"*"nuke_started"*) ;;
    *) fail "trial $trial: lifecycle out of order: $ev" ;;
    esac
    case "${ev#*access_revoking}" in
    *access_granted*) fail "trial $trial: granted after the revocation began: $ev" ;;
    esac
    assert_eq "$(grep -o access_granted <<<"$ev" | wc -l)" 1 "trial $trial: granted once"
done
echo "kills that landed: $kills of 5"
[ "$kills" -ge 3 ] || fail "only $kills of the 5 kills landed at their step"
# Every assignment ever made at the simulator is gone.
assert_eq "$(json_get "$(sim_admin GET idc)" 'd["assignments"]')" "[]"
sim_stop
