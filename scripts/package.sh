#!/usr/bin/env bash
# Builds the Debian package: build-pkg/coinbit_VERSION_ARCH.deb, for
#   apt install ./build-pkg/coinbit_*.deb && systemctl start coinbitd
#
#   scripts/package.sh [BUILD_DIR]
#
# A release build installed under /usr, with /etc/coinbit/coinbit.conf,
# the coinbitd.service unit and the coinbit user made at install. Prints
# the package's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}
./scripts/deps.sh >/dev/null
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DCB_PACKAGE=ON >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
(cd "$dir" && cpack -G DEB >/dev/null)
ls "$dir"/coinbit_*.deb | tail -n 1
