#!/bin/sh
# test.sh -- install what is missing, build the sanitizer preset, run every test.
# Usage: contrib/test.sh [PRESET]   (default asan; dev and release work too)
set -eu
cd "$(dirname "$0")/.."
preset=${1:-asan}
sh contrib/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
