# cmake/install.cmake -- what `cmake --install` puts where (GNUInstallDirs), included from the
# top CMakeLists.txt after the binary's own install() rule.
#
#   bin/sandboxctl                                      the binary (top CMakeLists.txt)
#   share/man/man1/sandboxctl.1, man5/sandboxctl.cfg.5  manual pages
#   share/doc/sandboxctl/examples/                      example configs and the cron entry
#   share/sandboxctl/hooks/<event>.d/                   shipped hooks (aws-nuke, notify)
#   share/bash-completion/completions/sandboxctl        bash completion
#   share/zsh/site-functions/_sandboxctl                zsh completion
#   lib/systemd/system/sandboxctl-{run,watch,metrics}.service, sandboxctl-{run,metrics}.timer
#
# Example configs go to the documentation directory, not to sysconfdir: installing into
# /etc/sandboxctl would overwrite (or, under a package manager, fight with) the operator's
# live config on every reinstall, and an example must never become live config by accident.
# The operator copies config/sandboxctl.cfg to /etc/sandboxctl/ (the default path) and edits
# it; hooks.dir can point at share/sandboxctl/hooks directly or at a directory of symlinks.
#
# The systemd units and the cron entry name the binary and the config by absolute path, so
# they are generated at install time from contrib/**/*.in with the prefix actually used
# (`cmake --install --prefix P` included); DESTDIR is honoured as usual.

set(SBX_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "systemd system unit directory, relative to the install prefix (or absolute)")

install(FILES ${PROJECT_SOURCE_DIR}/man/sandboxctl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/sandboxctl.cfg.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

install(FILES ${PROJECT_SOURCE_DIR}/config/sandboxctl.cfg ${PROJECT_SOURCE_DIR}/config/sandboxctl-sim.cfg
    DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# Hooks keep their symlinks (post-create.d/50-notify-owner -> ../lib/notify); modes are set
# explicitly because the hook runner refuses group- or world-writable files, whatever the
# umask of the checkout was.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/hooks/ DESTINATION ${CMAKE_INSTALL_DATADIR}/sandboxctl/hooks
    DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
        WORLD_READ WORLD_EXECUTE
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
        WORLD_READ WORLD_EXECUTE
    PATTERN "*.md" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

install(FILES ${PROJECT_SOURCE_DIR}/contrib/completion/sandboxctl.bash
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME sandboxctl)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/completion/_sandboxctl
    DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)

# Install-time generation of the units and the cron entry (see above).
install(CODE "
set(SBX_SRC \"${PROJECT_SOURCE_DIR}\")
set(SBX_GEN \"${PROJECT_BINARY_DIR}/install-generated\")
set(SBX_BINDIR_REL \"${CMAKE_INSTALL_BINDIR}\")
set(SBX_SYSCONFDIR_REL \"${CMAKE_INSTALL_SYSCONFDIR}\")
set(SBX_DOCDIR_REL \"${CMAKE_INSTALL_DOCDIR}\")
set(SBX_UNITDIR_REL \"${SBX_SYSTEMD_UNITDIR}\")
")
install(CODE [[
function(sbx_full var rel)
    if(IS_ABSOLUTE "${rel}")
        set(${var} "${rel}" PARENT_SCOPE)
    else()
        set(${var} "${CMAKE_INSTALL_PREFIX}/${rel}" PARENT_SCOPE)
    endif()
endfunction()
sbx_full(SBX_BINDIR "${SBX_BINDIR_REL}")
# GNUInstallDirs' rule: the /usr prefix keeps its configuration in /etc.
if(NOT IS_ABSOLUTE "${SBX_SYSCONFDIR_REL}" AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(SBX_SYSCONFDIR "/etc")
else()
    sbx_full(SBX_SYSCONFDIR "${SBX_SYSCONFDIR_REL}")
endif()
sbx_full(SBX_UNITDIR "${SBX_UNITDIR_REL}")
sbx_full(SBX_DOCDIR "${SBX_DOCDIR_REL}")
foreach(unit sandboxctl-run.service sandboxctl-run.timer sandboxctl-watch.service
        sandboxctl-metrics.service sandboxctl-metrics.timer)
    configure_file("${SBX_SRC}/contrib/systemd/${unit}.in" "${SBX_GEN}/${unit}" @ONLY)
    file(INSTALL DESTINATION "${SBX_UNITDIR}" TYPE FILE FILES "${SBX_GEN}/${unit}"
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endforeach()
configure_file("${SBX_SRC}/contrib/cron/sandboxctl.in" "${SBX_GEN}/cron/sandboxctl" @ONLY)
file(INSTALL DESTINATION "${SBX_DOCDIR}/examples/cron.d" TYPE FILE
    FILES "${SBX_GEN}/cron/sandboxctl" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
]])
