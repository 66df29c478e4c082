#!/bin/bash
# t0251-bad-input-escaped.sh -- values from input never reach the terminal raw: an owner with
# an escape sequence is named escaped in the error; a long value is shortened but the reason
# after it survives; a hook's output with terminal controls (C0, DEL, C1 in UTF-8, invalid
# UTF-8) is escaped in `show` and `log`, and `show --json` stays valid JSON.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 10s
write_config
sbx init >/dev/null

# has_raw_controls FILE -- true if FILE holds a C0 control other than newline, DEL, a C1
# control in UTF-8 (U+0080..U+009F) or bytes that are not UTF-8.
has_raw_controls() {
    python3 - "$1" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
try:
    t = b.decode("utf-8")
except UnicodeDecodeError:
    sys.exit(0)
sys.exit(0 if re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", t) else 1)
PY
}

# 1. An owner that would retitle the terminal.
set +e
sbx_advancing CreateAccount 60 create --kind demo --owner "$(printf 'a\033]0;pwned\007b@corp.example')" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 2 "create with a control character in the owner"
cat "$T/err"
if has_raw_controls "$T/err"; then
    fail "the error message holds raw control characters"
fi
assert_contains "$(cat "$T/err")" "invalid owner 'a\\x1b]0;pwned\\x07b@corp.example'"

# 2. A long owner: shortened, and the reason after it is kept.
long=$(python3 -c 'print("x" * 3000)')
set +e
sbx_advancing CreateAccount 60 create --kind demo --owner "$long@corp.example" 2>"$T/err"
rc=$?
set -e
assert_eq "$rc" 2 "create with a 3000-character owner"
err=$(cat "$T/err")
assert_contains "$err" "invalid owner 'xxxx"

[ "${#err}" -lt 1200 ] || fail "the message was not shortened (${#err} bytes)"
assert_contains "$err" "...': must be an email address"

# 3. A hook's output with terminal controls, shown by `show` and `log`.
mkdir -p "$T/hooks/post-create.d"
cat >"$T/hooks/post-create.d/10-noisy" <<'SH'
#!/bin/sh
printf 'title \033]0;pwned\007 clear \033[2J del \177 csi \302\233 bad \377 done\n'
SH
chmod 755 "$T/hooks/post-create.d/10-noisy"
sbx_advancing CreateAccount 60 create --kind demo --owner good@corp.example >/dev/null
sbx show 1 >"$T/show" 2>&1
cat "$T/show"
if has_raw_controls "$T/show"; then
    fail "show printed raw control characters"
fi
# (The hook runner already replaces C0 controls in the tail it keeps; the rest is escaped.)
assert_contains "$(cat "$T/show")" 'csi \u009b bad \xff done'
sbx show 1 --json >"$T/show.json"
json_get "$(cat "$T/show.json")" 'd["hook_runs"][0]["event"]' >/dev/null
sbx log >"$T/log" 2>&1
if has_raw_controls "$T/log"; then
    fail "log printed raw control characters"
fi
sbx list >"$T/list" 2>&1
if has_raw_controls "$T/list"; then
    fail "list printed raw control characters"
fi
