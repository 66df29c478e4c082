#!/bin/bash
# t0321-hook-tree-safety.sh -- a hooks tree another local user can change is refused: with
# hooks.dir world-writable, another user swaps pre-close.d for a symlink to a root-owned
# directory; its programs must not run. Then, with the tree safe again, a hook that prints far
# more than hooks.output_limit leaves a bounded log with its head, its tail and a note.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
write_config 'hooks = {
    dir = "'"$T"'/hooks";
    timeout = "1m";
    parallel = 4;
    max_attempts = 3;
    retry_backoff = "10m";
    output_limit = 8192;
};'
sbx init >/dev/null
state() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }
last_error() { json_get "$(sbx show "$1" --json)" 'd["last_error"]'; }

# A root-owned directory whose program records that it ran.
mkdir -p "$T/system/pre-close.d"
printf '#!/bin/sh\ntouch "%s/ran-as-us"\n' "$T" >"$T/system/pre-close.d/10-planted"
chmod 755 "$T/system/pre-close.d/10-planted"

mkdir -p "$T/hooks"
chmod 777 "$T/hooks"
ln -s "$T/system/pre-close.d" "$T/hooks/pre-close.d"

id=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner bob@corp.example --json)" 'd["account_id"]')
sbx close "$id" --yes >/dev/null 2>&1 || true
[ ! -e "$T/ran-as-us" ] || fail "a hook ran from a world-writable hooks.dir"
assert_eq "$(state "$id")" expiring
assert_contains "$(last_error "$id")" "'$T/hooks': writable by group or others (mode 0777)"

chmod 755 "$T/hooks"
if [ "$(id -u)" = 0 ]; then
    # The link belongs to another user: not followed although its target is root's.
    chown -h 12345:12345 "$T/hooks/pre-close.d"
    sim_admin POST advance '{"seconds": 610}' >/dev/null
    sbx run >/dev/null 2>&1 || true
    [ ! -e "$T/ran-as-us" ] || fail "a hook ran through another user's symlink"
    assert_contains "$(last_error "$id")" "owned by uid 12345"
    chown -h 0:0 "$T/hooks/pre-close.d"
fi

# The tree is safe: the hook runs. It prints 200,000 bytes between two markers.
rm "$T/hooks/pre-close.d"
mkdir -m 755 "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/50-loud" <<HOOK
#!/bin/sh
touch "$T/ran-as-us"
echo FIRST-MARKER
head -c 200000 /dev/zero | tr '\0' x
echo
echo LAST-MARKER
HOOK
chmod 755 "$T/hooks/pre-close.d/50-loud"
sim_admin POST advance '{"seconds": 1300}' >/dev/null
sbx run >/dev/null
[ -e "$T/ran-as-us" ] || fail "the hook did not run from a safe tree"
show=$(sbx show "$id" --json)
log=$(json_get "$show" 'd["hook_runs"][0]["log"]')
assert_eq "$(json_get "$show" 'd["hook_runs"][0]["status"]')" ok
size=$(wc -c <"$log" | tr -d ' ')
[ "$size" -lt 10000 ] || fail "hook log is $size bytes, over hooks.output_limit"
# 13 + 200,000 + 1 + 12 bytes written, 8192 kept.
for want in FIRST-MARKER LAST-MARKER \
    "[output truncated: 191834 bytes of 200026 left out (hooks.output_limit 8192)]"; do
    grep -qF -- "$want" "$log" || fail "hook log $log lacks '$want'"
done
echo ok
