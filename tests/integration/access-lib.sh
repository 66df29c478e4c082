# access-lib.sh -- helpers of the owner-access tests (t034x), sourced after lib.sh. They drive
# a simulator started with --paused: the clock moves only by `advance`, so every wait below is
# for a state in the store, never for wall time.
#
#   add_user NAME EMAIL      an Identity Center user in the simulator; prints its id
#   state_of ID              account #ID's state
#   account_of ID            account #ID's AWS account id
#   drive_to ID STATE        `sandboxctl run` and 10 simulated seconds at a time until #ID is
#                            in STATE (at most 60 rounds)
#   events_of ID             #ID's audit events, space-separated, oldest first
#   assigned ACCOUNT         the principal ids assigned on ACCOUNT at the simulator (JSON list)

add_user() {
    json_get "$(sim_admin POST idc/users "{\"UserName\":\"$1\",\"Email\":\"$2\"}")" 'd["UserId"]'
}

state_of() {
    json_get "$(sbx list --all --json)" "[a['state'] for a in d['accounts'] if a['id'] == $1][0]"
}

account_of() {
    json_get "$(sbx list --all --json)" "[a['account_id'] for a in d['accounts'] if a['id'] == $1][0]"
}

drive_to() {
    for _ in $(seq 1 60); do
        _st=$(state_of "$1")
        [ "$_st" = "$2" ] && return 0
        sbx run >/dev/null 2>>"$T/run.err" || true
        sim_admin POST advance '{"seconds": 10}' >/dev/null
    done
    fail "account #$1 never reached $2 (last $_st)"
}

events_of() {
    json_get "$(sbx log "#$1" --json)" '" ".join(e["event"] for e in d["events"])'
}

assigned() {
    json_get "$(sim_admin GET idc)" "[a['PrincipalId'] for a in d['assignments'] if a['AccountId'] == '$1']"
}
