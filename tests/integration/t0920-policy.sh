#!/bin/bash
# t0920 -- `sandboxctl policy protect|operator` from a real config file: valid JSON; the Deny
# statements cover exactly the configured protected tags and account ids; the operator policy
# allows the Organizations operations of the client and the two STS calls, nothing else.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

cat >"$T/a.cfg" <<'CFG'
store = "store.db";
aws = { region = "eu-west-1"; access_role = "SandboxAccess"; };
organization = {
    protected_tags = [ "AccountType=Critical", "Env=prod", "sandboxctl:protect=true" ];
    protected_accounts = [ "123456789012", "210987654321" ];
};
CFG
sbx -c "$T/a.cfg" policy protect >"$T/protect.json"
python3 - "$T/protect.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["Version"] == "2012-10-17", p
tags, ids = set(), set()
for st in p["Statement"]:
    assert st["Effect"] == "Deny", st
    assert st["Action"] == "organizations:CloseAccount", st
    if "Condition" in st:
        assert st["Resource"] == "*", st
        (op, kv), = st["Condition"].items()
        assert op == "StringEquals", st
        for k, v in kv.items():
            assert k.startswith("aws:ResourceTag/"), k
            for val in (v if isinstance(v, list) else [v]):
                tags.add((k[len("aws:ResourceTag/"):], val))
    else:
        for arn in st["Resource"]:
            assert arn.startswith("arn:aws:organizations::*:account/o-*/"), arn
            ids.add(arn.rsplit("/", 1)[1])
assert tags == {("AccountType", "Critical"), ("sandboxctl:protect", "true"), ("Env", "prod")}, tags
assert ids == {"123456789012", "210987654321"}, ids
PY

# Options may follow the policy name; the output is JSON either way.
sbx -c "$T/a.cfg" policy operator --json >"$T/operator.json"
python3 - "$T/operator.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
allowed = {}
for st in p["Statement"]:
    assert st["Effect"] == "Allow", st
    acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
    for a in acts:
        allowed[a] = st["Resource"]
orgs = {a for a in allowed if a.startswith("organizations:")}
want = {"organizations:" + n for n in (
    "CreateAccount DescribeCreateAccountStatus ListCreateAccountStatus CloseAccount "
    "DescribeAccount ListAccounts ListAccountsForParent ListRoots "
    "ListOrganizationalUnitsForParent CreateOrganizationalUnit MoveAccount ListParents "
    "TagResource UntagResource ListTagsForResource DescribeOrganization "
    "CreatePolicy AttachPolicy DetachPolicy ListPolicies ListPoliciesForTarget "
    "EnablePolicyType").split()}
assert orgs == want, (orgs ^ want)
assert set(allowed) == want | {"sts:AssumeRole", "sts:GetCallerIdentity"}, set(allowed)
assert allowed["sts:AssumeRole"] == "arn:aws:iam::*:role/SandboxAccess", allowed["sts:AssumeRole"]
PY

# Nothing to protect: a config error, and no half-policy on stdout.
printf 'store = "store.db";\norganization = { protected_tags = [ ]; };\n' >"$T/b.cfg"
set +e
out=$(sbx -c "$T/b.cfg" policy protect 2>"$T/err")
st=$?
set -e
assert_eq "$st" 3 "exit status"
assert_eq "$out" ""
assert_contains "$(cat "$T/err")" "nothing to protect"
assert_exit 2 sbx -c "$T/a.cfg" policy
assert_exit 2 sbx -c "$T/a.cfg" policy everything

# With the access group: the sso: and identitystore: actions the client sends, the user writes
# only with access.create_users.
for create in false true; do
    printf 'store = "store.db";\naws = { region = "eu-west-1"; };\naccess = { create_users = %s; };\n' \
        "$create" >"$T/c.cfg"
    sbx -c "$T/c.cfg" policy operator >"$T/operator-access.json"
    python3 - "$T/operator-access.json" "$create" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
(st,) = [s for s in p["Statement"] if s["Sid"] == "SandboxctlIdentityCenter"]
assert st["Effect"] == "Allow" and st["Resource"] == "*", st
want = {"sso:" + n for n in (
    "ListInstances ListPermissionSets DescribePermissionSet CreateAccountAssignment "
    "DescribeAccountAssignmentCreationStatus DeleteAccountAssignment "
    "DescribeAccountAssignmentDeletionStatus ListAccountAssignments").split()}
want |= {"identitystore:GetUserId", "identitystore:DescribeUser", "identitystore:GetGroupId"}
if sys.argv[2] == "true":
    want |= {"identitystore:CreateUser", "identitystore:CreateGroupMembership"}
assert set(st["Action"]) == want, set(st["Action"]) ^ want
PY
done

# With budget.aws_budget: exactly the two Budgets actions its calls need, on sandboxctl's budgets.
printf 'store = "store.db";\naws = { region = "eu-west-1"; };\nbudget = { aws_budget = true; };\n' >"$T/d.cfg"
sbx -c "$T/d.cfg" policy operator >"$T/operator-budgets.json"
python3 - "$T/operator-budgets.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
(st,) = [s for s in p["Statement"] if s["Sid"] == "SandboxctlBudgets"]
assert st["Effect"] == "Allow", st
assert set(st["Action"]) == {"budgets:ModifyBudget", "budgets:ViewBudget"}, st
assert st["Resource"] == "arn:aws:budgets::*:budget/sandboxctl-*", st
PY
