#!/bin/bash
# t0910 -- `cmake --install --prefix DIR` puts the binary, the manual pages, the example
# configs, the hooks, the completions and the systemd units in the GNUInstallDirs places;
# the installed binary runs, both pages render with `man -l`, the hooks keep their modes and
# symlinks, the units name the installed binary and pass `systemd-analyze verify`, and the
# bash completion completes from the installed binary.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

: "${SBX_BUILD_DIR:?SBX_BUILD_DIR must name the build tree}"
P="$T/prefix"
cmake --install "$SBX_BUILD_DIR" --prefix "$P" >"$T/install.log" 2>&1 ||
    fail "cmake --install failed: $(tail -n 20 "$T/install.log")"

for f in \
    bin/sandboxctl \
    share/man/man1/sandboxctl.1 \
    share/man/man5/sandboxctl.cfg.5 \
    share/doc/sandboxctl/examples/sandboxctl.cfg \
    share/doc/sandboxctl/examples/sandboxctl-sim.cfg \
    share/doc/sandboxctl/examples/cron.d/sandboxctl \
    share/sandboxctl/hooks/README.md \
    share/sandboxctl/hooks/pre-close.d/50-aws-nuke \
    share/sandboxctl/hooks/lib/notify \
    share/sandboxctl/hooks/post-create.d/50-notify-owner \
    share/sandboxctl/hooks/expiry-warning.d/50-notify \
    share/sandboxctl/hooks/post-close.d/50-notify \
    share/sandboxctl/hooks/nuke-failed.d/50-notify \
    share/sandboxctl/hooks/quarantined.d/50-notify \
    share/sandboxctl/hooks/close-failed.d/50-notify \
    share/sandboxctl/hooks/budget-warning.d/50-notify \
    share/sandboxctl/hooks/budget-exceeded.d/50-notify \
    share/bash-completion/completions/sandboxctl \
    share/zsh/site-functions/_sandboxctl \
    lib/systemd/system/sandboxctl-run.service \
    lib/systemd/system/sandboxctl-run.timer \
    lib/systemd/system/sandboxctl-watch.service \
    lib/systemd/system/sandboxctl-metrics.service \
    lib/systemd/system/sandboxctl-metrics.timer; do
    [ -e "$P/$f" ] || fail "not installed: $f"
done

# The binary runs from there.
"$P/bin/sandboxctl" --help >"$T/help" || fail "installed sandboxctl --help failed"
assert_contains "$(cat "$T/help")" "commands:"
assert_contains "$("$P/bin/sandboxctl" --version)" "sandboxctl "

# The manual pages render.
for p in man1/sandboxctl.1 man5/sandboxctl.cfg.5; do
    MANPAGER=cat MANWIDTH=80 man -l "$P/share/man/$p" >"$T/man.out" 2>"$T/man.err" ||
        fail "man -l $p: $(cat "$T/man.err")"
    assert_contains "$(cat "$T/man.out")" "SYNOPSIS" "$p"
done
assert_contains "$(MANPAGER=cat man -l "$P/share/man/man1/sandboxctl.1")" "EXIT STATUS"

# Hooks: executable, not group/world-writable (the hook runner would refuse them), symlinks kept.
h="$P/share/sandboxctl/hooks"
assert_eq "$(stat -c %a "$h/pre-close.d/50-aws-nuke")" 755
assert_eq "$(stat -c %a "$h/lib/notify")" 755
assert_eq "$(stat -c %a "$h/README.md")" 644
[ -L "$h/post-close.d/50-notify" ] || fail "post-close.d/50-notify is not a symlink"
assert_eq "$(readlink "$h/post-close.d/50-notify")" ../lib/notify
[ -x "$h/post-create.d/50-notify-owner" ] || fail "50-notify-owner does not resolve to an executable"
for ev in nuke-failed quarantined close-failed; do
    assert_eq "$(readlink "$h/$ev.d/50-notify")" ../lib/notify "$ev.d/50-notify"
done
for d in "$h" "$h/pre-close.d"; do
    assert_eq "$(stat -c %a "$d")" 755 "$d"
done

# Units and the cron entry name the installed binary.
u="$P/lib/systemd/system"
assert_contains "$(cat "$u/sandboxctl-run.service")" "ExecStart=$P/bin/sandboxctl --config $P/etc/sandboxctl/sandboxctl.cfg run"
assert_contains "$(cat "$u/sandboxctl-watch.service")" "ExecStart=$P/bin/sandboxctl --config $P/etc/sandboxctl/sandboxctl.cfg run --watch"
if grep -q '@SBX_' "$u"/* "$P/share/doc/sandboxctl/examples/cron.d/sandboxctl"; then
    fail "unsubstituted @SBX_...@ left in the units or the cron entry"
fi
assert_contains "$(cat "$P/share/doc/sandboxctl/examples/cron.d/sandboxctl")" "$P/bin/sandboxctl --config"
for k in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes \
    StateDirectory=sandboxctl "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
    "CapabilityBoundingSet=" SystemCallFilter=@system-service DynamicUser=yes; do
    grep -qx "$k" "$u/sandboxctl-run.service" || fail "sandboxctl-run.service lacks $k"
    grep -qx "$k" "$u/sandboxctl-watch.service" || fail "sandboxctl-watch.service lacks $k"
    grep -qx "$k" "$u/sandboxctl-metrics.service" || fail "sandboxctl-metrics.service lacks $k"
done
# The metrics unit writes the configured file atomically (metrics --output), as the run
# service's user (one store, one owner).
assert_contains "$(cat "$u/sandboxctl-metrics.service")" "ExecStart=$P/bin/sandboxctl --config $P/etc/sandboxctl/sandboxctl.cfg metrics --output \${SANDBOXCTL_METRICS_FILE}"
grep -qx "User=sandboxctl-run" "$u/sandboxctl-metrics.service" || fail "metrics service runs as another user"
grep -qx "Unit=sandboxctl-metrics.service" "$u/sandboxctl-metrics.timer" || fail "metrics timer starts nothing"
grep -qx "Type=oneshot" "$u/sandboxctl-run.service" || fail "run service is not oneshot"
grep -qx "Restart=on-failure" "$u/sandboxctl-watch.service" || fail "watch service does not restart"
grep -qx "Persistent=true" "$u/sandboxctl-run.timer" || fail "timer is not persistent"
if command -v systemd-analyze >/dev/null 2>&1; then
    # verify loads the units offline; it prints a line for anything it does not accept.
    out=$(cd "$u" && systemd-analyze verify --man=no ./sandboxctl-run.service \
        ./sandboxctl-run.timer ./sandboxctl-watch.service ./sandboxctl-metrics.service \
        ./sandboxctl-metrics.timer 2>&1) || fail "systemd-analyze verify: $out"
    [ -z "$out" ] || fail "systemd-analyze verify: $out"
else
    echo "skip: systemd-analyze not installed"
fi

# The installed bash completion completes commands and a command's options and words.
complete_words() {
    bash -c '
        . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _sandboxctl
        printf "%s\n" "${COMPREPLY[@]}"' _ "$P/share/bash-completion/completions/sandboxctl" "$@"
}
PATH="$P/bin:$PATH"
got=$(complete_words sandboxctl po)
assert_eq "$got" policy
got=$(complete_words sandboxctl policy "")
assert_eq "$(echo $got)" "operator protect"
got=$(complete_words sandboxctl policy --j)
assert_eq "$got" --json
got=$(complete_words sandboxctl -c x.cfg help cl)
assert_contains "$got" class
assert_contains "$got" close
got=$(complete_words sandboxctl --con)
assert_eq "$got" --config
if command -v zsh >/dev/null 2>&1; then
    zsh -n "$P/share/zsh/site-functions/_sandboxctl" || fail "zsh completion does not parse"
fi
