#!/bin/bash
# t0322 -- the hook result protocol end to end: a pre-close hook writes a JSON document to
# $SANDBOX_RESULT_FILE, the engine stores it with the hook run, and `show` prints it (text and
# --json); a post-create hook's invalid document is left out with a note in its log.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --create-latency 1s --close-latency 1s
mkdir -p "$T/hooks/post-create.d" "$T/hooks/pre-close.d"
cat >"$T/hooks/pre-close.d/60-report" <<'SH'
#!/bin/sh
[ -f "$SANDBOX_RESULT_FILE" ] || exit 7
printf '{"tool": "report", "removed": {"EC2Instance": 2}, "left_total": 0}\n' >"$SANDBOX_RESULT_FILE"
SH
cat >"$T/hooks/post-create.d/60-bad" <<'SH'
#!/bin/sh
printf '{"unterminated": ' >"$SANDBOX_RESULT_FILE"
SH
chmod 755 "$T/hooks"/*/*
write_config "hooks = {
    dir = \"$T/hooks\";
    log_dir = \"$T/hook-logs\";
    timeout = \"1m\";
};"
sbx init >/dev/null
sbx_advancing CreateAccount 60 create --kind demo --owner alice@example.com --ttl 1h --json >"$T/create.json"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account_id"])' "$T/create.json")
case $id in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;; *) fail "no account id: $(cat "$T/create.json")" ;; esac

sbx close "$id" --yes >/dev/null
for _ in 1 2 3 4 5 6; do
    sbx show "$id" --json >"$T/show.json"
    state=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$T/show.json")
    case $state in suspended | gone) break ;; esac
    sim_admin POST /__sim/advance '{"seconds": 600}' >/dev/null
    sbx run >/dev/null 2>&1 || true
done
case $state in suspended | gone) ;; *) fail "account still $state after close" ;; esac

show=$(sbx show "$id")
assert_contains "$show" 'result: {"60-report":{"tool":"report","removed":{"EC2Instance":2},"left_total":0}}'
sbx show "$id" --json >"$T/show.json"
python3 - "$T/show.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
runs = {r["event"]: r for r in d["hook_runs"]}
pre = runs["pre-close"]
assert pre["status"] == "ok", pre
assert pre["result"] == {"60-report": {"tool": "report", "removed": {"EC2Instance": 2}, "left_total": 0}}, pre
post = runs["post-create"]
assert "result" not in post, post
PY
log=$(ls "$T/hook-logs/$id-post-create-"*.log)
assert_contains "$(cat "$log")" "note: result of 60-bad ignored: not a JSON document"
# The result files are gone once the runs are over.
if ls "$T/hook-logs/"*.result >/dev/null 2>&1; then fail "result files left behind"; fi
