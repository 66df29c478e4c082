#!/bin/sh
# static-check.sh -- static analysis of the sources with cppcheck (Debian package cppcheck),
# the ctest entry lint.static. Usage: static-check.sh [SOURCE_DIR]. Exits 1 on any finding.
#
# Checks: every "warning" (undefined behaviour, leaks, null and out-of-bounds uses, wrong format
# strings), "portability" and "performance". A finding that is not a bug is suppressed at its
# line with "// cppcheck-suppress ID" and a reason beside it; the only global suppression is
# below, with its reason.
set -eu
top=${1:-$(dirname "$0")/..}
if ! command -v cppcheck >/dev/null 2>&1; then
    echo "static-check: cppcheck is not installed (contrib/install-deps.sh installs it)" >&2
    exit 1
fi
# varFuncNullUB: cppcheck warns that NULL as the sentinel of a variadic call is undefined when
# NULL is a plain 0. POSIX.1-2008 (the project targets it; since its 2016 edition) defines
# NULL as 0 cast to void *, and glibc does, so the sentinel is a pointer: not a bug here.
exec cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
    --enable=warning,portability,performance \
    --suppress=varFuncNullUB \
    -D_POSIX_C_SOURCE=200809L -DSBX_VERSION=\"0\" -I "$top/src" \
    --template='{file}:{line}: {severity}: {message} [{id}]' \
    "$top/src"
