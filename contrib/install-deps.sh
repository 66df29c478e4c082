#!/bin/sh
# install-deps.sh -- install the Debian 12 packages sandboxctl needs to build, test and run.
# Idempotent: only missing packages are installed. Run as root (CI and the README use it).
set -eu

pkgs="build-essential cmake ninja-build pkg-config git ca-certificates
libcurl4-openssl-dev libssl-dev libsqlite3-dev sqlite3 libconfig-dev libcjson-dev
libmicrohttpd-dev awscli aws-nuke python3 python3-yaml mandoc man-db clang-format
procps curl zsh clang libclang-rt-14-dev cppcheck"

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing:$missing (run as root)" >&2
    exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
