# access-lib.sh -- helpers of the owner-access tests (t034x), sourced after lib.sh. They drive
# a simulator started with --paused: the clock moves only by `advance`, so every wait below is
# for a state in the store, never for wall time.
#
#   access_config [EXTRA]    write_config with an `access` group ($ACCESS_KEYS inside) and
#                            limits ($CLOSE_QUOTA, default 0) whose AWS rates
#                            never make a `run` wait for a token (the paused clock would not
#                            bring one); EXTRA is more libconfig text (not a limits group)
#   freeze_config [KEYS]     access_config with a demo kind (3d, $ACCESS_KEYS too) frozen at
#                            a budget of 100 USD (KEYS: more of the kind's keys), spend
#                            checked hourly from the simulator's Cost Explorer
#   freeze ID                account #ID (of freeze_config's demo kind) spends 240 USD a day:
#                            past the limit after 10 h, the next check freezes it; then `run`
#                            until its assignments are deleted at the simulator and a
#                            deletion is audited
#   add_user NAME EMAIL      an Identity Center user in the simulator; prints its id
#   state_of ID              account #ID's state
#   account_of ID            account #ID's AWS account id
#   drive_to ID STATE[|STATE...]  `sandboxctl run` and 10 simulated seconds at a time until
#                            #ID is in one of the STATEs (at most 60 rounds)
#   NUKED                    the states of an account whose pre-close hooks are done
#   events_of ID             #ID's audit events, space-separated, oldest first
#   assigned ACCOUNT         the principal ids assigned on ACCOUNT at the simulator (JSON list)

NUKED="close_wait|closing|suspended"

access_config() {
    write_config "access = { ${ACCESS_KEYS:-} };
limits = {
    account_limit = 1000;
    create_rate = 1000;
    create_burst = 1000;
    create_in_progress = 5;
    close_rate = 1000;
    close_burst = 1000;
    close_in_flight = 3;
    close_quota = ${CLOSE_QUOTA:-0};
    describe_rate = 1000;
    move_rate = 1000;
    tag_rate = 1000;
};
${1:-}"
}

freeze_config() {
    export AWS_ENDPOINT_URL_COST_EXPLORER=$SIM_URL
    access_config "kinds = {
    demo = {
        ttl = \"3d\";
        ou = \"Sandboxes/Demos\";
        budget = { limit = \"100 USD\"; at_limit = \"freeze\"; };
        ${1:-}
    };
};
budget = { check_interval = \"1h\"; };"
}

freeze() {
    _fr_acct=$(account_of "$1")
    sim_admin POST spend "{\"AccountId\": \"$_fr_acct\", \"PerDay\": 240, \"Lag\": 0}" >/dev/null
    sim_admin POST advance '{"seconds": 39600}' >/dev/null
    drive_to "$1" frozen
    for _ in $(seq 1 20); do
        case "$(assigned "$_fr_acct") $(events_of "$1")" in "[] "*access_revoked*) return 0 ;; esac
        sbx run >/dev/null 2>>"$T/run.err" || true
        sim_admin POST advance '{"seconds": 10}' >/dev/null
    done
}

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
        case "|$2|" in *"|$_st|"*) return 0 ;; esac
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
