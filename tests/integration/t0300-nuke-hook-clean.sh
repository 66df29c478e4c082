#!/bin/bash
# t0300 -- the shipped aws-nuke pre-close hook, run with the environment the hook runner
# builds, against the stand-in aws-nuke/aws (tests/data/fake-aws-nuke): an account is clean
# only after two consecutive passes find nothing and a final dry-run scan (the proof) finds
# nothing either; removed resources are counted per type in $SANDBOX_RESULT_FILE; Debian's
# build (no version number) gets the 2.x dialect; the generated config is parsed back (and
# checked by the installed aws-nuke's own strict parser, with no network); credentials reach
# aws-nuke and the aws CLI only through their environment.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SECRET=secret-canary-Zq81
TOKEN=token-canary-Jk22
ROLE=arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
mkdir -p "$T/bin" "$T/fake" "$T/nukecfg"
for n in aws-nuke aws; do ln -s "$SBX_TEST_DATA/fake-aws-nuke" "$T/bin/$n"; done
HOOK="$T/50-aws-nuke"
cp "$SBX_SOURCE_DIR/hooks/pre-close.d/50-aws-nuke" "$HOOK"
chmod 755 "$HOOK"

# run_hook [VAR=value...] -- the hook with an environment built from nothing, as hook.c does.
run_hook() {
    env -i PATH="$T/bin:/usr/bin:/bin" LC_ALL=C HOME=/nonexistent SANDBOX_EVENT=pre-close \
        SANDBOX_ACCOUNT_ID=123456789012 SANDBOX_ROLE_ARN="$ROLE" SANDBOX_REASON=expired \
        SANDBOX_MANAGEMENT_ACCOUNT_ID=111111111111 \
        SANDBOX_PROTECTED_ACCOUNTS=222222222222,333333333333 \
        SANDBOX_NUKE_REGIONS=global,us-east-1,eu-west-1 SANDBOX_NUKE_CONFIG_DIR="$T/nukecfg" \
        SANDBOX_NUKE_PASS_DELAY=0 FAKE_NUKE_DIR="$T/fake" \
        AWS_ACCESS_KEY_ID=AKIAFAKEKEY AWS_SECRET_ACCESS_KEY="$SECRET" AWS_SESSION_TOKEN="$TOKEN" \
        "$@" "$HOOK" pre-close >"$T/out" 2>&1
}

# --- clean on two passes: 3 found and deleted, then 0, then 0, then the proof scan finds 0 ----
printf '3\n0\n0\n' >"$T/fake/plan"
assert_exit 0 run_hook SANDBOX_RESULT_FILE="$T/result.json"
cp "$T/out" "$T/out1"
out=$(cat "$T/out1")
assert_contains "$out" "aws-nuke dialect: 2.x"
assert_eq "$(cat "$T/fake/version-calls")" "aws-nuke version"
assert_contains "$out" "is clean: two consecutive passes and the proof scan found nothing to delete"
assert_contains "$out" "pass 1: aws-nuke status 0, found 3, consecutive clean passes 0"
assert_contains "$out" "pass 3: aws-nuke status 0, found 0, consecutive clean passes 2"
assert_contains "$out" "50-aws-nuke: removed: EC2Instance 3"
assert_contains "$out" "50-aws-nuke: left: none"
assert_eq "$(cat "$T/fake/count")" 4 "aws-nuke runs: three passes and the proof scan"
python3 - "$T/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["dialect"] == 2 and r["outcome"] == "clean" and r["passes"] == 3, r
assert r["removed"] == {"EC2Instance": 3} and r["left"] == {}, r
assert r["removed_total"] == 3 and r["left_total"] == 0, r
PY
calls=$(cat "$T/fake/calls")
# The alias is set (under the member's role, through the aws CLI) before aws-nuke runs.
assert_eq "$(sed -n 1p "$T/fake/calls")" \
    "aws --profile sandboxctl-member iam list-account-aliases --query AccountAliases[0] --output text"
assert_eq "$(sed -n 2p "$T/fake/calls")" \
    "aws --profile sandboxctl-member iam create-account-alias --account-alias sbx-123456789012"
assert_eq "$(cat "$T/fake/alias")" sbx-123456789012
nuke_calls=$(grep -c '^aws-nuke ' "$T/fake/calls")
assert_eq "$nuke_calls" 4
grep '^aws-nuke ' "$T/fake/calls" | head -n 3 | while read -r line; do
    assert_contains "$line" "--assume-role-arn $ROLE"
    assert_contains "$line" "--no-dry-run"
    assert_contains "$line" "--force"
    assert_contains "$line" "--max-wait-retries 60"
    assert_contains "$line" "--config $T/nukecfg/aws-nuke-123456789012.yaml"
done
# The proof scan deletes nothing.
proof=$(grep '^aws-nuke ' "$T/fake/calls" | tail -n 1)
assert_contains "$proof" "--assume-role-arn $ROLE"
case "$proof" in *--no-dry-run*) fail "the proof scan deleted: $proof" ;; esac
# Secrets: in the environment of aws-nuke and aws, never on a command line.
case "$calls" in *"$SECRET"* | *"$TOKEN"* | *AKIAFAKEKEY*) fail "a credential reached a command line" ;; esac
assert_eq "$(grep -c 'AWS_ACCESS_KEY_ID=set AWS_SECRET_ACCESS_KEY=set AWS_SESSION_TOKEN=set' "$T/fake/env")" 6
case "$out" in *"$SECRET"* | *"$TOKEN"*) fail "a credential reached the hook's output" ;; esac
# The aws CLI assumes the access role with the environment's credentials.
awscfg=$(cat "$T/fake/aws-config")
assert_contains "$awscfg" "role_arn = $ROLE"
assert_contains "$awscfg" "credential_source = Environment"
assert_contains "$awscfg" "region = us-east-1"

# --- the generated config, parsed back -------------------------------------------------------
cfg="$T/nukecfg/aws-nuke-123456789012.yaml"
[ -f "$cfg" ] || fail "no config kept in SANDBOX_NUKE_CONFIG_DIR"
cmp -s "$cfg" "$T/fake/config-1.yaml" || fail "aws-nuke did not get the config that was kept"
python3 - "$cfg" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
def check(cond, msg):
    if not cond:
        sys.exit("config check failed: " + msg + "\n" + open(sys.argv[1]).read())
check(c["account-blocklist"] == ["111111111111", "222222222222", "333333333333"], "blocklist")
check(c["regions"] == ["global", "us-east-1", "eu-west-1"], "regions")
check(list(c["accounts"]) == ["123456789012"], "only the member account")
check(c["accounts"]["123456789012"]["presets"] == ["sandboxctl-access", "landing-zone"], "presets")
check("S3Object" in c["resource-types"]["excludes"], "S3Object excluded")
acc = c["presets"]["sandboxctl-access"]["filters"]
check(acc["IAMRole"] == ["OrganizationAccountAccessRole"], "access role kept")
check({"type": "glob", "value": "OrganizationAccountAccessRole -> *"} in acc["IAMRolePolicyAttachment"],
      "access role's policies kept")
lz = c["presets"]["landing-zone"]["filters"]
check({"type": "glob", "value": "AWSReservedSSO_*"} in lz["IAMRole"], "SSO roles kept")
check({"type": "glob", "value": "aws-controltower-*"} in lz["IAMRole"], "Control Tower roles kept")
check({"type": "glob", "value": "stacksets-exec-*"} in lz["IAMRole"], "StackSets roles kept")
check("CloudTrailTrail" in lz and "IAMSAMLProvider" in lz, "trail and SAML provider kept")
dd = c["feature-flags"]["disable-deletion-protection"]
check(dd == {"RDSInstance": True, "EC2Instance": True, "CloudformationStack": True}, "deletion protection")
PY

# The installed aws-nuke's strict parser accepts it: with no network at all (unshare -rn), a
# valid config gets as far as the first AWS call; an invalid one fails to parse first.
real=$(PATH=/usr/bin:/bin command -v aws-nuke || true)
if [ -n "$real" ] && unshare -rn true 2>/dev/null; then
    nuke_parse() {
        env -i PATH=/usr/bin:/bin HOME="$T" AWS_ACCESS_KEY_ID=AKIAFAKE AWS_SECRET_ACCESS_KEY=x \
            timeout 60 unshare -rn "$real" -c "$1" --force --force-sleep 3 2>&1 || true
    }
    got=$(nuke_parse "$cfg")
    case "$got" in *"Failed to parse"* | *unmarshal*) fail "aws-nuke rejects the config: $got" ;; esac
    assert_contains "$got" "caller identity" "aws-nuke got past the config"
    { cat "$cfg"; echo "not-an-aws-nuke-key: 1"; } >"$T/bad.yaml"
    assert_contains "$(nuke_parse "$T/bad.yaml")" "Failed to parse" "negative control"
else
    echo "skip: no aws-nuke or no unshare -rn; the schema check by aws-nuke itself did not run"
fi

# --- already aliased; two clean passes straight away --------------------------------------
rm -f "$T/fake/calls" "$T/fake/count"
printf '0\n' >"$T/fake/plan"
assert_exit 0 run_hook SANDBOX_PROTECTED_ACCOUNTS= SANDBOX_NUKE_REGIONS=eu-central-1
cp "$T/out" "$T/out2"
assert_eq "$(cat "$T/fake/count")" 3 "two passes and the proof scan suffice"
case "$(cat "$T/fake/calls")" in *create-account-alias*) fail "alias set again" ;; esac
python3 - "$T/nukecfg/aws-nuke-123456789012.yaml" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
assert c["account-blocklist"] == ["111111111111"], c["account-blocklist"]
assert c["regions"] == ["eu-central-1"], c["regions"]
PY
assert_contains "$(cat "$T/fake/aws-config")" "region = eu-central-1"

# --- every enabled region by default: 2.x gets global plus what describe-regions lists --------
rm -f "$T/fake/calls" "$T/fake/count"
printf 'us-east-1\teu-west-1\tap-southeast-3\n' >"$T/fake/regions"
assert_exit 0 run_hook SANDBOX_NUKE_REGIONS=
cp "$T/out" "$T/out3"
assert_contains "$(cat "$T/fake/calls")" \
    "aws --profile sandboxctl-member ec2 describe-regions --query Regions[].RegionName --output text"
python3 - "$T/nukecfg/aws-nuke-123456789012.yaml" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
assert c["regions"] == ["global", "us-east-1", "eu-west-1", "ap-southeast-3"], c["regions"]
PY
# The aws CLI asks the partition's default region for the list.
assert_contains "$(cat "$T/fake/aws-config")" "region = us-east-1"
assert_exit 0 run_hook SANDBOX_NUKE_REGIONS=all
assert_contains "$(cat "$T/out")" "regions: global us-east-1 eu-west-1 ap-southeast-3"
# The list cannot be read, or holds garbage: refused (5), aws-nuke never runs.
rm -f "$T/fake/calls"
touch "$T/fake/regions-fail"
assert_exit 5 run_hook SANDBOX_NUKE_REGIONS=all
assert_contains "$(cat "$T/out")" "cannot list the regions enabled in 123456789012"
rm "$T/fake/regions-fail"
printf 'us-east-1\t$(reboot)\n' >"$T/fake/regions"
assert_exit 5 run_hook SANDBOX_NUKE_REGIONS=all
if grep -q '^aws-nuke' "$T/fake/calls"; then fail "aws-nuke ran without a valid region list"; fi
rm "$T/fake/regions"
