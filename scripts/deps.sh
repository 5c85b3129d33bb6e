#!/usr/bin/env bash
# Installs the Debian 12 packages CoinBit builds and tests with, when any
# is missing. Safe to run again: it does nothing when all are present.
set -euo pipefail

build_pkgs=(gcc make cmake pkg-config libsecp256k1-dev libssl-dev libjansson-dev libsqlite3-dev
            libsodium-dev libevent-dev libmariadb-dev libedit-dev help2man dpkg-dev)
test_pkgs=(libcmocka-dev python3 valgrind clang libclang-rt-14-dev clang-format mariadb-server
           bash-completion chromium tmux)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
    want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
