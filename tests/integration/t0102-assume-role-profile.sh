#!/usr/bin/env bash
# t0102-assume-role-profile.sh -- an AWS CLI style assume-role profile (role_arn +
# credential_source) resolved through the simulator's STS: doctor reports the profile as the
# source, the caller as the assumed role in the member account, and that it is not the
# management account (exit 5). A member may describe the organization but not list its roots.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start
member=$(json_get "$(sim_admin POST accounts \
    '{"Email": "member@example.com", "Name": "member"}')" 'd["Id"]')

cat >"$T/aws-config" <<EOF
[profile member]
role_arn = arn:aws:iam::$member:role/OrganizationAccountAccessRole
credential_source = Environment
role_session_name = t0102
EOF
export AWS_CONFIG_FILE="$T/aws-config"
write_config "aws = {
    endpoint = \"$SIM_URL\";
    region = \"us-east-1\";
    profile = \"member\";
    max_attempts = 3;
    follow_sim_clock = true;
};"

set +e
out=$(sbx doctor 2>&1)
rc=$?
set -e
echo "$out"
assert_eq "$rc" 5 "doctor as a member account"
assert_contains "$out" "ok    credentials   profile 'member' (role_arn, source: environment) (key ASIA"
assert_contains "$out" "expires "
assert_contains "$out" "ok    organization  o-a1b2c3d4e5, feature set ALL, management account 111111111111"
assert_contains "$out" "FAIL  root          ListRoots: AccessDeniedException"
assert_contains "$out" "FAIL  caller        arn:aws:sts::$member:assumed-role/OrganizationAccountAccessRole/t0102 (account $member) is not the management account 111111111111"

# A role the member does not have: STS refuses, and doctor says which profile.
sed -i 's/OrganizationAccountAccessRole/NoSuchRole/' "$T/aws-config"
set +e
out=$(sbx doctor 2>&1)
rc=$?
set -e
echo "$out"
assert_eq "$rc" 5 "doctor with a role that cannot be assumed"
assert_contains "$out" "FAIL  credentials   profile 'member': cannot assume role 'arn:aws:iam::$member:role/NoSuchRole'"
