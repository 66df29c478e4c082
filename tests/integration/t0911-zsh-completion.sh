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

cat >"$T/drive.zsh" <<EOF
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PS1="> "; fpath=($T/fpath \$fpath); autoload -Uz compinit; compinit -u -d $T/zcompdump; path=($T/bin \$path); unsetopt zle_bracketed_paste 2>/dev/null'
sleep 1
zpty -w -n z \$'sandboxctl cla\t'
sleep 1
zpty -w -n z \$'\x15sandboxctl class cr\t'
sleep 1
zpty -w -n z \$'\x15sandboxctl create --ow\t'
sleep 1
all=""
while zpty -r -t z chunk; do all+=\$chunk; done
print -r -- "\$all"
zpty -d z
EOF
out=$(timeout 60 zsh -f "$T/drive.zsh" 2>&1 | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | tr '\r' '\n')
assert_contains "$out" "sandboxctl class " "command completion"
assert_contains "$out" "sandboxctl class create " "subcommand completion"
assert_contains "$out" "sandboxctl create --owner " "option completion"
echo "zsh completion ok"
