#!/usr/bin/env bash
# t0262-store-commands-sim-clock.sh -- commands that read only the store (show, quota, list)
# judge time by the simulator's clock when aws.follow_sim_clock is set, like the commands that
# talk to AWS: main() reads the clock for them (CMD_CLOCK) without needing credentials.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start --create-latency 1s --close-latency 1s
write_config
sbx init >/dev/null
sbx create --kind demo --owner alice@example.com --ttl 8h --json >/dev/null
sbx create --kind demo --owner bob@example.com --ttl 8h --json >/dev/null

# expires_in_2h WHAT TEXT -- show's expiry line says "in 2h" (or a few seconds less).
expires_in_2h() {
    case "$2" in
    *"expires  "*"(in 2h)"* | *"expires  "*"(in 1h59m"*) ;;
    *) fail "$1: expiry not relative to the simulator's now: $2" ;;
    esac
}

# Six simulated hours later the accounts expire in about two hours, not eight.
sim_admin POST advance '{"seconds": 21600}' >/dev/null
expires_in_2h "show" "$(sbx show 1)"
out=$(sbx list --expiring-within 3h --json)
assert_eq "$(json_get "$out" 'len(d["accounts"])')" 2 "list --expiring-within in simulated time"

# No credentials are needed to read the clock.
expires_in_2h "show without credentials" \
    "$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$SANDBOXCTL" show 2 2>&1)"

# A closure counts against the quota for 30 days of simulated time.
sbx close 1 --yes >/dev/null
assert_eq "$(json_get "$(sbx quota --json)" 'd["used"]')" 1 "quota right after the closure"
sim_admin POST advance '{"seconds": 2678400}' >/dev/null
assert_eq "$(json_get "$(sbx quota --json)" 'd["used"]')" 0 "quota 31 simulated days later"
echo ok
