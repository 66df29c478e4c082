#!/usr/bin/env bash
# t0261-options-after-operands.sh -- every command takes its options after its operands, as
# its usage shows (`close ACCOUNT... [--yes] [--dry-run]`), also after global options that
# main() parsed first: main() hands the command a getopt that starts afresh (GNU argument
# permutation), not the "+" (stop at the first operand) mode main() itself used.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

# A paused clock: it moves a minute each time the simulator has answered a CreateAccount
# (sbx_advancing), and otherwise not at all.
sim_start_paused --no-throttle --create-latency 1s
write_config
sbx init >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner alice@example.com --json >/dev/null

# Options after the operand, with and without global options before the command.
out=$(sbx close 1 --yes --dry-run)
assert_contains "$out" "dry run"
out=$(sbx -v close 1 --yes --dry-run --json 2>/dev/null)
assert_eq "$(json_get "$out" 'd["dry_run"]')" true "close --json after the operand"
assert_eq "$(json_get "$(sbx show 1 --json)" 'd["state"]')" active "close --dry-run closed it"
out=$(sbx -c "$SANDBOXCTL_CONFIG" show 1 --json)
assert_eq "$(json_get "$out" 'd["state"]')" active "show ACCOUNT --json"
out=$(sbx extend 1 --by 1h --dry-run --json)
assert_eq "$(json_get "$out" 'd["dry_run"]')" true "extend ACCOUNT --by --dry-run"
out=$(sbx log 1 --limit 1 --json)
assert_eq "$(json_get "$out" 'len(d["events"])')" 1 "log ACCOUNT --limit"
# Options before the operand still work, and "--" still ends them.
assert_contains "$(sbx close --dry-run --yes 1)" "dry run"
assert_exit 7 sbx close --yes -- --dry-run 2>/dev/null
echo ok
