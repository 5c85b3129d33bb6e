#!/usr/bin/env bash
# Builds CoinBit and starts it: the interactive program, which runs a node
# on ~/.coinbit (embedded SQLite, nothing to set up) unless one is already
# running there. Arguments go to the program, e.g.
#   ./scripts/run.sh -regtest          # the test network: instant blocks
#   ./scripts/run.sh -datadir=/tmp/cb  # another data directory
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target coinbit coinbitd coinbit-cli coinbit-tool >/dev/null
exec ./build/coinbit "$@"
