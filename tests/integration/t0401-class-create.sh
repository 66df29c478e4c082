#!/bin/bash
# t0401-class-create.sh -- a 60-seat class on the simulator, its clock paused and moved 10 s
# each time `class create` waits for it: every seat becomes active, once; `class show`, `class
# list` and the roster agree with the store and with the simulator; the roster CSV parses with
# python's csv module.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --account-limit 1000
write_config
sbx init >/dev/null

# Not a terminal and no --json: plain progress lines on stderr, the seat table on stdout.
sbx_advancing clock 10 class create k8s-101 --seats 60 --owner prof@uni.example --ttl 2d >"$T/create.out" 2>"$T/create.err"
assert_contains "$(cat "$T/create.err")" "60/60 done" "final progress line"
assert_eq "$(grep -c $'\r' "$T/create.err" || true)" 0 "no terminal redraws when not a tty"
assert_contains "$(cat "$T/create.out")" "class k8s-101 (training): ready, 60 seats"

show=$(sbx class show k8s-101 --json)
assert_eq "$(json_get "$show" 'd["class"]["state"]')" ready
assert_eq "$(json_get "$show" 'len(d["seats"])')" 60
assert_eq "$(json_get "$show" 'd["class"]["counts"]["active"]')" 60
assert_eq "$(json_get "$show" 'sorted(set(s["owner"] for s in d["seats"]))')" '["prof@uni.example"]'
assert_eq "$(json_get "$show" '[s["label"] for s in d["seats"]][:3]')" '["01", "02", "03"]'
assert_eq "$(json_get "$show" 'float(d["class"]["floor_seconds"])')" 740.0

# The simulator saw exactly one successful creation per seat, nothing else.
state=$(sim_admin GET state)
python3 - "$state" "$show" <<'PY'
import json, sys
sim, show = json.loads(sys.argv[1]), json.loads(sys.argv[2])
reqs = sim["create_requests"]
assert len(reqs) == 60, "CreateAccount requests: %d" % len(reqs)
assert all(r["State"] == "SUCCEEDED" for r in reqs), reqs
emails = [r["Email"] for r in reqs]
assert len(set(emails)) == 60, "duplicate emails"
accts = {a["Id"]: a for a in sim["accounts"]}
for s in show["seats"]:
    a = accts[s["account_id"]]
    assert a["Email"] == s["email"], (a, s)
    tags = {t["Key"]: t["Value"] for t in a["Tags"]}
    assert "k8s-101" in tags.values(), tags
    assert a["ParentId"].startswith("ou-"), "seat %s not moved to its OU" % s["seat"]
PY

# The roster: standard CSV, one row per seat, matching `list --json`.
sbx class roster k8s-101 --format csv >"$T/roster.csv"
list=$(sbx list --class k8s-101 --json)
python3 - "$T/roster.csv" "$list" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 60, len(rows)
assert list(rows[0].keys()) == ["seat", "owner", "display_name", "state", "account_id",
                                "email", "signin_url"], rows[0].keys()
listed = json.loads(sys.argv[2])
accts = listed["accounts"] if isinstance(listed, dict) else listed
by_id = {a["account_id"]: a for a in accts}
assert len(by_id) == 60, len(by_id)
for r in rows:
    a = by_id[r["account_id"]]
    assert a["email"] == r["email"] and a["owner"] == r["owner"], (a, r)
    assert r["state"] == "active"
    assert r["display_name"] == "seat-%02d" % int(r["seat"]), r
    assert r["signin_url"] == ("https://signin.aws.amazon.com/switchrole?roleName="
                               "OrganizationAccountAccessRole&account=%s&displayName=k8s-101-%02d"
                               % (r["account_id"], int(r["seat"]))), r["signin_url"]
PY
rj=$(sbx class roster k8s-101 --format json)
assert_eq "$(json_get "$rj" 'len(d["seats"])')" 60
assert_eq "$(json_get "$rj" 'd["class"]')" k8s-101

lst=$(sbx class list --json)
assert_eq "$(json_get "$lst" '[c["name"] for c in d["classes"]]')" '["k8s-101"]'
assert_contains "$(sbx class list)" "k8s-101"

# A second class of the same name is refused; an unknown class is "not found".
assert_exit 1 sbx class create k8s-101 --seats 1 --owner prof@uni.example
assert_exit 7 sbx class show nope
echo ok
