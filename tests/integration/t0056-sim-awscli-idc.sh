#!/bin/bash
# t0056-sim-awscli-idc.sh -- the real AWS CLI's `sso-admin` and `identitystore` commands against
# `sandboxctl sim`: the instance, permission sets, users and groups, an asynchronous account
# assignment and its deletion on the simulated clock, the one-operation-per-account conflict,
# and unknown ids reported by AWS's error codes.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

AWS_CLI=${AWS_CLI:-/usr/bin/aws}
[ -x "$AWS_CLI" ] || AWS_CLI=$(command -v aws) ||
    fail "the aws CLI is not installed (contrib/install-deps.sh installs awscli)"
aws() { "$AWS_CLI" "$@"; }
echo "using $AWS_CLI: $(aws --version 2>&1)"
PAGER_OPT=""
case "$(aws --version 2>&1)" in
aws-cli/2*) PAGER_OPT=--no-cli-pager ;;
esac

# Assignments take 10 simulated minutes, which pass only when the test advances the clock.
sim_start --assign-latency 600
# Debian's CLI predates the per-service AWS_ENDPOINT_URL_* variables: --endpoint-url it is.
# shellcheck disable=SC2086
sso() { aws sso-admin "$@" --endpoint-url "$SIM_URL" --region eu-west-1 --output json $PAGER_OPT; }
# shellcheck disable=SC2086
ids() { aws identitystore "$@" --endpoint-url "$SIM_URL" --region eu-west-1 --output json $PAGER_OPT; }

out=$(sso list-instances)
instance=$(json_get "$out" 'd["Instances"][0]["InstanceArn"]')
store=$(json_get "$out" 'd["Instances"][0]["IdentityStoreId"]')
assert_contains "$instance" "arn:aws:sso:::instance/ssoins-"
assert_contains "$store" "d-"

out=$(sso list-permission-sets --instance-arn "$instance" --page-size 2)
assert_eq "$(json_get "$out" 'len(d["PermissionSets"])')" 3 "permission sets over pages of 2"
ps=$(json_get "$out" 'd["PermissionSets"][0]')
out=$(sso describe-permission-set --instance-arn "$instance" --permission-set-arn "$ps")
assert_eq "$(json_get "$out" 'd["PermissionSet"]["Name"]')" AdministratorAccess
assert_eq "$(json_get "$out" 'd["PermissionSet"]["SessionDuration"]')" PT1H

# The directory: a user and a group added through the admin API, found by the CLI.
uid=$(json_get "$(sim_admin POST idc/users '{"UserName":"alice","Email":"alice@corp.example","DisplayName":"Alice"}')" 'd["UserId"]')
gid=$(json_get "$(sim_admin POST idc/groups '{"DisplayName":"instructors"}')" 'd["GroupId"]')
out=$(ids get-user-id --identity-store-id "$store" \
    --alternate-identifier '{"UniqueAttribute":{"AttributePath":"emails.value","AttributeValue":"alice@corp.example"}}')
assert_eq "$(json_get "$out" 'd["UserId"]')" "$uid"
out=$(ids get-user-id --identity-store-id "$store" \
    --alternate-identifier '{"UniqueAttribute":{"AttributePath":"userName","AttributeValue":"alice"}}')
assert_eq "$(json_get "$out" 'd["UserId"]')" "$uid"
out=$(ids describe-user --identity-store-id "$store" --user-id "$uid")
assert_eq "$(json_get "$out" 'd["UserName"]')" alice
assert_eq "$(json_get "$out" 'd["Emails"][0]["Value"]')" alice@corp.example
out=$(ids get-group-id --identity-store-id "$store" \
    --alternate-identifier '{"UniqueAttribute":{"AttributePath":"displayName","AttributeValue":"instructors"}}')
assert_eq "$(json_get "$out" 'd["GroupId"]')" "$gid"

# An assignment on a member account: IN_PROGRESS until the clock passes its latency.
acct=$(json_get "$(sim_admin POST accounts '{"Email":"a1@example.com","Name":"A1"}')" 'd["Id"]')
assign_args=(--instance-arn "$instance" --target-id "$acct" --target-type AWS_ACCOUNT
    --permission-set-arn "$ps" --principal-type USER --principal-id "$uid")
out=$(sso create-account-assignment "${assign_args[@]}")
assert_eq "$(json_get "$out" 'd["AccountAssignmentCreationStatus"]["Status"]')" IN_PROGRESS
rid=$(json_get "$out" 'd["AccountAssignmentCreationStatus"]["RequestId"]')
set +e
err=$(AWS_MAX_ATTEMPTS=1 sso create-account-assignment "${assign_args[@]}" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a second operation on the account during provisioning succeeded"
assert_contains "$err" ConflictException
out=$(sso list-account-assignments --instance-arn "$instance" --account-id "$acct" --permission-set-arn "$ps")
assert_eq "$(json_get "$out" 'len(d["AccountAssignments"])')" 0
sim_admin POST advance '{"seconds": 600}' >/dev/null
out=$(sso describe-account-assignment-creation-status --instance-arn "$instance" \
    --account-assignment-creation-request-id "$rid")
assert_eq "$(json_get "$out" 'd["AccountAssignmentCreationStatus"]["Status"]')" SUCCEEDED
out=$(sso list-account-assignments --instance-arn "$instance" --account-id "$acct" --permission-set-arn "$ps")
assert_eq "$(json_get "$out" 'd["AccountAssignments"][0]["PrincipalId"]')" "$uid"

out=$(sso delete-account-assignment "${assign_args[@]}")
rid=$(json_get "$out" 'd["AccountAssignmentDeletionStatus"]["RequestId"]')
assert_eq "$(json_get "$out" 'd["AccountAssignmentDeletionStatus"]["Status"]')" IN_PROGRESS
sim_admin POST advance '{"seconds": 600}' >/dev/null
out=$(sso describe-account-assignment-deletion-status --instance-arn "$instance" \
    --account-assignment-deletion-request-id "$rid")
assert_eq "$(json_get "$out" 'd["AccountAssignmentDeletionStatus"]["Status"]')" SUCCEEDED
out=$(sso list-account-assignments --instance-arn "$instance" --account-id "$acct" --permission-set-arn "$ps")
assert_eq "$(json_get "$out" 'len(d["AccountAssignments"])')" 0

# Unknown ids, by AWS's error codes.
set +e
err=$(AWS_MAX_ATTEMPTS=1 ids get-user-id --identity-store-id "$store" \
    --alternate-identifier '{"UniqueAttribute":{"AttributePath":"userName","AttributeValue":"nobody"}}' 2>&1)
set -e
assert_contains "$err" ResourceNotFoundException
set +e
err=$(AWS_MAX_ATTEMPTS=1 sso describe-account-assignment-creation-status --instance-arn "$instance" \
    --account-assignment-creation-request-id 00000000-0000-4000-8000-000000000000 2>&1)
set -e
assert_contains "$err" ResourceNotFoundException

# The requests are in the simulator's call counters.
assert_eq "$(json_get "$(sim_admin GET state)" 'd["calls"]["CreateAccountAssignment"]')" 2

sim_stop
