#!/bin/bash
# t0282-store-full-disk.sh -- a store on a full file system says "no space left on device"
# (not SQLite's "disk I/O error") and exits 4. Needs a small tmpfs: as root the test mounts
# one; without the right to mount it skips, saying so (the mapping itself is unit-tested:
# unit.store.error_text_names_a_full_disk).
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

mkdir -m 700 "$T/small"
if ! mount -t tmpfs -o size=512k,mode=0700 sbx-test "$T/small" 2>"$T/mount.err"; then
    echo "skip: cannot mount a tmpfs to fill ($(cat "$T/mount.err")); full-disk case not run"
    exit 0
fi
trap 'st=$?; umount "$T/small" 2>/dev/null; set +e; (exit "$st"); _sbx_on_exit' EXIT

sim_start_paused --no-throttle --create-latency 10s
write_config "store = \"$T/small/store.db\";"
sbx init >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner a@corp.example --ttl 2h >/dev/null
# Fill what is left.
dd if=/dev/zero of="$T/small/filler" bs=4k 2>/dev/null || true
set +e
out=$(sbx_advancing CreateAccount 60 create --kind demo --owner b@corp.example --ttl 2h 2>&1)
st=$?
set -e
[ "$st" -eq 4 ] || fail "create on a full disk exited $st, want 4: $out"
assert_contains "$out" "no space left on device"
assert_contains "$out" "$T/small/store.db"
case "$out" in *"disk I/O error"*) fail "SQLite's wording leaked: $out" ;; esac
# Room again: the store is intact and works.
rm -f "$T/small/filler"
sbx log --verify >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner b@corp.example --ttl 2h >/dev/null
echo ok
