#!/bin/bash
# t0051-sim-signatures.sh -- SigV4 through HTTP: AWS's answers to a bad signature, an unknown
# key, clock skew (either clock), wrong scope, missing or malformed authorization, and the
# temporary credentials STS hands out (token required, member rights, expiry).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start --no-throttle

# expect STATUS TYPE OUTPUT -- OUTPUT is "STATUS BODY" from sim_call
expect() {
    assert_eq "${3%% *}" "$1" "HTTP status of: $3"
    assert_contains "$3" "$2"
}

out=$(sim_call DescribeOrganization)
expect 200 '"Id":"o-a1b2c3d4e5"' "$out"

# A body changed after signing, a wrong secret: InvalidSignatureException, 403.
out=$(SIM_CALL_TAMPER=1 sim_call DescribeOrganization)
expect 403 '"__type":"InvalidSignatureException"' "$out"
assert_contains "$out" "The request signature we calculated does not match the signature you provided."
out=$(SIM_CALL_SECRET=not-the-secret sim_call ListRoots)
expect 403 '"__type":"InvalidSignatureException"' "$out"

# An access key the simulator does not know.
out=$(SIM_CALL_KEY=AKIAUNKNOWNKEY000000 sim_call ListRoots)
expect 403 '"__type":"UnrecognizedClientException"' "$out"
assert_contains "$out" "The security token included in the request is invalid."

# Clock skew: 15 minutes either way of the real clock.
now=$(date -u +%s)
out=$(SIM_CALL_DATE=$(date -u -d "@$((now - 1200))" +%Y%m%dT%H%M%SZ) sim_call ListRoots)
expect 400 '"__type":"InvalidSignatureException"' "$out"
assert_contains "$out" "Signature expired: "
out=$(SIM_CALL_DATE=$(date -u -d "@$((now + 1200))" +%Y%m%dT%H%M%SZ) sim_call ListRoots)
expect 400 '"__type":"InvalidSignatureException"' "$out"
assert_contains "$out" "Signature not yet current: "
out=$(SIM_CALL_DATE=$(date -u -d "@$((now - 600))" +%Y%m%dT%H%M%SZ) sim_call ListRoots)
expect 200 '"Roots"' "$out"

# ... or of the simulated clock: a client following the simulator's clock signs with it.
sim_admin POST advance '{"seconds": "2d"}' >/dev/null
simnow=$(json_get "$(sim_admin GET clock)" 'int(d["now"])')
out=$(SIM_CALL_DATE=$(date -u -d "@$simnow" +%Y%m%dT%H%M%SZ) sim_call ListRoots)
expect 200 '"Roots"' "$out"
out=$(sim_call ListRoots) # real time still works after the jump
expect 200 '"Roots"' "$out"
out=$(SIM_CALL_DATE=$(date -u -d "@$((simnow + 86400))" +%Y%m%dT%H%M%SZ) sim_call ListRoots)
expect 400 'Signature not yet current' "$out"

# Any region in the scope; the service must be the right one.
out=$(SIM_CALL_REGION=eu-west-1 sim_call ListRoots)
expect 200 '"Roots"' "$out"
out=$(SIM_CALL_SERVICE=sts sim_call ListRoots)
expect 403 "Credential should be scoped to correct service: 'organizations'" "$out"

# No Authorization header; a malformed one.
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X POST -H 'X-Amz-Target: AWSOrganizationsV20161128.ListRoots' \
    -H 'Content-Type: application/x-amz-json-1.1' --data '{}' "$SIM_URL/")
assert_eq "$code" 403
assert_contains "$(cat "$T/body")" MissingAuthenticationTokenException
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X POST -H 'X-Amz-Target: AWSOrganizationsV20161128.ListRoots' \
    -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Date: 20260101T000000Z' \
    -H 'Authorization: AWS4-HMAC-SHA256 nonsense' --data '{}' "$SIM_URL/")
assert_eq "$code" 400
assert_contains "$(cat "$T/body")" IncompleteSignatureException
assert_contains "$(curl -sS -D - -o /dev/null -X POST --data '{}' "$SIM_URL/")" "x-amzn-RequestId"

out=$(sim_call FrobnicateOrganization)
expect 400 '"__type":"UnknownOperationException"' "$out"

# STS speaks XML and its own codes.
out=$(sim_call sts:GetCallerIdentity)
expect 200 "<Account>111111111111</Account>" "$out"
out=$(SIM_CALL_SECRET=nope sim_call sts:GetCallerIdentity)
expect 403 "<Code>SignatureDoesNotMatch</Code>" "$out"
out=$(SIM_CALL_KEY=AKIAUNKNOWNKEY000000 sim_call sts:GetCallerIdentity)
expect 403 "<Code>InvalidClientTokenId</Code>" "$out"

# Temporary credentials: usable only with their token, only for what a member may do.
member=$(json_get "$(sim_admin POST accounts '{"Email":"member@example.com","Name":"Member"}')" 'd["Id"]')
out=$(sim_call sts:AssumeRole "RoleArn=arn%3Aaws%3Aiam%3A%3A$member%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=t0051&DurationSeconds=900")
expect 200 "<AccessKeyId>ASIA" "$out"
tag() { printf '%s\n' "$1" | sed -n "s|.*<$2>\([^<]*\)</$2>.*|\1|p"; }
akid=$(tag "$out" AccessKeyId)
secret=$(tag "$out" SecretAccessKey)
token=$(tag "$out" SessionToken)
out=$(SIM_CALL_KEY=$akid SIM_CALL_SECRET=$secret SIM_CALL_TOKEN=$token sim_call sts:GetCallerIdentity)
expect 200 "<Arn>arn:aws:sts::$member:assumed-role/OrganizationAccountAccessRole/t0051</Arn>" "$out"
out=$(SIM_CALL_KEY=$akid SIM_CALL_SECRET=$secret sim_call sts:GetCallerIdentity)
expect 403 "<Code>InvalidClientTokenId</Code>" "$out"
out=$(SIM_CALL_KEY=$akid SIM_CALL_SECRET=$secret SIM_CALL_TOKEN=$token sim_call DescribeOrganization)
expect 200 '"MasterAccountId":"111111111111"' "$out"
out=$(SIM_CALL_KEY=$akid SIM_CALL_SECRET=$secret SIM_CALL_TOKEN=$token sim_call ListAccounts)
expect 400 '"__type":"AccessDeniedException"' "$out"
assert_contains "$out" "must be the management account"
out=$(SIM_CALL_KEY=$akid SIM_CALL_SECRET=$secret SIM_CALL_TOKEN=$token sim_call sts:AssumeRole \
    "RoleArn=arn%3Aaws%3Aiam%3A%3A$member%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=chain")
expect 403 "<Code>AccessDenied</Code>" "$out"
# 900 s later (simulated) the credentials have expired.
sim_admin POST advance '{"seconds": 900}' >/dev/null
out=$(SIM_CALL_KEY=$akid SIM_CALL_SECRET=$secret SIM_CALL_TOKEN=$token sim_call DescribeOrganization)
expect 400 '"__type":"ExpiredTokenException"' "$out"

sim_stop
