#!/usr/bin/env bash
# t0292-recover-paced.sh -- `recover --apply` tags every restored row, even when there are more
# active accounts than TagResource's burst (6): it waits out the client's pacing on the clock it
# follows, the simulator's, re-reading it while it waits (a paused clock moves only when the
# test advances it).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s
write_config
sbx init >/dev/null
for i in 1 2 3 4 5 6 7 8; do
    sbx_advancing CreateAccount 60 create --kind developer --owner "dev$i@corp.example" >/dev/null
done
rm -f "$T"/store.db*

before=$(sim_calls TagResource)
sbx_advancing TagResource 1 recover --apply --json >"$T/recover.json" 2>"$T/recover.err" ||
    fail "recover --apply failed: $(cat "$T/recover.err")"
assert_eq "$(json_get "$(cat "$T/recover.json")" 'd["summary"]["restore"]')" 8
if grep -q "cannot tag its new row" "$T/recover.err"; then
    fail "a restored row was left untagged: $(cat "$T/recover.err")"
fi
assert_eq "$(($(sim_calls TagResource) - before))" 8 "one TagResource per restored row"

# Every account names its new row.
rows=$(sbx list --all --json)
for n in $(seq 0 7); do
    id=$(json_get "$rows" "d['accounts'][$n]['account_id']")
    row=$(json_get "$rows" "d['accounts'][$n]['id']")
    assert_eq "$(json_get "$(sbx show "$id" --json)" 'd["tags"]["sandboxctl:row"]')" "$row" "$id's row tag"
done
assert_contains "$(sbx doctor)" "ok    accounts"
echo ok
