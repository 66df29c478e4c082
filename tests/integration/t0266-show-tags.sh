#!/bin/bash
# t0266-show-tags.sh -- `show` prints the account's tags as AWS holds them now, in text and in
# JSON (sandboxctl(1)): sandboxctl's own tags and one someone added at AWS afterwards.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s
write_config
sbx init >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner ana@corp.example >/dev/null
id=$(json_get "$(sbx show 1 --json)" 'd["account_id"]')

sim_call TagResource "{\"ResourceId\": \"$id\", \"Tags\": [{\"Key\": \"team\", \"Value\": \"payments\"}]}" >/dev/null

json=$(sbx show 1 --json)
assert_eq "$(json_get "$json" 'd["tags"]["sandboxctl:owner"]')" "ana@corp.example"
assert_eq "$(json_get "$json" 'd["tags"]["sandboxctl:kind"]')" "demo"
assert_eq "$(json_get "$json" 'd["tags"]["managed-by"]')" "sandboxctl"
assert_eq "$(json_get "$json" 'd["tags"]["team"]')" "payments"

text=$(sbx show 1)
echo "$text"
assert_contains "$text" "sandboxctl:owner=ana@corp.example"
assert_contains "$text" "team=payments"
