#!/bin/sh
# test.sh -- install what is missing, build the sanitizer preset, run every test.
# Usage: contrib/test.sh [PRESET]   (default asan; dev and release work too)
set -eu
cd "$(dirname "$0")/.."
preset=${1:-asan}
sh contrib/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
if command -v clang-format >/dev/null 2>&1; then
    # shellcheck disable=SC2046
    clang-format --dry-run --Werror $(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 2>/dev/null || find src tests -name '*.[ch]')
fi
ctest --preset "$preset"
