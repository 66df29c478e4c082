#!/bin/bash
# t0104-init-ou-lost-answer.sh -- CreateOrganizationalUnit is not retried when it may have
# taken effect (a dropped answer, a 5xx). `init` then lists the OUs again and carries on with
# the one that was created: no failure, no duplicate OU. An error that persists still fails,
# naming the OU, after one more look.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start
write_config

# Every CreateOrganizationalUnit takes effect, but its answer never arrives.
sim_admin POST faults '{"drop_rate": 1, "ops": ["CreateOrganizationalUnit"]}' >/dev/null
out=$(sbx init --json)
echo "$out"
assert_eq "$(json_get "$out" 'len(d["ous"])')" 3
state=$(sim_admin GET state)
assert_eq "$(json_get "$state" 'sorted(o["Name"] for o in d["ous"])')" \
    '["Demos", "Developers", "Sandboxes", "Training"]' "one OU per name"
sim_admin POST faults '{"drop_rate": 0}' >/dev/null

# A later run finds them all in place.
out=$(sbx init --json)
assert_eq "$(json_get "$out" 'd["ous_created"]')" 0

# A persistent server error is still an error, and says which OU.
cfg=$(cat "$SANDBOXCTL_CONFIG")
printf '%s\n' "$cfg" | sed 's#Sandboxes/Demos#Sandboxes/Showcase#' >"$SANDBOXCTL_CONFIG"
sim_admin POST faults '{"error_rate": 1, "ops": ["CreateOrganizationalUnit"]}' >/dev/null
set +e
sbx init 2>"$T/err"
rc=$?
set -e
cat "$T/err"
assert_eq "$rc" 5 "init with CreateOrganizationalUnit failing"
assert_contains "$(cat "$T/err")" "cannot find or create OU 'Sandboxes/Showcase': ServiceException"
