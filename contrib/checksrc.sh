#!/bin/sh
# checksrc.sh -- refuse banned C calls in the project's sources (in the spirit of curl's
# checksrc). Usage: checksrc.sh [SOURCE_DIR]. Exits 1 and lists every hit.
set -eu
top=${1:-$(dirname "$0")/..}
banned='sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|system|popen|strtok|rand'
hits=$(grep -rnE --include='*.c' --include='*.h' "(^|[^A-Za-z0-9_.>])($banned)[[:space:]]*\(" \
    "$top/src" "$top/tests" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*)' || true)
if [ -n "$hits" ]; then
    echo "checksrc: banned calls ($banned):" >&2
    echo "$hits" >&2
    exit 1
fi
echo "checksrc: ok"
