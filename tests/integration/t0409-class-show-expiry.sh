#!/bin/bash
# t0409-class-show-expiry.sh -- the expiry `class show` and `class list` give is the seats'
# (each seat's account expires ttl after it became active), not the planned time written when
# the class was created; each seat shows its own. The simulator's clock is paused and moves
# 10 s each time `class create` waits for it.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --account-limit 1000
write_config
sbx init >/dev/null
sbx_advancing clock 10 class create exp1 --seats 3 --owner prof@uni.example --ttl 2d >/dev/null 2>&1

accounts=$(sbx list --json)
last=$(json_get "$accounts" 'max(a["expires_at"] for a in d["accounts"] if a["class"] == "exp1")')
first=$(json_get "$accounts" 'min(a["expires_at"] for a in d["accounts"] if a["class"] == "exp1")')
echo "seats expire $first .. $last"

show=$(sbx class show exp1 --json)
assert_eq "$(json_get "$show" 'd["class"]["expires_at"]')" "$last" "class show --json expires_at"
assert_eq "$(json_get "$show" 'max(s["expires_at"] for s in d["seats"])')" "$last"
text=$(sbx class show exp1)
echo "$text"
if [ "$first" = "$last" ]; then
    assert_contains "$text" "expires $last"
else
    assert_contains "$text" "expires $first to $last"
fi
assert_contains "$(sbx class list)" "$last"
echo ok
