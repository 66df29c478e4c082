#!/bin/sh
# test.sh -- install what is missing, then build and run every test under ASan + UBSan, with
# gcc (preset asan) and with clang (preset asan-clang). This is what CI runs.
# Usage: contrib/test.sh [PRESET...]   (default: asan asan-clang; dev and release work too)
set -eu
cd "$(dirname "$0")/.."
sh contrib/install-deps.sh
[ $# -gt 0 ] || set -- asan asan-clang
for preset in "$@"; do
    echo "==> preset $preset"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
    ctest --preset "$preset"
done
