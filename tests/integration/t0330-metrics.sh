#!/bin/bash
# t0330 -- `sandboxctl metrics`: the Prometheus text exposition format, checked by a small
# strict parser (HELP and TYPE before a family's samples, one family block each, valid names,
# label syntax and escapes, float values, no duplicate series); the numbers follow the store:
# accounts by state and kind, creations in flight, a quarantined account, hook failures by
# event, the close quota and queue, the time of the last successful run; --output replaces
# the file atomically, and a failed write leaves the old file.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

cat >"$T/promparse.py" <<'PY'
"""Strict parser for the Prometheus text exposition format 0.0.4 (what `metrics` prints):
prints {"name{labels}": value} as JSON, or exits 1 naming the first offending line."""
import json, math, re, sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}

def die(n, line, why):
    sys.exit("line %d: %s: %r" % (n, why, line))

def parse_value(n, line, v):
    if v in ("+Inf", "-Inf", "NaN"):
        return float(v.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", v):
        die(n, line, "bad value")
    return float(v)

def parse_labels(n, line, s):
    """s starts after '{'; returns (labels, rest after '}')."""
    labels, i = {}, 0
    while True:
        if s[i:i + 1] == "}":
            return labels, s[i + 1:]
        m = re.match(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"", s[i:])
        if not m:
            die(n, line, "bad label")
        key, i = m.group(1), i + m.end()
        val = []
        while True:
            if i >= len(s):
                die(n, line, "unterminated label value")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", "\"", "n"):
                    die(n, line, "bad escape")
                val.append({"\\": "\\", "\"": "\"", "n": "\n"}[nxt])
                i += 2
            elif c == "\"":
                i += 1
                break
            else:
                val.append(c)
                i += 1
        if key in labels:
            die(n, line, "duplicate label")
        labels[key] = "".join(val)
        if s[i:i + 1] == ",":
            i += 1
        elif s[i:i + 1] != "}":
            die(n, line, "expected , or }")

text = sys.stdin.read()
if not text.endswith("\n"):
    sys.exit("output does not end with a newline")
helps, types, seen_families, current = {}, {}, [], None
series = {}
for n, line in enumerate(text.split("\n")[:-1], 1):
    if line == "":
        die(n, line, "empty line")
    if line.startswith("#"):
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
            name = parts[2]
            if not NAME.match(name):
                die(n, line, "bad metric name")
            if parts[1] == "HELP":
                if name in helps:
                    die(n, line, "second HELP")
                helps[name] = parts[3] if len(parts) > 3 else ""
            else:
                if name in types:
                    die(n, line, "second TYPE")
                if len(parts) != 4 or parts[3] not in TYPES:
                    die(n, line, "bad TYPE")
                if any(k == name for k, _ in series):
                    die(n, line, "TYPE after samples")
                types[name] = parts[3]
            if name != current:
                if name in seen_families:
                    die(n, line, "family split in two blocks")
                seen_families.append(name)
                current = name
        continue
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?", line)
    if not m:
        die(n, line, "bad sample")
    name, rest = m.group(1), line[m.end():]
    labels = {}
    if m.group(2):
        labels, rest = parse_labels(n, line, rest)
    parts = rest.split(" ")
    if len(parts) not in (2, 3) or parts[0] != "":
        die(n, line, "expected one space, a value and an optional timestamp")
    value = parse_value(n, line, parts[1])
    if len(parts) == 3 and not re.fullmatch(r"-?\d+", parts[2]):
        die(n, line, "bad timestamp")
    if name != current:
        die(n, line, "sample outside its family's block (or no HELP/TYPE first)")
    if name not in types or name not in helps:
        die(n, line, "sample without HELP and TYPE")
    if types[name] == "counter" and (value < 0 or math.isnan(value)):
        die(n, line, "negative counter")
    key = (name, tuple(sorted(labels.items())))
    if key in series:
        die(n, line, "duplicate series")
    series[key] = value
out = {}
for (name, labels), v in series.items():
    out[name + "{" + ",".join('%s="%s"' % kv for kv in labels) + "}"] = v
json.dump(out, sys.stdout, sort_keys=True)
PY
parse() { python3 "$T/promparse.py"; }
# The parser refuses what it must (negative controls).
bad() { if printf "$1" | parse >/dev/null 2>&1; then fail "parser accepted: $1"; fi; }
bad 'x 1\n'
bad '# HELP x h\n# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'
bad '# HELP x h\n# TYPE x gauge\nx{a="\\q"} 1\n'
bad '# HELP x h\n# TYPE x gauge\nx one\n'
bad '# HELP x h\n# TYPE x gauge\nx 1'
bad '# HELP x h\n# TYPE x gauge\nx 1\n# HELP y h\n# TYPE y gauge\ny 1\nx 2\n'
bad '# HELP x h\n# TYPE x counter\nx -1\n'
printf '# HELP x h\n# TYPE x gauge\nx{a="q\\"\\\\n"} 1.5e3\n' | parse >/dev/null || fail "parser refused a valid document"

sim_start_paused --no-throttle --create-latency 10s --close-latency 1m
write_config 'hooks = {
    dir = "'"$T"'/hooks";
    log_dir = "'"$T"'/hook-logs";
    max_attempts = 1;
};'
sbx init >/dev/null
mkdir -p "$T/hooks/pre-close.d"
printf '#!/bin/sh\n[ -e "%s/fail-$SANDBOX_ACCOUNT_ID" ] && exit 3\nexit 0\n' "$T" >"$T/hooks/pre-close.d/50-nuke"
chmod 755 "$T/hooks/pre-close.d/50-nuke"

metric() { json_get "$1" "d['$2']"; }

# An empty store: every state of every kind is 0; never a successful run.
out=$(sbx metrics) || fail "metrics failed"
m=$(printf '%s\n' "$out" | parse) || fail "not valid exposition format: $out"
assert_eq "$(metric "$m" 'sandboxctl_accounts{kind="developer",state="active"}')" 0.0
assert_eq "$(metric "$m" 'sandboxctl_accounts{kind="demo",state="nuke_failed"}')" 0.0
assert_eq "$(metric "$m" 'sandboxctl_last_successful_run_timestamp_seconds{}')" 0.0
assert_eq "$(metric "$m" 'sandboxctl_hook_failures_total{event="pre-close"}')" 0.0
assert_contains "$out" "# TYPE sandboxctl_hook_failures_total counter"

# Two demo accounts and a developer one; one demo account's nuke fails: quarantined.
a1=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner a@corp.example --json)" 'd["account_id"]')
a2=$(json_get "$(sbx_advancing CreateAccount 60 create --kind demo --owner b@corp.example --json)" 'd["account_id"]')
sbx_advancing CreateAccount 60 create --kind developer --owner c@corp.example --json >/dev/null
m=$(sbx metrics | parse) || fail "not valid exposition format"
assert_eq "$(metric "$m" 'sandboxctl_accounts{kind="demo",state="active"}')" 2.0
assert_eq "$(metric "$m" 'sandboxctl_accounts{kind="developer",state="active"}')" 1.0
assert_eq "$(metric "$m" 'sandboxctl_creations_in_flight{}')" 0.0
touch "$T/fail-$a1"
sbx close "$a1" "$a2" --yes >/dev/null 2>&1 || true
sbx run >/dev/null 2>&1 || true
sim_admin POST advance '{"seconds": 120}' >/dev/null
sbx run >/dev/null 2>&1 || true
assert_eq "$(json_get "$(sbx show "$a1" --json)" 'd["state"]')" nuke_failed
m=$(sbx metrics | parse) || fail "not valid exposition format"
assert_eq "$(metric "$m" 'sandboxctl_quarantined_accounts{}')" 1.0
assert_eq "$(metric "$m" 'sandboxctl_accounts{kind="demo",state="nuke_failed"}')" 1.0
assert_eq "$(metric "$m" 'sandboxctl_hook_failures_total{event="pre-close"}')" 1.0
assert_eq "$(metric "$m" 'sandboxctl_hook_failures_total{event="post-create"}')" 0.0
q=$(sbx quota --json)
assert_eq "$(metric "$m" 'sandboxctl_close_quota_used{}')" "$(json_get "$q" 'float(d["used"])')"
assert_eq "$(metric "$m" 'sandboxctl_close_quota_free{}')" "$(json_get "$q" 'float(d["free"])')"
assert_eq "$(metric "$m" 'sandboxctl_close_queue_length{}')" "$(json_get "$q" 'float(d["queued"])')"
assert_eq "$(metric "$m" 'sandboxctl_close_quota{}')" "$(json_get "$q" 'float(d["quota"])')"

# A run pass without errors records its time (the simulator's clock).
sbx retry "$a1" >/dev/null 2>&1 || true
rm -f "$T/fail-$a1"
sbx run >/dev/null
m=$(sbx metrics | parse) || fail "not valid exposition format"
last=$(metric "$m" 'sandboxctl_last_successful_run_timestamp_seconds{}')
python3 -c 'import sys; t = float(sys.argv[1]); assert t > 1.0e9, t' "$last" || fail "no successful run time: $last"
# An account being created counts as a creation in flight.
sbx create --kind developer --owner d@corp.example --no-wait --json >/dev/null 2>&1 ||
    sbx_advancing CreateAccount 60 create --kind developer --owner d@corp.example --json >/dev/null
m=$(sbx metrics | parse) || fail "not valid exposition format"
inflight=$(metric "$m" 'sandboxctl_creations_in_flight{}')
creating=$(json_get "$m" 'sum(v for k, v in d.items() if k.startswith("sandboxctl_accounts{") and ("state=\"creating\"" in k or "state=\"requested\"" in k))')
assert_eq "$inflight" "$creating"

# --output: atomically replaced, readable by others, nothing left behind; a failed write
# (directory gone) keeps nothing half-written.
mkdir "$T/textfile"
echo old >"$T/textfile/sandboxctl.prom"
sbx metrics --output "$T/textfile/sandboxctl.prom"
parse <"$T/textfile/sandboxctl.prom" >/dev/null || fail "--output is not valid"
assert_eq "$(stat -c %a "$T/textfile/sandboxctl.prom")" 644
assert_eq "$(ls "$T/textfile")" sandboxctl.prom
assert_exit 1 sbx metrics --output "$T/nonexistent/sandboxctl.prom"
assert_exit 2 sbx metrics --output
assert_exit 2 sbx metrics extra
