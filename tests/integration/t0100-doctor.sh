#!/usr/bin/env bash
# t0100-doctor.sh -- `sandboxctl doctor` against the simulator: every check passes and names
# the management account; missing or broken credentials fail with exit 5 and say which
# sources were tried; an invalid endpoint URL fails with exit 3; debug output never shows a
# secret.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start
write_config
sbx init >/dev/null

# 1. Everything passes, one line per check.
out=$(sbx doctor)
echo "$out"
assert_eq "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 9 "doctor prints one line per check"
assert_contains "$out" "ok    config"
assert_contains "$out" "$T/sandboxctl.cfg"
assert_contains "$out" "ok    endpoint      $SIM_URL (config aws.endpoint), signing region us-east-1"
assert_contains "$out" "ok    credentials   environment (key "
assert_contains "$out" "ok    organization  o-a1b2c3d4e5, feature set ALL, management account 111111111111"
assert_contains "$out" "ok    root          r-"
assert_contains "$out" "ok    caller"
assert_contains "$out" "(account 111111111111): the management account"
assert_contains "$out" "ok    store         $T/store.db (schema "
assert_contains "$out" "ok    accounts      $T/store.db: every account tagged as this store's is known"
assert_contains "$out" "ok    spend         no kind has a budget: no Cost Explorer requests"
case "$out" in
*"$AWS_SECRET_ACCESS_KEY"*) fail "doctor printed the secret key" ;;
*"$AWS_ACCESS_KEY_ID"*) fail "doctor printed the whole access key id" ;;
esac

json=$(sbx doctor --json)
assert_eq "$(json_get "$json" 'd["ok"]')" true
assert_eq "$(json_get "$json" 'd["management_account"]')" true
assert_eq "$(json_get "$json" '[c["check"] for c in d["checks"]]')" \
    '["config", "endpoint", "credentials", "organization", "root", "caller", "store", "accounts", "spend"]'
assert_eq "$(json_get "$json" 'sorted(set(c["status"] for c in d["checks"]))')" '["ok"]'

# 2. Debug output shows the exchange but no secret, token or signature.
sbx -vv doctor >/dev/null 2>"$T/debug.log"
grep -q 'Authorization: \[redacted\]' "$T/debug.log" || fail "debug log lacks redacted Authorization"
grep -q 'X-Amz-Target: AWSOrganizationsV20161128.DescribeOrganization' "$T/debug.log" ||
    fail "debug log lacks the request headers"
if grep -qF "$AWS_SECRET_ACCESS_KEY" "$T/debug.log"; then
    fail "debug log shows the secret key"
fi
if grep -q 'Signature=' "$T/debug.log"; then
    fail "debug log shows a signature"
fi

# 3. No credentials at all: exit 5, every source named.
set +e
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$SANDBOXCTL" doctor 2>&1)
rc=$?
set -e
echo "$out"
assert_eq "$rc" 5 "doctor without credentials"
assert_contains "$out" "FAIL  credentials   no credentials: environment (AWS_ACCESS_KEY_ID not set)"
assert_contains "$out" "shared credentials file '/dev/null'"
assert_contains "$out" "shared config file '/dev/null'"
assert_contains "$out" "skip  organization"

# 4. An unreadable credentials file is named.
mkdir "$T/not-a-file"
set +e
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$T/not-a-file" \
    "$SANDBOXCTL" doctor 2>&1)
rc=$?
set -e
assert_eq "$rc" 5 "doctor with an unreadable credentials file"
assert_contains "$out" "cannot read shared credentials file '$T/not-a-file'"

# 5. A credential_process that fails: its stderr is the explanation.
cat >"$T/creds-helper" <<'EOF'
#!/bin/sh
echo "helper: session expired, log in again" >&2
exit 4
EOF
chmod 755 "$T/creds-helper"
printf '[default]\ncredential_process = %s --account mgmt\n' "$T/creds-helper" >"$T/aws-config"
set +e
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_CONFIG_FILE="$T/aws-config" \
    "$SANDBOXCTL" doctor 2>&1)
rc=$?
set -e
assert_eq "$rc" 5 "doctor with a failing credential_process"
assert_contains "$out" "credential_process '$T/creds-helper' failed (exit 4): helper: session expired"

# ... and one that works, reported as the winning source.
cat >"$T/creds-helper" <<EOF
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"
EOF
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_CONFIG_FILE="$T/aws-config" \
    "$SANDBOXCTL" doctor)
assert_contains "$out" "ok    credentials   profile 'default' (credential_process)"

# 6. Wrong secret: the simulator's signature error, exit 5.
set +e
out=$(AWS_SECRET_ACCESS_KEY=wrong-secret "$SANDBOXCTL" doctor 2>&1)
rc=$?
set -e
assert_eq "$rc" 5 "doctor with a wrong secret"
assert_contains "$out" "FAIL  organization"
assert_contains "$out" "Signature"

# 7. An invalid endpoint URL in the config: exit 3.
write_config 'aws = {
    endpoint = "ftp://127.0.0.1:21";
    region = "us-east-1";
};'
set +e
out=$("$SANDBOXCTL" doctor 2>&1)
rc=$?
set -e
echo "$out"
assert_eq "$rc" 3 "doctor with an invalid endpoint URL"
assert_contains "$out" "ftp://127.0.0.1:21"

# 8. An invalid endpoint URL from the environment is also a configuration error.
write_config 'aws = {
    region = "us-east-1";
};'
set +e
out=$(AWS_ENDPOINT_URL="http://127.0.0.1:99999" "$SANDBOXCTL" doctor 2>&1)
rc=$?
set -e
assert_eq "$rc" 3 "doctor with an invalid AWS_ENDPOINT_URL"
assert_contains "$out" "FAIL  endpoint      AWS_ENDPOINT_URL: invalid endpoint URL"
