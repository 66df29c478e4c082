#!/bin/bash
# t0900 -- the manual pages agree with the program (git's t0450 idea):
#  - for every command in `sandboxctl --help`, each usage line of `sandboxctl help COMMAND`
#    (and the global usage lines) is a line of sandboxctl.1's SYNOPSIS, and the SYNOPSIS has
#    no other lines; compared word for word, whitespace ignored, on the page rendered by
#    mandoc with lines too long to wrap;
#  - every option in those usage texts is described outside the SYNOPSIS, every command has
#    its own subsection under COMMANDS, and every exit status of src/sbx.h is listed;
#  - sandboxctl.cfg.5 documents every key src/cfg.c accepts and every SANDBOX_* variable the
#    hook runner, the engine (src/engine/) and the shipped hooks use;
#  - both pages pass `mandoc -T lint -W warning` and render with `man -l`.
#
# When usage strings change, regenerate the SYNOPSIS mechanically (it is the only generated
# part) and describe any new option or command in the page by hand:
#     man/update-synopsis.sh build/sandboxctl man/sandboxctl.1
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

page1="$SBX_SOURCE_DIR/man/sandboxctl.1"
page5="$SBX_SOURCE_DIR/man/sandboxctl.cfg.5"
command -v mandoc >/dev/null || fail "mandoc is not installed (contrib/install-deps.sh)"

render() {
    mandoc -T ascii -O width=1000 "$1" | col -bx
}
# section NAME < rendered page: the lines of that section, heading excluded
section() {
    awk -v s="$1" '/^[A-Z][A-Z ]*$/ { on = ($0 == s); next } on { print }'
}
norm() {
    tr -d '[:space:]'
}
# Usage text on stdin -> one entry per line ("sandboxctl ..."), continuation lines joined.
entries() {
    sed -e 's/^usage://' | awk '
        /^[[:space:]]*sandboxctl([[:space:]]|$)/ { if (cur != "") print cur; cur = $0; next }
        /^[[:space:]]*$/ { next }
        { cur = cur " " $0 }
        END { if (cur != "") print cur }'
}

render "$page1" >"$T/page1.txt"
section SYNOPSIS <"$T/page1.txt" | grep -v '^[[:space:]]*$' >"$T/synopsis.txt"
section COMMANDS <"$T/page1.txt" >"$T/commands.txt"
grep -v -x -F -f "$T/synopsis.txt" "$T/page1.txt" >"$T/body.txt"

commands=$(sbx --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
[ -n "$commands" ] || fail "no commands in sandboxctl --help"
{
    sbx --help | awk '/^[[:space:]]*$/ { exit } { print }' | entries
    for c in $commands; do
        sbx help "$c" | entries
    done
} >"$T/usage.txt"

# 1. SYNOPSIS == usage texts (as sets of whitespace-free lines).
while IFS= read -r l; do printf '%s\n' "$l" | norm; echo; done <"$T/usage.txt" | sort >"$T/want"
while IFS= read -r l; do printf '%s\n' "$l" | norm; echo; done <"$T/synopsis.txt" | sort >"$T/got"
if ! cmp -s "$T/want" "$T/got"; then
    echo "usage texts (<) and sandboxctl.1 SYNOPSIS (>) differ:" >&2
    diff "$T/want" "$T/got" >&2 || true
    fail "run: man/update-synopsis.sh $SANDBOXCTL man/sandboxctl.1"
fi
for c in $commands; do
    grep -q "^sandboxctl$c" "$T/got" || fail "command '$c' missing from the SYNOPSIS"
done

# 2. Every option is described, every command has a subsection, every exit status is listed.
missing=
for opt in $(grep -oE -- '(^|[^A-Za-z0-9-])--?[A-Za-z0-9][A-Za-z0-9-]*' "$T/usage.txt" |
    sed -E 's/^[^-]+//' | sort -u); do
    grep -q -e "$opt\\b" "$T/body.txt" || missing="$missing $opt"
done
[ -z "$missing" ] || fail "options not described in sandboxctl.1 (outside the SYNOPSIS):$missing"
for c in $commands; do
    grep -qx "   $c" "$T/commands.txt" || fail "no subsection for '$c' under COMMANDS in sandboxctl.1"
done
section "EXIT STATUS" <"$T/page1.txt" >"$T/exit.txt"
codes=$(sed -n 's/^[[:space:]]*SBX_EXIT_[A-Z_]* = \([0-9]*\),.*/\1/p' "$SBX_SOURCE_DIR/src/sbx.h")
[ -n "$codes" ] || fail "no exit statuses found in src/sbx.h"
for n in $codes; do
    grep -qE "^ +$n +[A-Z]" "$T/exit.txt" || fail "exit status $n is not listed under EXIT STATUS"
done

# 3. sandboxctl.cfg.5: every config key and every hook variable.
render "$page5" >"$T/page5.txt"
# (the key table's rows: KEY_TYPE(C, "section", "name", ...); tests/unit/test_cfg_doc.c checks more)
keys=$(grep -oE '\((C|KD), "[a-z]*", "[a-z_]+"' "$SBX_SOURCE_DIR/src/cfg.c" | sed -E 's/.*"([a-z_]+)"$/\1/' | sort -u)
[ -n "$keys" ] || fail "no keys found in src/cfg.c"
missing=
for k in $keys; do
    grep -qw -e "$k" "$T/page5.txt" || missing="$missing $k"
done
[ -z "$missing" ] || fail "config keys not documented in sandboxctl.cfg.5:$missing"
vars=$(cat "$SBX_SOURCE_DIR/src/hook/hook.c" "$SBX_SOURCE_DIR"/src/engine/*.c \
    "$SBX_SOURCE_DIR/hooks/README.md" "$SBX_SOURCE_DIR/hooks/pre-close.d/50-aws-nuke" \
    "$SBX_SOURCE_DIR/hooks/lib/notify" |
    grep -oE 'SANDBOX_[A-Z_]*[A-Z]\b' | sort -u)
missing=
for v in $vars; do
    grep -qw -e "$v" "$T/page5.txt" || missing="$missing $v"
done
[ -z "$missing" ] || fail "hook variables not documented in sandboxctl.cfg.5:$missing"

# 4. Lint and man(1).
for p in "$page1" "$page5"; do
    lint=$(mandoc -T lint -W warning "$p" 2>&1) || fail "mandoc lint: $lint"
    [ -z "$lint" ] || fail "mandoc lint: $lint"
    MANPAGER=cat MANWIDTH=80 man -l "$p" >"$T/man.out" 2>"$T/man.err" || fail "man -l $p: $(cat "$T/man.err")"
    grep -q "SYNOPSIS" "$T/man.out" || fail "man -l $p rendered no SYNOPSIS"
done
