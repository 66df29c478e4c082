#!/usr/bin/env bash
# t0103-hook-credentials-assume-role.sh -- hooks.pass_credentials with an AWS CLI style
# assume-role profile (role_arn + credential_source): the hooks get the client's own session,
# the temporary credentials the simulator's STS issued for the role (an ASIA key and a session
# token), not a second resolution of the profile that cannot assume the role on its own.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: the account is warned, and not yet expired, when the test says (the time
# scale only shortens the real sleeps of a client waiting for the clock).
sim_start_paused --no-throttle --create-latency 1s
member=$(json_get "$(sim_admin POST accounts \
    '{"Email": "member@example.com", "Name": "member"}')" 'd["Id"]')

# Set up with the management keys: an active demo account (warned 1h before it expires).
write_config
sbx init >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner alice@example.com --ttl 2h --json \
    >"$T/create.json"
assert_eq "$(json_get "$(cat "$T/create.json")" 'd["state"]')" active

# From now on the client runs as the role, through the profile; an expiry-warning hook
# records its environment.
cat >"$T/aws-config" <<EOF
[profile member]
role_arn = arn:aws:iam::$member:role/OrganizationAccountAccessRole
credential_source = Environment
role_session_name = t0103
EOF
export AWS_CONFIG_FILE="$T/aws-config"
mkdir -p "$T/hooks/expiry-warning.d"
printf '#!/bin/sh\nenv > "%s/warning.env"\n' "$T" >"$T/hooks/expiry-warning.d/10-record"
chmod 755 "$T/hooks/expiry-warning.d/10-record"
write_config "aws = {
    endpoint = \"$SIM_URL\";
    region = \"us-east-1\";
    profile = \"member\";
    max_attempts = 3;
    follow_sim_clock = true;
};
hooks = {
    dir = \"$T/hooks\";
    timeout = \"1m\";
    pass_credentials = [ \"expiry-warning\" ];
};"

sim_admin POST advance '{"seconds": 3700}' >/dev/null
sbx run >"$T/run.out" 2>"$T/run.err" || { cat "$T/run.out" "$T/run.err"; fail "run"; }
[ -s "$T/warning.env" ] || fail "the expiry-warning hook did not run: $(cat "$T/run.err")"
if grep -q 'cannot pass credentials' "$T/run.err"; then
    fail "credentials were not passed: $(cat "$T/run.err")"
fi
key=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$T/warning.env")
case $key in
ASIA*) ;;
*) fail "hook's AWS_ACCESS_KEY_ID is '$key', want the role session's ASIA key" ;;
esac
assert_eq "$(grep -c '^AWS_SESSION_TOKEN=.' "$T/warning.env")" 1 "hook's AWS_SESSION_TOKEN"
assert_eq "$(grep -c '^AWS_SECRET_ACCESS_KEY=.' "$T/warning.env")" 1 "hook's AWS_SECRET_ACCESS_KEY"
# The management keys the profile started from are not what the hook got.
[ "$key" != "$AWS_ACCESS_KEY_ID" ] || fail "hook got the source keys"
echo ok
