#!/bin/bash
# t0911-zsh-completion -- the zsh completion completes commands, subcommands and options in a
# real interactive zsh (driven through zsh/zpty). Skipped (passes) when zsh is missing.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

if ! command -v zsh >/dev/null 2>&1; then
    echo "zsh not installed; skipped"
    exit 0
fi
mkdir -p "$T/bin" "$T/fpath"
ln -s "$SANDBOXCTL" "$T/bin/sandboxctl"
cp "$SBX_SOURCE_DIR/contrib/completion/_sandboxctl" "$T/fpath/"

# Each step waits until the terminal shows what it expects (escape sequences and control
# characters stripped), not for a fixed delay: compinit and completion may be slow on a busy
# machine.
cat >"$T/drive.zsh" <<'EOF'
zmodload zsh/zpty
setopt extendedglob
T=$1
all=""
# expect TEXT -- reads the terminal until TEXT has appeared (120 s at most)
expect() {
    local chunk i plain
    for i in {1..1200}; do
        while zpty -r -t z chunk; do all+=$chunk; done
        plain=${all//$'\e'\[[0-9;?]#[a-zA-Z]/}
        [[ ${plain//[$'\x01'-$'\x1f']/} == *$1* ]] && return 0
        sleep 0.1
    done
    print -r -- "timed out waiting for '$1' in: $all"
    return 1
}
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($T/fpath \$fpath); autoload -Uz compinit; compinit -u -d $T/zcompdump; path=($T/bin \$path); unsetopt zle_bracketed_paste 2>/dev/null; print RE''ADY"
expect READY
zpty -w -n z $'sandboxctl cla\t'
expect 'sandboxctl class '
zpty -w -n z $'\x15sandboxctl class cr\t'
expect 'sandboxctl class create '
zpty -w -n z $'\x15sandboxctl create --ow\t'
expect 'sandboxctl create --owner '
print -r -- "$all"
zpty -d z
EOF
out=$(timeout 300 zsh -f "$T/drive.zsh" "$T" 2>&1 | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | tr '\r' '\n')
assert_contains "$out" "sandboxctl class " "command completion"
assert_contains "$out" "sandboxctl class create " "subcommand completion"
assert_contains "$out" "sandboxctl create --owner " "option completion"
echo "zsh completion ok"
