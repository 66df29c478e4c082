#!/bin/sh
# run.sh BINARY CORPUS WORKDIR [SECONDS] -- one short fuzzing run, as ctest runs it.
#
# Every input in CORPUS (the committed seeds and regression inputs) runs first; then libFuzzer
# searches for SECONDS (default $SBX_FUZZ_SECONDS, else 2). New inputs and crash artifacts go
# to WORKDIR, never into the source tree. Exit status is libFuzzer's: non-zero on a crash,
# a leak, a sanitizer report or a timeout.
set -eu
bin=$1
corpus=$2
work=$3
secs=${4:-${SBX_FUZZ_SECONDS:-2}}

# libconfig's own leak on some syntax errors (see lsan.supp), appended to the caller's options.
LSAN_OPTIONS="suppressions=$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

rm -rf "$work"
mkdir -p "$work/new" "$work/artifacts"
exec "$bin" -max_total_time="$secs" -timeout=10 \
    -artifact_prefix="$work/artifacts/" "$work/new" "$corpus"
