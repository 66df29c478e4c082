#!/bin/bash
# t0303 -- the aws-nuke pre-close hook with aws-nuke v3 (the stand-in tests/data/fake-aws-nuke-v3,
# which refuses the 2.x command line as v3 does): `aws-nuke run --no-prompt --prompt-delay 3
# --no-alias-check`, a config with blocklist, settings and bypass-alias-check-accounts, no
# account alias created, regions [all] by default, exit status 1 a failed pass, the proof scan,
# removed/left per resource type, --log-format json.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

ROLE=arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
mkdir -p "$T/bin" "$T/fake" "$T/nukecfg"
ln -s "$SBX_TEST_DATA/fake-aws-nuke-v3" "$T/bin/aws-nuke"
ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/aws"
HOOK="$T/50-aws-nuke"
cp "$SBX_SOURCE_DIR/hooks/pre-close.d/50-aws-nuke" "$HOOK"
chmod 755 "$HOOK"

run_hook() {
    env -i PATH="$T/bin:/usr/bin:/bin" LC_ALL=C HOME=/nonexistent SANDBOX_EVENT=pre-close \
        SANDBOX_ACCOUNT_ID=123456789012 SANDBOX_ROLE_ARN="$ROLE" \
        SANDBOX_MANAGEMENT_ACCOUNT_ID=111111111111 SANDBOX_PROTECTED_ACCOUNTS=222222222222 \
        SANDBOX_NUKE_CONFIG_DIR="$T/nukecfg" SANDBOX_NUKE_PASS_DELAY=0 FAKE_NUKE_DIR="$T/fake" \
        SANDBOX_RESULT_FILE="$T/result.json" \
        AWS_ACCESS_KEY_ID=AKIAFAKEKEY AWS_SECRET_ACCESS_KEY=secret-canary-V3x \
        "$@" "$HOOK" pre-close >"$T/out" 2>&1
}
reset_fake() {
    rm -f "$T/fake/calls" "$T/fake/count" "$T/fake/env" "$T/fake/config-"* "$T/result.json"
    printf "$1" >"$T/fake/plan"
}
nuke_calls() { grep '^aws-nuke' "$T/fake/calls" || true; }

# --- the stand-in is v3: the root command runs nothing, the 2.x command line is refused ------
mkdir "$T/probe"
printf 'x: 1\n' >"$T/probe/c.yaml"
FAKE_NUKE_DIR="$T/probe" assert_exit 1 "$T/bin/aws-nuke" --config "$T/probe/c.yaml" --force \
    --force-sleep 3 --quiet --no-dry-run
FAKE_NUKE_DIR="$T/probe" assert_exit 0 "$T/bin/aws-nuke"
assert_contains "$(FAKE_NUKE_DIR="$T/probe" "$T/bin/aws-nuke" version)" "3.51.1"
FAKE_NUKE_DIR="$T/probe" assert_exit 1 "$T/bin/aws-nuke" run -c "$T/probe/c.yaml" --no-prompt \
    --prompt-delay 2
[ ! -e "$T/probe/count" ] || [ "$(cat "$T/probe/count")" = 1 ] || fail "stand-in counted a refused call"

# --- clean: 3 found and deleted, two clean passes, the proof scan; every enabled region ------
reset_fake '3\n0\n0\n'
assert_exit 0 run_hook
cp "$T/out" "$T/out1"
out=$(cat "$T/out1")
assert_contains "$out" "aws-nuke dialect: 3.x (version 3.51.1)"
assert_contains "$out" "is clean: two consecutive passes and the proof scan found nothing to delete"
assert_contains "$out" "50-aws-nuke: removed: EC2Instance 2, S3Bucket 1"
assert_contains "$out" "50-aws-nuke: left: none"
assert_contains "$out" "account 123456789012 has no alias; aws-nuke v3 runs with --no-alias-check"
assert_eq "$(cat "$T/fake/count")" 4 "three passes and the proof scan"
assert_eq "$(nuke_calls | grep -c '^aws-nuke run ')" 4 "every run is 'aws-nuke run'"
nuke_calls | while read -r line; do
    assert_contains "$line" "--config $T/nukecfg/aws-nuke-123456789012.yaml"
    assert_contains "$line" "--assume-role-arn $ROLE"
    assert_contains "$line" "--no-prompt --prompt-delay 3"
    assert_contains "$line" "--no-alias-check"
    case "$line" in *--force*) fail "2.x flag on a v3 command line: $line" ;; esac
done
assert_eq "$(nuke_calls | head -n 3 | grep -c -- '--no-dry-run --max-wait-retries 60')" 3
case "$(nuke_calls | tail -n 1)" in *--no-dry-run*) fail "the proof scan deleted" ;; esac
# No alias created, no region listing: v3 expands [all] itself.
case "$(cat "$T/fake/calls")" in *create-account-alias* | *describe-regions*) fail "v3: $(cat "$T/fake/calls")" ;; esac
[ ! -s "$T/fake/alias" ] || fail "an alias was created"
case "$(cat "$T/fake/calls")" in *secret-canary-V3x* | *AKIAFAKEKEY*) fail "a credential on a command line" ;; esac
python3 - "$T/nukecfg/aws-nuke-123456789012.yaml" "$T/result.json" <<'PY'
import json, sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
def check(cond, msg):
    if not cond:
        sys.exit("check failed: " + msg + "\n" + open(sys.argv[1]).read())
check(c["regions"] == ["all"], "regions [all]")
check(c["blocklist"] == ["111111111111", "222222222222"], "blocklist")
check("account-blocklist" not in c and "feature-flags" not in c, "no 2.x keys")
check(c["bypass-alias-check-accounts"] == ["123456789012"], "bypass-alias-check-accounts")
check(list(c["accounts"]) == ["123456789012"], "only the member account")
s = c["settings"]
check(s["EC2Instance"] == {"DisableDeletionProtection": True}, "EC2 settings")
check(s["RDSInstance"] == {"DisableDeletionProtection": True}, "RDS settings")
check(s["CloudFormationStack"] == {"DisableDeletionProtection": True}, "CloudFormation settings")
check(s["LightsailInstance"] == {"ForceDeleteAddOns": True}, "Lightsail settings")
check(c["presets"]["sandboxctl-access"]["filters"]["IAMRole"] == ["OrganizationAccountAccessRole"],
      "access role kept")
r = json.load(open(sys.argv[2]))
check(r == {"tool": "aws-nuke", "dialect": 3, "outcome": "clean", "passes": 3,
            "removed_total": 3, "left_total": 0,
            "removed": {"EC2Instance": 2, "S3Bucket": 1}, "left": {}}, "result %r" % r)
PY

# --- regions listed explicitly are used as given -------------------------------------------
reset_fake '0\n'
assert_exit 0 run_hook SANDBOX_NUKE_REGIONS=global,eu-west-1
python3 -c 'import sys, yaml; r = yaml.safe_load(open(sys.argv[1]))["regions"]; assert r == ["global", "eu-west-1"], r' \
    "$T/nukecfg/aws-nuke-123456789012.yaml"
assert_exit 2 run_hook SANDBOX_NUKE_REGIONS=all,eu-west-1

# --- the proof scan finds what the passes did not: the nuke failed ---------------------------
reset_fake '0\n0\n4\n'
assert_exit 1 run_hook
cp "$T/out" "$T/out2"
out=$(cat "$T/out2")
assert_contains "$out" "the proof scan found 4 nukeable resource(s) in 123456789012: the nuke failed"
assert_contains "$out" "50-aws-nuke: left: EC2Instance 2, S3Bucket 2"
assert_contains "$out" "us-east-1 - S3Bucket - s3://bucket-4 - [ID: \"s3://bucket-4\"] - would remove"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["outcome"] == "resources-left" and r["left"] == {"EC2Instance": 2, "S3Bucket": 2} and r["left_total"] == 4, r' \
    "$T/result.json"

# --- every v3 run fails (exit 1): no pass is clean, the account is not ----------------------
reset_fake '0\n'
touch "$T/fake/fail"
assert_exit 1 run_hook SANDBOX_NUKE_MAX_PASSES=2
cp "$T/out" "$T/out3"
out=$(cat "$T/out3")
rm "$T/fake/fail"
assert_contains "$out" "aws-nuke reported an error (exit status 1)"
assert_contains "$out" "pass 1: aws-nuke status 1, found -1, consecutive clean passes 0"
assert_contains "$out" "remaining: unknown (the final scan failed with status 1)"

# --- --log-format json: the JSON lines are read ---------------------------------------------
reset_fake '2\n0\n0\n'
assert_exit 0 run_hook SANDBOX_NUKE_LOG_FORMAT=json
cp "$T/out" "$T/out4"
out=$(cat "$T/out4")
assert_eq "$(nuke_calls | grep -c -- '--log-format json')" 4
assert_contains "$out" '{"level":"info","msg":"Scan complete: 2 total, 2 nukeable, 2 filtered."'
assert_contains "$out" "pass 1: aws-nuke status 0, found 2, consecutive clean passes 0"
assert_contains "$out" "50-aws-nuke: removed: EC2Instance 1, S3Bucket 1"
reset_fake '0\n0\n3\n'
assert_exit 1 run_hook SANDBOX_NUKE_LOG_FORMAT=json
assert_contains "$(cat "$T/out")" "50-aws-nuke: left: EC2Instance 2, S3Bucket 1"
assert_exit 2 run_hook SANDBOX_NUKE_LOG_FORMAT=yaml

# --- dry run: one listing, nothing deleted, what would go counted ----------------------------
reset_fake '3\n'
assert_exit 0 run_hook SANDBOX_DRY_RUN=1
assert_eq "$(cat "$T/fake/count")" 1
case "$(nuke_calls)" in *--no-dry-run*) fail "dry run deleted" ;; esac
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["outcome"] == "dry-run" and r["left"] == {"EC2Instance": 2, "S3Bucket": 1}, r' \
    "$T/result.json"

# --- an alias with "prod" is refused before aws-nuke runs, even though v3 would skip the check
reset_fake '0\n'
echo "team-prod-sandbox" >"$T/fake/alias"
assert_exit 5 run_hook
assert_contains "$(cat "$T/out")" "contains 'prod'"
[ -z "$(nuke_calls)" ] || fail "aws-nuke ran on a prod alias"
rm "$T/fake/alias"

# --- versions: 2.x with a number speaks 2.x; json needs v3; older than 2 is refused --------
reset_fake '0\n'
echo 2.25.0 >"$T/fake/version"
assert_exit 2 run_hook SANDBOX_NUKE_LOG_FORMAT=json
assert_contains "$(cat "$T/out")" "needs aws-nuke v3"
[ -z "$(nuke_calls)" ] || fail "aws-nuke ran"
# The 2.x command line on a binary that says 2.25.0: (the v3 stand-in refuses it, exit 1).
assert_exit 1 run_hook SANDBOX_NUKE_REGIONS=us-east-1 SANDBOX_NUKE_MAX_PASSES=2
assert_contains "$(cat "$T/out")" "aws-nuke dialect: 2.x (version 2.25.0)"
assert_contains "$(cat "$T/out")" "flag provided but not defined: -config"
echo 1.4.0 >"$T/fake/version"
reset_fake '0\n'
assert_exit 4 run_hook
assert_contains "$(cat "$T/out")" "unsupported aws-nuke version"
[ -z "$(nuke_calls)" ] || fail "aws-nuke ran"
rm "$T/fake/version"
