#!/usr/bin/env bash
# t0105-credentials-refused.sh -- credentials the AWS CLI would not use are refused, before
# any request: doctor exits 5 and says why: a line of ~/.aws/config it cannot parse (file and
# line named), bytes after a credential_process's JSON, credentials that have already
# expired. The same helper printing valid keys works.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start
write_config
sbx init >/dev/null
key=$AWS_ACCESS_KEY_ID
secret=$AWS_SECRET_ACCESS_KEY
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export HOME="$T" AWS_CONFIG_FILE="$T/aws-config" AWS_SHARED_CREDENTIALS_FILE="$T/aws-credentials"

# refused PATTERN: doctor fails with exit 5, its credentials check naming PATTERN.
refused() {
    set +e
    out=$(sbx doctor 2>&1)
    rc=$?
    set -e
    assert_eq "$rc" 5 "doctor with refused credentials"
    assert_contains "$out" "FAIL  credentials   $1"
}

printf '[default]\nregion = us-east-1\ncredential_process = %s/helper\nthis line is junk\n' \
    "$T" >"$T/aws-config"
refused "AWS config file '$T/aws-config' line 4: expected '[section]' or 'key = value'"

printf '[default]\ncredential_process = %s/helper\n' "$T" >"$T/aws-config"
cat >"$T/helper" <<EOF
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "$key", "SecretAccessKey": "$secret"}'
[ -e "$T/trailing" ] && printf '\n{"Version": 1}'
exit 0
EOF
chmod 755 "$T/helper"
touch "$T/trailing"
refused "profile 'default': credential_process '$T/helper': unexpected data after the JSON object"
rm "$T/trailing"

cat >"$T/helper" <<EOF
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "$key", "SecretAccessKey": "$secret", "SessionToken": "t", "Expiration": "2001-01-01T00:00:00Z"}'
EOF
refused "profile 'default': credential_process '$T/helper': credentials expired at 2001-01-01T00:00:00Z"

cat >"$T/helper" <<EOF
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "$key", "SecretAccessKey": "$secret"}\n'
EOF
out=$(sbx doctor 2>&1)
assert_contains "$out" "ok    credentials   profile 'default' (credential_process)"
echo ok
