#!/bin/bash
# t0301 -- the aws-nuke pre-close hook when resources remain (never two clean passes in a
# row: exit 1 with a list of what remains) and in dry-run (lists, deletes nothing).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

ROLE=arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
mkdir -p "$T/bin" "$T/fake"
for n in aws-nuke aws; do ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/$n"; done
HOOK="$T/50-aws-nuke"
cp "$SBX_SOURCE_DIR/hooks/pre-close.d/50-aws-nuke" "$HOOK"
chmod 755 "$HOOK"
echo sbx-123456789012 >"$T/fake/alias"

run_hook() {
    env -i PATH="$T/bin:/usr/bin:/bin" LC_ALL=C HOME=/nonexistent SANDBOX_EVENT=pre-close \
        SANDBOX_ACCOUNT_ID=123456789012 SANDBOX_ROLE_ARN="$ROLE" \
        SANDBOX_MANAGEMENT_ACCOUNT_ID=111111111111 SANDBOX_NUKE_REGIONS=global,us-east-1 \
        SANDBOX_NUKE_PASS_DELAY=0 FAKE_NUKE_DIR="$T/fake" \
        AWS_ACCESS_KEY_ID=AKIAFAKEKEY AWS_SECRET_ACCESS_KEY=secret \
        "$@" "$HOOK" pre-close >"$T/out" 2>&1
}
reset_fake() {
    rm -f "$T/fake/calls" "$T/fake/count" "$T/fake/env" "$T/fake/config-"*
    printf "$1" >"$T/fake/plan"
}

# --- resources keep coming back: 5, then 4 every time -----------------------------------------
reset_fake '5\n4\n'
assert_exit 1 run_hook
cp "$T/out" "$T/out1"
out=$(cat "$T/out1")
# Three passes (a fourth could no longer make two clean ones in a row), then a listing scan.
assert_eq "$(cat "$T/fake/count")" 4
assert_contains "$out" "giving up after 3 pass(es)"
assert_contains "$out" "remaining: 4 resource(s) in 123456789012"
assert_contains "$out" "us-east-1 - EC2Instance - i-000000000000004 - [ID: \"i-000000000000004\"] - would remove"
# The listing scan is a dry run: it deletes nothing.
assert_eq "$(grep '^aws-nuke ' "$T/fake/calls" | grep -c -- '--no-dry-run')" 3
case "$(tail -n 1 "$T/fake/calls")" in *--no-dry-run*) fail "the final scan deleted" ;; esac

# --- two passes allowed and the first finds resources: two clean passes can no longer
# follow, so it stops at once, lists what remains and fails
reset_fake '3\n2\n'
assert_exit 1 run_hook SANDBOX_NUKE_MAX_PASSES=2
out=$(cat "$T/out")
assert_contains "$out" "giving up after 1 pass(es)"
assert_contains "$out" "remaining: 2 resource(s) in 123456789012"

# --- clean, dirty again, clean: never two in a row within 4 passes ---------------------------
reset_fake '2\n0\n1\n0\n0\n'
assert_exit 1 run_hook
cp "$T/out" "$T/out2"
out=$(cat "$T/out2")
assert_contains "$out" "pass 2: aws-nuke status 0, found 0, consecutive clean passes 1"
assert_contains "$out" "pass 3: aws-nuke status 0, found 1, consecutive clean passes 0"
assert_contains "$out" "giving up after 3 pass(es)"

# --- more passes allowed: the same sequence becomes clean at pass 5 --------------------------
reset_fake '2\n0\n1\n0\n0\n'
assert_exit 0 run_hook SANDBOX_NUKE_MAX_PASSES=5
cp "$T/out" "$T/out3"
assert_eq "$(cat "$T/fake/count")" 6 "five passes and the proof scan"

# --- aws-nuke itself fails (e.g. max wait retries exceeded): not a clean pass ---------------
reset_fake '0\n'
printf '#!/bin/sh\necho "Max wait retries of 60 exceeded."\nexit 1\n' >"$T/bin/aws-nuke.fail"
rm "$T/bin/aws-nuke"
cp "$T/bin/aws-nuke.fail" "$T/bin/aws-nuke"
chmod 755 "$T/bin/aws-nuke"
assert_exit 1 run_hook SANDBOX_NUKE_MAX_PASSES=2
cp "$T/out" "$T/out4"
out=$(cat "$T/out4")
assert_contains "$out" "pass 1: aws-nuke status 1, found -1, consecutive clean passes 0"
assert_contains "$out" "remaining: unknown (the final scan failed with status 1)"
rm "$T/bin/aws-nuke"
ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/aws-nuke"

# --- dry run: one listing run, nothing deleted, success ---------------------------------------
reset_fake '7\n'
assert_exit 0 run_hook SANDBOX_DRY_RUN=1
cp "$T/out" "$T/out5"
out=$(cat "$T/out5")
assert_eq "$(cat "$T/fake/count")" 1
case "$(cat "$T/fake/calls")" in *--no-dry-run*) fail "dry run passed --no-dry-run" ;; esac
assert_contains "$out" "dry run: 7 resource(s) would be deleted from 123456789012"
assert_eq "$(grep -c 'would remove$' "$T/out5")" 14 "listed by aws-nuke, then in the summary"
assert_contains "$out" "i-000000000000007"

# --- dry run and a failing aws-nuke: failure ----------------------------------------------
reset_fake '0\n'
touch "$T/fake/alias-fails"
assert_exit 5 run_hook SANDBOX_DRY_RUN=1
cp "$T/out" "$T/out6"
rm "$T/fake/alias-fails"

# --- two clean passes, but the proof scan finds resources: the nuke failed -------------------
reset_fake '0\n0\n2\n'
assert_exit 1 run_hook SANDBOX_RESULT_FILE="$T/result.json"
cp "$T/out" "$T/out7"
out=$(cat "$T/out7")
assert_eq "$(cat "$T/fake/count")" 3
assert_contains "$out" "the proof scan found 2 nukeable resource(s) in 123456789012: the nuke failed"
assert_contains "$out" "50-aws-nuke: left: EC2Instance 2"
case "$(tail -n 1 "$T/fake/calls")" in *--no-dry-run*) fail "the proof scan deleted" ;; esac
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["outcome"] == "resources-left" and r["left"] == {"EC2Instance": 2} and r["dialect"] == 2, r' \
    "$T/result.json"
# ... or fails: not proven, not clean
reset_fake '0\n0\n'
printf '#!/bin/sh\nn=$(cat "$FAKE_NUKE_DIR/n" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"$FAKE_NUKE_DIR/n"\n[ "$1" = version ] && exit 0\nif [ "$n" -le 3 ]; then exec "%s" "$@"; fi\necho "Error: AccessDenied"\nexit 255\n' \
    "$SBX_TEST_DATA/fake-aws-nuke" >"$T/bin/aws-nuke.proof"
rm "$T/bin/aws-nuke"
cp "$T/bin/aws-nuke.proof" "$T/bin/aws-nuke"
chmod 755 "$T/bin/aws-nuke"
assert_exit 1 run_hook
assert_contains "$(cat "$T/out")" "the proof scan failed with status 255: the nuke is not proven"
assert_contains "$(cat "$T/out")" "aws-nuke reported an error (exit status 255)"
rm "$T/bin/aws-nuke"
ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/aws-nuke"
