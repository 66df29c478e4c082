#!/usr/bin/env bash
# t0104-hook-credentials-per-event.sh -- hooks.pass_credentials is per event and, unset, gives
# the management session's AWS_* variables to the pre-close hooks only: post-create,
# expiry-warning and post-close (the notification hooks) get none. A list names the events
# that get them; the old `true`, which meant every event, is refused with the way out.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 1s --close-latency 1s
for ev in post-create expiry-warning pre-close post-close; do
    mkdir -p "$T/hooks/$ev.d"
    printf '#!/bin/sh\nenv > "%s/%s.env"\n' "$T" "$ev" >"$T/hooks/$ev.d/10-record"
    chmod 755 "$T/hooks/$ev.d/10-record"
done

# hooks_env EVENT -> the AWS_* names the event's hook got, sorted, one per line.
hooks_env() {
    [ -s "$T/$1.env" ] || fail "the $1 hook did not run"
    sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p' "$T/$1.env" | sort
}

# lifecycle: an account created, warned, closed; every event's hook records its environment.
lifecycle() {
    rm -f "$T"/*.env
    sbx_advancing CreateAccount 60 create --kind demo --owner "$1@example.com" --ttl 2h --json >"$T/create.json"
    id=$(json_get "$(cat "$T/create.json")" 'd["account_id"]')
    sim_admin POST advance '{"seconds": 3700}' >/dev/null
    sbx run >/dev/null 2>"$T/run.err" || fail "run: $(cat "$T/run.err")"
    sbx close "$id" --yes >/dev/null
    for _ in 1 2 3 4 5 6; do
        [ -s "$T/post-close.env" ] && break
        sim_admin POST advance '{"seconds": 600}' >/dev/null
        sbx run >/dev/null 2>&1 || true
    done
}

# 1. No pass_credentials: pre-close only.
write_config "hooks = {
    dir = \"$T/hooks\";
    timeout = \"1m\";
};"
sbx init >/dev/null
lifecycle alice
assert_eq "$(hooks_env post-create)" "" "post-create hook's AWS_* variables"
assert_eq "$(hooks_env expiry-warning)" "" "expiry-warning hook's AWS_* variables"
assert_eq "$(hooks_env post-close)" "" "post-close hook's AWS_* variables"
assert_eq "$(hooks_env pre-close | tr '\n' ' ')" "AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY " \
    "pre-close hook's AWS_* variables"
assert_eq "$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$T/pre-close.env")" "$AWS_ACCESS_KEY_ID" \
    "pre-close hook's key"

# 2. An explicit list: exactly those events.
write_config "hooks = {
    dir = \"$T/hooks\";
    timeout = \"1m\";
    pass_credentials = [ \"post-create\" ];
};"
lifecycle bob
assert_eq "$(hooks_env post-create | tr '\n' ' ')" "AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY " \
    "post-create hook's AWS_* variables when listed"
assert_eq "$(hooks_env pre-close)" "" "pre-close hook's AWS_* variables when not listed"
assert_eq "$(hooks_env post-close)" "" "post-close hook's AWS_* variables when not listed"

# 3. The boolean of old: false is none, true is refused with the file, line and way out.
write_config "hooks = {
    dir = \"$T/hooks\";
    pass_credentials = true;
};"
assert_exit 3 sbx list
assert_contains "$(sbx list 2>&1)" "key 'hooks.pass_credentials': must list the hook events"
assert_contains "$(sbx list 2>&1)" '[ "pre-close" ]'
echo ok
