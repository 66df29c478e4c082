#!/bin/bash
# t0352-access-class.sh -- a class's seats through the same grant and revocation, under
# Identity Center throttling: every seat becomes active only once its student is assigned on
# it (a refusal that outlasts the client's retries waits on the assignment and is tried again,
# with the reason on the seat), and `class end` deletes every assignment before any seat's
# pre-close hook runs.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
. "$SBX_SOURCE_DIR/tests/integration/access-lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 30s --assign-latency 20s --close-latency 1m
# One attempt per call: a throttled call comes back to the engine at once (no client retry).
ACCESS_KEYS='permission_set = "PowerUserAccess";' access_config "aws = {
    endpoint = \"$SIM_URL\";
    region = \"us-east-1\";
    max_attempts = 1;
    follow_sim_clock = true;
};"
sbx init >/dev/null
declare -A uid
for s in ann ben cyd; do
    uid[$s]=$(add_user "$s" "$s@uni.example")
done
printf 'email,name\nann@uni.example,Ann\nben@uni.example,Ben\ncyd@uni.example,Cyd\n' >"$T/roster.csv"
mkdir -p "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/10-check" <<HOOK
#!/bin/sh
curl -sS "\$SANDBOX_ENDPOINT_URL/__sim/idc" >"$T/idc-at-pre-close.\$SANDBOX_ACCOUNT_ID.json"
HOOK
chmod 700 "$T/hooks/pre-close.d/10-check"

# Every CreateAccountAssignment is throttled at first.
sim_admin POST faults '{"throttle_rate": 1, "ops": ["CreateAccountAssignment"]}' >/dev/null
sbx class create c1 --owner prof@uni.example --roster "$T/roster.csv" --kind training \
    --no-wait >/dev/null
seats() { json_get "$(sbx list --class c1 --all --json)" "$1"; }
for _ in $(seq 1 6); do
    sbx run >/dev/null 2>>"$T/run.err" || true
    sim_admin POST advance '{"seconds": 10}' >/dev/null
done
assert_eq "$(seats '[a["state"] for a in d["accounts"]]')" '["creating", "creating", "creating"]' \
    "a seat became active without its student's access"
grep -q ' 400 SWBExternalService.CreateAccountAssignment ThrottlingException$' "$T/sim.err.1" ||
    fail "no throttled CreateAccountAssignment"
assert_contains "$(sbx show '#1' --json)" "ThrottlingException"

# A third of the assignment calls are throttled from now on; the seats get there.
sim_admin POST faults '{"throttle_rate": 0.3, "ops": ["CreateAccountAssignment",
    "DeleteAccountAssignment"]}' >/dev/null
for id in 1 2 3; do drive_to "$id" active; done
for id in 1 2 3; do
    owner=$(json_get "$(sbx list --all --json)" "[a['owner'] for a in d['accounts'] if a['id'] == $id][0]")
    assert_eq "$(assigned "$(account_of "$id")")" "[\"${uid[${owner%@*}]}\"]" "seat #$id's student"
    case "$(events_of "$id")" in
    *"access_granted activated"*) ;;
    *) fail "seat #$id active before its grant: $(events_of "$id")" ;;
    esac
done
assert_eq "$(json_get "$(sim_admin GET idc)" "sorted(set(a['PermissionSetArn'].rsplit('/', 1)[1] for a in d['assignments']))")" \
    '["ps-a1b2c3d4e5f60002"]' "access.permission_set"

# The roster gives each student the portal's direct link to the seat's account.
store=$(json_get "$(sim_admin GET idc)" 'd["IdentityStoreId"]')
roster=$(sbx class roster c1 --format json)
for id in 1 2 3; do
    acct=$(account_of "$id")
    assert_eq "$(json_get "$roster" "[s['signin_url'] for s in d['seats'] if s['account_id'] == '$acct'][0]")" \
        "https://$store.awsapps.com/start/#/console?account_id=$acct&role_name=PowerUserAccess" \
        "seat #$id's roster link"
done
assert_contains "$(sbx class roster c1)" "https://$store.awsapps.com/start/#/console?account_id="

sbx class end c1 --yes --no-wait >/dev/null
for id in 1 2 3; do drive_to "$id" "$NUKED"; done
for id in 1 2 3; do
    acct=$(account_of "$id")
    f="$T/idc-at-pre-close.$acct.json"
    [ -f "$f" ] || fail "seat #$id: pre-close hook did not run"
    assert_eq "$(json_get "$(cat "$f")" "[a for a in d['assignments'] if a['AccountId'] == '$acct']")" \
        "[]" "seat #$id: an assignment remained while its pre-close hook ran"
    case "$(events_of "$id")" in
    *"access_revoked"*"nuke_started"*) ;;
    *) fail "seat #$id: revocation not before the nuke: $(events_of "$id")" ;;
    esac
done
assert_eq "$(json_get "$(sim_admin GET idc)" 'd["assignments"]')" "[]"
sim_stop
