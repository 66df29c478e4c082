#!/bin/bash
# t0270-access-missing-users.sh -- with `access` configured every owner needs an IAM Identity
# Center user: `create` for an owner without one fails before CreateAccount (exit 7, naming the
# owner); `class create` checks every roster row first and names all the missing owners
# (`--dry-run` too) and creates nothing; with access.create_users the missing users are
# created in Identity Center's own directory (and join access.user_groups), while an external
# identity source refuses and nothing is created.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 60s --assign-latency 0
write_config 'access = {
    permission_set = "AdministratorAccess";
};'
sbx init >/dev/null
calls() { json_get "$(sim_admin GET state)" "d['calls'].get('$1', 0)"; }
users() { json_get "$(sim_admin GET idc)" '" ".join(sorted(u["UserName"] for u in d["users"]))'; }
sim_admin POST idc/users '{"UserName": "ann", "Email": "ann@corp.example"}' >/dev/null
# try CMD...: runs CMD, keeping its output (stdout and stderr) in $out and its status in $st.
try() {
    set +e
    out=$("$@" 2>&1)
    st=$?
    set -e
}

# create: refused before anything is recorded or sent.
try sbx create --kind demo --owner Bob@Corp.Example --no-wait
assert_eq "$st" 7 "create for an owner without a user"
assert_contains "$out" "1 owner has no IAM Identity Center user"
assert_contains "$out" "bob@corp.example"
assert_eq "$(calls CreateAccount)" 0 "no CreateAccount for a missing user"
assert_eq "$(json_get "$(sbx list --all --json)" 'd["count"]')" 0 "nothing recorded"

# class create: every roster row checked first, all the missing named, nothing created.
printf 'email,name\nann@corp.example,Ann\nbob@corp.example,Bob\ncat@corp.example,Cat\n' >"$T/roster.csv"
for dry in --dry-run ""; do
    # shellcheck disable=SC2086
    try sbx class create k8s --owner teacher@corp.example --roster "$T/roster.csv" $dry
    assert_eq "$st" 7 "class create $dry with missing users"
    assert_contains "$out" "2 owners have no IAM Identity Center user"
    assert_contains "$out" "bob@corp.example, cat@corp.example"
done
assert_eq "$(calls CreateAccount)" 0 "no CreateAccount for a class with missing users"
assert_exit 7 sbx class show k8s

# An owner with a user: created as before.
sbx create --kind demo --owner ann@corp.example --no-wait >/dev/null
assert_eq "$(calls CreateAccount)" 1

# access.create_users: the missing users are created and join the configured group.
sim_admin POST idc/groups '{"DisplayName": "students"}' >/dev/null
write_config 'access = {
    permission_set = "AdministratorAccess";
    create_users = true;
    user_groups = "students";
};'
out=$(sbx class create k8s --owner teacher@corp.example --roster "$T/roster.csv" --dry-run 2>&1)
assert_contains "$out" "would create"
assert_contains "$out" "bob@corp.example"
assert_eq "$(users)" "ann" "a dry run creates no user"
sbx create --kind demo --owner bob@corp.example --no-wait >/dev/null
assert_eq "$(users)" "ann bob@corp.example"
assert_eq "$(json_get "$(sim_admin GET idc)" 'len(d["memberships"])')" 1
assert_eq "$(calls CreateAccount)" 2
assert_contains "$(sbx log --json)" "user_created"

# An external identity source refuses user writes: said so, nothing created.
sim_admin POST idc '{"identity_source": "external"}' >/dev/null
try sbx create --kind demo --owner dan@corp.example --no-wait
assert_eq "$st" 3 "create_users with an external identity source"
assert_contains "$out" "users can be created only in IAM Identity Center's own directory"
assert_eq "$(users)" "ann bob@corp.example"
assert_eq "$(calls CreateAccount)" 2 "no CreateAccount after the refusal"

# doctor: the instance, the permission sets and each read call, one line per call; an IAM deny
# on one of them fails that line alone (exit 5).
sim_admin POST idc '{"identity_source": "internal"}' >/dev/null
out=$(sbx doctor --json)
assert_eq "$(json_get "$out" '[c["status"] for c in d["checks"] if c["check"] == "access instance"][0]')" ok
assert_eq "$(json_get "$out" '[c["status"] for c in d["checks"] if c["check"] == "identitystore:GetUserId"][0]')" ok
sim_admin POST faults '{"deny_ops": ["GetGroupId"]}' >/dev/null
set +e
out=$(sbx doctor --json 2>/dev/null)
st=$?
set -e
assert_eq "$st" 5 "doctor with a denied Identity Store call"
assert_eq "$(json_get "$out" '[c["check"] for c in d["checks"] if c["status"] == "fail"]')" '["identitystore:GetGroupId"]'
assert_contains "$(json_get "$out" '[c["detail"] for c in d["checks"] if c["status"] == "fail"][0]')" "denied"
