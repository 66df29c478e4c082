#!/bin/bash
# t0302 -- the aws-nuke pre-close hook refuses, before running anything, the management
# account, a protected account and a role ARN of another account; reports a missing aws-nuke,
# a bad environment, an alias containing "prod"; and does nothing for a simulated account.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

ROLE=arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
mkdir -p "$T/bin" "$T/fake"
for n in aws-nuke aws; do ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/$n"; done
HOOK="$T/50-aws-nuke"
cp "$SBX_SOURCE_DIR/hooks/pre-close.d/50-aws-nuke" "$HOOK"
chmod 755 "$HOOK"
printf '0\n' >"$T/fake/plan"

run_hook() {
    env -i PATH="${HOOK_PATH:-$T/bin:/usr/bin:/bin}" LC_ALL=C HOME=/nonexistent \
        SANDBOX_EVENT=pre-close SANDBOX_ACCOUNT_ID=123456789012 SANDBOX_ROLE_ARN="$ROLE" \
        SANDBOX_MANAGEMENT_ACCOUNT_ID=111111111111 \
        SANDBOX_PROTECTED_ACCOUNTS="222222222222, 333333333333" \
        SANDBOX_NUKE_REGIONS=global,us-east-1 SANDBOX_NUKE_PASS_DELAY=0 FAKE_NUKE_DIR="$T/fake" \
        AWS_ACCESS_KEY_ID=AKIAFAKEKEY AWS_SECRET_ACCESS_KEY=secret \
        "$@" "$HOOK" pre-close >"$T/out" 2>"$T/err"
}
nothing_ran() {
    [ ! -e "$T/fake/calls" ] || fail "$1: something ran: $(cat "$T/fake/calls")"
}

# refused (3): the management account, a protected account, another account's role
assert_exit 3 run_hook SANDBOX_ACCOUNT_ID=111111111111 \
    SANDBOX_ROLE_ARN=arn:aws:iam::111111111111:role/OrganizationAccountAccessRole
assert_contains "$(cat "$T/err")" "refusing to nuke 111111111111: it is the management account"
nothing_ran management
assert_exit 3 run_hook SANDBOX_ACCOUNT_ID=333333333333 \
    SANDBOX_ROLE_ARN=arn:aws:iam::333333333333:role/OrganizationAccountAccessRole
assert_contains "$(cat "$T/err")" "refusing to nuke 333333333333: it is a protected account"
nothing_ran protected
assert_exit 3 run_hook SANDBOX_ROLE_ARN=arn:aws:iam::444444444444:role/OrganizationAccountAccessRole
assert_contains "$(cat "$T/err")" "is in account '444444444444', not in 123456789012"
nothing_ran "foreign role"

# bad environment (2)
assert_exit 2 run_hook SANDBOX_MANAGEMENT_ACCOUNT_ID=
assert_contains "$(cat "$T/err")" "SANDBOX_MANAGEMENT_ACCOUNT_ID"
assert_exit 2 run_hook SANDBOX_ACCOUNT_ID=12345
assert_exit 2 run_hook SANDBOX_ROLE_ARN=not-an-arn
assert_exit 2 run_hook SANDBOX_NUKE_REGIONS='us-east-1,$(reboot)'
assert_exit 2 run_hook SANDBOX_PROTECTED_ACCOUNTS=22222
assert_exit 2 run_hook SANDBOX_NUKE_MAX_PASSES=1
nothing_ran "bad environment"

# aws-nuke missing (4): a PATH with the tools the hook needs but no aws-nuke anywhere
mkdir "$T/tools"
for t in sh cut tr sed grep cat date mktemp rm mkdir head tail sleep; do
    ln -s "$(command -v "$t")" "$T/tools/$t"
done
ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/tools/aws"
HOOK_PATH="$T/tools" assert_exit 4 run_hook
assert_contains "$(cat "$T/err")" "aws-nuke is not installed or not on PATH"
nothing_ran "no aws-nuke"

# an account alias containing "prod" (5): aws-nuke never runs
echo "team-prod-sandbox" >"$T/fake/alias"
assert_exit 5 run_hook
assert_contains "$(cat "$T/err")" "contains 'prod'"
if grep -q '^aws-nuke' "$T/fake/calls"; then fail "aws-nuke ran on a prod alias"; fi
rm -f "$T/fake/calls" "$T/fake/alias"
touch "$T/fake/alias-fails"
assert_exit 5 run_hook
assert_contains "$(cat "$T/err")" "cannot list the account aliases"
rm -f "$T/fake/calls" "$T/fake/alias-fails"

# a simulated organization: nothing to nuke, nothing runs, success
assert_exit 0 run_hook SANDBOX_ENDPOINT_URL=http://127.0.0.1:4566
assert_contains "$(cat "$T/out")" "simulated"
nothing_ran simulator
# any other custom endpoint: refused rather than guessed
assert_exit 2 run_hook SANDBOX_ENDPOINT_URL=https://organizations.example.internal
nothing_ran "custom endpoint"
