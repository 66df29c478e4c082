#!/bin/bash
# t0407-class-progress.sh -- progress output of `class create`: a redrawn status line on a
# terminal, plain lines elsewhere (t0401), and nothing but the JSON document with --json. The
# simulator's clock is paused and moves 10 s each time `class create` waits for it.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

sim_start_paused --no-throttle --account-limit 1000
write_config
sbx init >/dev/null

# --json: stdout is exactly one JSON document, stderr is empty.
sbx_advancing clock 10 class create quiet --seats 4 --owner prof@uni.example --json >"$T/out.json" 2>"$T/err.txt"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["class"]["state"] == "ready", d' "$T/out.json"
assert_eq "$(wc -c <"$T/err.txt")" 0 "stderr with --json"

# On a terminal (a pty from script(1)): the line is redrawn in place with a bar and an ETA.
TERM=xterm script -qefc "$SANDBOXCTL class create tty --seats 6 --owner prof@uni.example" /dev/null >"$T/tty.txt" &
advance_while clock 10 $!
python3 - "$T/tty.txt" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read().decode()
assert "\r" in raw and "\x1b[K" in raw, repr(raw[:300])
frames = [f for f in raw.split("\r") if "done" in f]
assert len(frames) >= 2, frames
assert "tty: creating [" in frames[0], frames[0]
assert "eta" in frames[0]
assert "6/6 done" in frames[-1], frames[-1]
# The table follows the finished status line on its own line.
assert "class tty (training): ready, 6 seats" in raw
PY
echo ok
