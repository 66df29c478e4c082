# bash completion for sandboxctl(1)                                  -*- shell-script -*-
#
# Commands, options and their placeholders are read from the binary itself
# (`sandboxctl --help` and `sandboxctl help COMMAND`, which print the same usage text as
# sandboxctl(1)), so the completion never drifts from the program. Works with or without the
# bash-completion package.

_sandboxctl_commands() {
    "${1:-sandboxctl}" --help 2>/dev/null |
        awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on && !/^  / { on = 0 }'
}

# Options of COMMAND (or of sandboxctl itself when COMMAND is empty), one per line.
_sandboxctl_options() {
    local bin=$1 cmd=$2
    if [ -z "$cmd" ]; then
        "$bin" --help 2>/dev/null
    else
        "$bin" help "$cmd" 2>/dev/null
    fi | grep -oE -- '(^|[^A-Za-z0-9-])--?[A-Za-z0-9][A-Za-z0-9-]*' | sed -E 's/^[^-]+//' | sort -u
}

# The placeholder that follows OPTION in COMMAND's usage ("FILE", "DURATION", ...), if any.
_sandboxctl_placeholder() {
    local bin=$1 cmd=$2 opt=$3
    if [ -z "$cmd" ]; then
        "$bin" --help 2>/dev/null
    else
        "$bin" help "$cmd" 2>/dev/null
    fi | grep -oE -- "(^|[^A-Za-z0-9-])${opt}[ =][A-Z][A-Z_]*" | head -n 1 | sed -E 's/.*[ =]//'
}

# Words of COMMAND's usage that are literal subcommands: lowercase words that are neither
# options nor the program's or command's own name (e.g. "protect | operator").
_sandboxctl_subcommands() {
    local bin=$1 cmd=$2
    "$bin" help "$cmd" 2>/dev/null | sed -E 's/^ *usage: *//; s/^ *//' |
        awk -v cmd="$cmd" '{ for (i = 1; i <= NF; i++) { w = $i; gsub(/[][|]/, "", w)
            if (w ~ /^[a-z][a-z-]*$/ && w != "sandboxctl" && w != cmd) print w } }' | sort -u
}

_sandboxctl() {
    local cur prev bin cmd i w ph
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    bin=${COMP_WORDS[0]}
    COMPREPLY=()

    # The command is the first word after the global options (-c FILE takes an argument).
    cmd=
    i=1
    while [ "$i" -lt "$COMP_CWORD" ]; do
        w=${COMP_WORDS[i]}
        case $w in
        -c | --config) i=$((i + 1)) ;;
        -*) ;;
        *)
            cmd=$w
            break
            ;;
        esac
        i=$((i + 1))
    done

    if [ -z "$cmd" ]; then
        case $prev in
        -c | --config)
            COMPREPLY=($(compgen -f -- "$cur"))
            return
            ;;
        esac
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(_sandboxctl_options "$bin" "")" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_sandboxctl_commands "$bin") help" -- "$cur"))
        fi
        return
    fi
    if [ "$cmd" = help ]; then
        COMPREPLY=($(compgen -W "$(_sandboxctl_commands "$bin")" -- "$cur"))
        return
    fi
    if [[ $prev == -* ]]; then
        ph=$(_sandboxctl_placeholder "$bin" "$cmd" "$prev")
        case $ph in
        FILE | PATH | CSV | ROSTER | CONFIG)
            COMPREPLY=($(compgen -f -- "$cur"))
            return
            ;;
        DIR)
            COMPREPLY=($(compgen -d -- "$cur"))
            return
            ;;
        ?*) return ;; # a value only the user knows
        esac
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_sandboxctl_options "$bin" "$cmd")" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$(_sandboxctl_subcommands "$bin" "$cmd")" -- "$cur"))
    fi
}
complete -F _sandboxctl sandboxctl
