#!/bin/bash
# t0280-store-guard.sh -- only `init` creates a store: every other command refuses a missing,
# empty or uninitialised store (exit 4, naming the path) and creates nothing; a damaged store
# (one page zeroed) is never written: writing commands refuse it, `log --verify` and `doctor`
# report it; a store in a directory others can write is refused.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s
write_config

# refused CMD... -- the command exits 4, names the store, and leaves no store file behind
# when there was none.
refused() {
    had=no
    [ -e "$T/store.db" ] && had=yes
    set +e
    out=$(sbx "$@" 2>&1)
    st=$?
    set -e
    [ "$st" -eq 4 ] || fail "'$*' on a $what store exited $st, want 4: $out"
    assert_contains "$out" "$T/store.db" "'$*' names the store"
    assert_contains "$out" "$want" "'$*' says why"
    if [ "$had" = no ] && [ -e "$T/store.db" ]; then
        fail "'$*' created the store"
    fi
}

# A missing store: every command but init refuses it.
what=missing want="does not exist"
for cmd in "list" "list --json" "show 1" "quota" "log" "log --verify" "run" "run --once" \
    "create --kind demo --owner a@corp.example" "extend 1 --by 1h" "class list"; do
    # shellcheck disable=SC2086
    refused $cmd
done
[ ! -e "$T/store.db-wal" ] || fail "a refused command left a -wal file"

# An empty file (`: > store.db`) is not a store either.
: >"$T/store.db"
chmod 600 "$T/store.db"
what=empty want="is empty"
for cmd in "list" "log --verify" "run" "create --kind demo --owner a@corp.example"; do
    # shellcheck disable=SC2086
    refused $cmd
done
assert_eq "$(stat -c %s "$T/store.db")" 0 "the empty file stays empty"
rm -f "$T/store.db"

# A store init never finished (schema, no organization recorded) is refused too.
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"); c.execute("PRAGMA user_version = 1"); c.commit()' "$T/store.db"
what=uninitialised want="not initialised"
refused list
refused create --kind demo --owner a@corp.example
rm -f "$T/store.db"

# A file that is not SQLite at all.
printf 'not a database, just text that is long enough to be read as a header....\n' >"$T/store.db"
chmod 600 "$T/store.db"
what=foreign want="$T/store.db"
refused list
rm -f "$T/store.db"

# init creates it; then everything works.
sbx init >/dev/null
sbx list >/dev/null
out=$(sbx_advancing CreateAccount 60 create --kind demo --owner a@corp.example --ttl 2h --json)
assert_eq "$(json_get "$out" 'd["state"]')" active
sbx log --verify >/dev/null

# A damaged store: zero one page (the close ledger's, which `create` never reads, so SQLite
# itself would not notice). Writes must be refused (the check stands before a command's first
# write); the verifiers must say so.
for i in 1 2 3 4 5 6 7 8; do
    sbx create --kind demo --owner "b$i@corp.example" --ttl 2h --no-wait >/dev/null
done
sbx run --once >/dev/null
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()' "$T/store.db"
[ ! -s "$T/store.db-wal" ] || fail "the WAL was not checkpointed"
page=$(python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute("PRAGMA page_size").fetchone()[0])' "$T/store.db")
root=$(python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", ("close_ledger",)).fetchone()[0])' "$T/store.db")
dd if=/dev/zero of="$T/store.db" bs="$page" seek=$((root - 1)) count=1 conv=notrunc 2>/dev/null
before=$(stat -c %Y%s "$T/store.db")
what=damaged want="malformed"
refused create --kind demo --owner c@corp.example --ttl 2h
refused extend 1 --by 1h
# An idle `run` writes nothing and pays no check; one with work (expiries) is refused.
sim_admin POST advance '{"seconds": 10800}' >/dev/null
refused run
refused log --verify
set +e
out=$(sbx doctor 2>&1)
st=$?
set -e
[ "$st" -eq 4 ] || fail "doctor on a damaged store exited $st, want 4: $out"
assert_contains "$out" "malformed" "doctor reports the damage"
assert_contains "$out" "$T/store.db" "doctor names the store"
assert_eq "$(stat -c %Y%s "$T/store.db")" "$before" "nothing was written to the damaged store"
rm -f "$T/store.db" "$T/store.db-wal" "$T/store.db-shm"

# A store in a directory others can write: refused, init included.
mkdir "$T/shared"
chmod 777 "$T/shared"
write_config "store = \"$T/shared/store.db\";"
set +e
out=$(sbx init 2>&1)
st=$?
set -e
[ "$st" -eq 4 ] || fail "init in a world-writable directory exited $st, want 4: $out"
assert_contains "$out" "$T/shared" "the refusal names the directory"
assert_contains "$out" "writable by others" "the refusal says why"
[ ! -e "$T/shared/store.db" ] || fail "init created a store in a world-writable directory"
chmod 770 "$T/shared"
set +e
out=$(sbx init 2>&1)
st=$?
set -e
[ "$st" -eq 4 ] || fail "init in a group-writable directory exited $st, want 4: $out"
assert_contains "$out" "writable by its group" "the refusal says why"
chmod 700 "$T/shared"
sbx init >/dev/null
sbx list >/dev/null
# A planted -wal symlink (the attack the directory check prevents) is refused by name.
chmod 777 "$T/shared"
set +e
out=$(sbx list 2>&1)
st=$?
set -e
[ "$st" -eq 4 ] || fail "list in a world-writable directory exited $st, want 4: $out"
chmod 700 "$T/shared"
rm -f "$T/shared/store.db-wal"
ln -s /nonexistent/elsewhere "$T/shared/store.db-wal"
set +e
out=$(sbx list 2>&1)
st=$?
set -e
[ "$st" -eq 4 ] || fail "list with a symlinked -wal exited $st, want 4: $out"
assert_contains "$out" "store.db-wal" "the refusal names the planted file"
echo "ok"
