#!/bin/sh
# quickstart.sh -- the main job, end to end, on the built-in simulator.
#
# Installs what is missing, builds a release binary, starts `sandboxctl sim` on 127.0.0.1 with
# time running 100x faster, then: provisions a developer sandbox, a demo account and a
# five-seat training class, each owner given access through IAM Identity Center (the portal's
# link to each account printed); off-boards the developer; lets the demo and the class expire; runs
# the pre-close hooks; closes every account within AWS's close limits; prints the final table,
# the close quota and the audit trail (verifying its hash chain); and stops the simulator.
# Nothing leaves 127.0.0.1. Files are kept in ./quickstart/ for a look afterwards.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

sh contrib/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
bin=$top/build/release/sandboxctl
work=$top/quickstart
sim_pid=""

stop_sim() {
    if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
        kill -TERM "$sim_pid"
        wait "$sim_pid" || true
    fi
    sim_pid=""
}
trap stop_sim EXIT INT TERM

step() {
    printf '\n==> %s\n' "$*"
}

sbx() {
    echo "\$ sandboxctl $*"
    "$bin" -c "$work/sandboxctl.cfg" "$@"
}

# Open accounts: everything not yet closed at AWS (or failed before it existed).
open_count() {
    "$bin" -c "$work/sandboxctl.cfg" list --all --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for a in d["accounts"] if a["state"] not in ("suspended", "gone", "failed")))'
}

rm -rf "$work"
mkdir -p "$work"
chmod go-w "$work" # the store refuses a directory others can write
cp -R hooks "$work/hooks"
chmod -R go-w "$work/hooks"

step "starting the simulator (time runs 100x faster: a 60 s creation takes 0.6 s)"
"$bin" sim --listen 127.0.0.1:0 --state "$work/sim.db" --time-scale 100 --account-limit 100 \
    >"$work/sim.out" 2>"$work/sim.log" &
sim_pid=$!
tries=0
while [ "$(grep -c '^export ' "$work/sim.out" || true)" -lt 4 ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ] || ! kill -0 "$sim_pid" 2>/dev/null; then
        cat "$work/sim.log" >&2
        echo "quickstart: the simulator did not start" >&2
        exit 1
    fi
    sleep 0.1
done
url=$(head -n 1 "$work/sim.out")
eval "$(grep '^export ' "$work/sim.out")"
echo "simulator at $url"

cat >"$work/sandboxctl.cfg" <<EOF
# Written by contrib/quickstart.sh for the local simulator.
store = "store.db";
aws = {
    endpoint = "$url";
    region = "us-east-1";
    max_attempts = 8;
    follow_sim_clock = true;
};
organization = {
    email_template = "sandbox+{kind}-{owner}-{seq}@example.com";
    name_template = "sbx-{kind}-{owner}-{seq}";
    protected_tags = [ "AccountType=Critical" ];
};
limits = {
    account_limit = 100;
};
hooks = {
    dir = "hooks";
    timeout = "5m";
};
# Owners sign in through IAM Identity Center; the simulator's directory is its own, so the
# owners' users are created on the way.
access = {
    create_users = true;
};
EOF

step "init: create the store, discover the organization, create the kinds' OUs"
sbx init

step "a developer sandbox, a demo account for a talk, and a five-seat training class"
sbx create --kind developer --owner dev1@example.com
sbx create --kind demo --owner presenter@example.com --ttl 8h
sbx class create k8s-101 --owner instructor@example.com --seats 5 --ttl 3d
sbx list

step "owners sign in through the IAM Identity Center access portal: each seat's direct link"
sbx class roster k8s-101

step "dev1 leaves the company: off-board everything they own"
sbx offboard dev1@example.com --yes

step "three days pass: the demo and the class expire"
curl -fsS -X POST -d '{"seconds": 262800}' "$url/__sim/advance" >/dev/null
rounds=0
while [ "$(open_count)" -gt 0 ]; do
    rounds=$((rounds + 1))
    if [ "$rounds" -gt 120 ]; then
        echo "quickstart: accounts still open after 120 passes" >&2
        exit 1
    fi
    sbx run
    sleep 0.5
done

step "every account is closed"
sbx list --all
sbx quota

step "the audit trail"
sbx log
sbx log --verify

stop_sim
trap - EXIT INT TERM
printf '\nDone. Files are in %s; try: %s -c %s/sandboxctl.cfg show <account>\n' \
    "$work" "$bin" "$work"
