#!/bin/sh
# soak.sh -- the whole test suite, ROUNDS times in a row, with `ctest -j4` while two CPU-bound
# busy loops run beside it: on a small machine this makes every test that depends on how fast
# the machine runs fail sooner or later. Stops at the first failing round (exit 1, naming the
# failed tests and keeping ctest's log); prints one line per round.
# Usage: contrib/soak.sh [PRESET [ROUNDS]]   (default: dev 5; asan and asan-clang work too)
set -eu
cd "$(dirname "$0")/.."
preset=${1:-dev}
rounds=${2:-5}
case "$rounds" in
'' | *[!0-9]*)
    echo "soak.sh: ROUNDS must be a positive number, not '$rounds'" >&2
    exit 2
    ;;
esac
[ "$rounds" -gt 0 ] || {
    echo "soak.sh: ROUNDS must be at least 1" >&2
    exit 2
}

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" >/dev/null

loops=""
stop_loops() {
    for p in $loops; do
        kill "$p" 2>/dev/null || true
    done
    for p in $loops; do
        wait "$p" 2>/dev/null || true
    done
    loops=""
}
trap stop_loops EXIT
trap 'stop_loops; exit 130' INT
trap 'stop_loops; exit 143' TERM
for _ in 1 2; do
    sh -c 'while :; do :; done' &
    loops="$loops $!"
done

log=$(mktemp "${TMPDIR:-/tmp}/soak.XXXXXX")
# The tests' temporary directories go to a directory of the soak's own, so nothing else
# cleaning the shared /tmp can pull files from under a running test.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/soak-tmp.XXXXXX")
TMPDIR=$tmp
export TMPDIR
i=1
while [ "$i" -le "$rounds" ]; do
    start=$(date +%s)
    if ctest --preset "$preset" -j4 --output-on-failure >"$log" 2>&1; then
        echo "soak: round $i/$rounds ($preset): passed in $(($(date +%s) - start)) s"
        i=$((i + 1))
        continue
    fi
    echo "soak: round $i/$rounds ($preset): FAILED after $(($(date +%s) - start)) s:"
    sed -n '/The following tests FAILED:/,$p' "$log" | grep -E '^[[:space:]]*[0-9]+ - ' || tail -n 20 "$log"
    echo "soak: ctest's output is in $log; the failed tests' files are under $tmp"
    exit 1
done
rm -f "$log"
rm -rf "$tmp"
echo "soak: $rounds rounds passed ($preset, ctest -j4 beside two busy loops)"
