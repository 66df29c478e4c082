#!/bin/bash
# t0281-backup.sh -- `sandboxctl backup FILE` while a `run` holds the store (blocked in a
# pre-close hook, its claim held): the copy is one private file that opens, passes
# `log --verify` and holds the account; an existing FILE is replaced only with --force; a
# missing store is refused.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
write_config
sbx init >/dev/null
out=$(sbx_advancing CreateAccount 60 create --kind demo --owner a@corp.example --ttl 1h --json)
acct=$(json_get "$out" 'd["account_id"]')

# A pre-close hook that says it started, then blocks reading a FIFO until the test releases it.
mkdir -p "$T/hooks/pre-close.d"
mkfifo "$T/hook-release"
printf '#!/bin/sh\n: > "%s/hook-started"\nread -r _ < "%s/hook-release"\n' \
    "$T" "$T" >"$T/hooks/pre-close.d/10-block"
chmod 755 "$T/hooks/pre-close.d/10-block"
sim_admin POST advance '{"seconds": 7200}' >/dev/null
sbx run --once >"$T/run.out" 2>&1 &
RUN_PID=$!
release() {
    # read-write: the open never blocks, even when the hook is not (or no longer) reading
    echo go 1<>"$T/hook-release"
    wait "$RUN_PID" 2>/dev/null || true
}
trap 'st=$?; release; set +e; (exit "$st"); _sbx_on_exit' EXIT
hook_started() { [ -e "$T/hook-started" ] || ! kill -0 "$RUN_PID"; }
wait_for "the pre-close hook to start" hook_started
[ -e "$T/hook-started" ] || fail "the pre-close hook did not start: $(cat "$T/run.out")"
kill -0 "$RUN_PID" 2>/dev/null || fail "run ended before the backup"

mkdir -m 700 "$T/backup"
out=$(sbx backup "$T/backup/store.db")
assert_contains "$out" "integrity ok"
assert_eq "$(stat -c %a "$T/backup/store.db")" 600 "the backup is private"
[ ! -e "$T/backup/store.db-wal" ] || fail "the backup is not one self-contained file"
if ls "$T/backup" | grep -q tmp; then
    fail "a temporary file was left behind: $(ls "$T/backup")"
fi
kill -0 "$RUN_PID" 2>/dev/null || fail "run ended during the backup"

# Never over an existing file without --force; --force replaces it (JSON output).
before=$(stat -c %i "$T/backup/store.db")
set +e
out=$(sbx backup "$T/backup/store.db" 2>&1)
st=$?
set -e
[ "$st" -eq 1 ] || fail "backup over an existing file exited $st, want 1: $out"
assert_contains "$out" "exists; --force replaces it"
assert_eq "$(stat -c %i "$T/backup/store.db")" "$before" "the existing file is untouched"
out=$(sbx backup --force --json "$T/backup/store.db")
assert_eq "$(json_get "$out" 'd["integrity"]')" ok
[ "$(json_get "$out" 'd["pages"]')" -gt 1 ] || fail "no pages copied: $out"

release
trap _sbx_on_exit EXIT

# The copy is a store sandboxctl opens: the chain verifies and the account is there.
sed "s|$T/store.db|$T/backup/store.db|" "$T/sandboxctl.cfg" >"$T/backup.cfg"
out=$(sbx -c "$T/backup.cfg" log --verify)
assert_contains "$out" "audit log ok"
out=$(sbx -c "$T/backup.cfg" show "$acct" --json)
assert_eq "$(json_get "$out" 'd["account_id"]')" "$acct"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); r = c.execute("PRAGMA integrity_check").fetchone()[0]; sys.exit(r != "ok")' "$T/backup/store.db"

# Not into a directory others can write (the copy is a store).
mkdir -m 777 "$T/open"
chmod 777 "$T/open"
set +e
out=$(sbx backup "$T/open/store.db" 2>&1)
st=$?
set -e
[ "$st" -eq 4 ] || fail "backup into a world-writable directory exited $st, want 4: $out"
assert_contains "$out" "writable by others"
[ -z "$(ls "$T/open")" ] || fail "backup wrote into a world-writable directory: $(ls "$T/open")"

# Usage and a missing store.
assert_exit 2 sbx backup 2>/dev/null
assert_exit 2 sbx backup a b 2>/dev/null
mkdir -m 700 "$T/nothing"
sed "s|$T/store.db|$T/nothing/store.db|" "$T/sandboxctl.cfg" >"$T/missing.cfg"
set +e
out=$(sbx -c "$T/missing.cfg" backup "$T/backup/other.db" 2>&1)
st=$?
set -e
[ "$st" -eq 4 ] || fail "backup of a missing store exited $st, want 4: $out"
assert_contains "$out" "does not exist"
[ ! -e "$T/backup/other.db" ] || fail "a backup of nothing was written"
echo ok
