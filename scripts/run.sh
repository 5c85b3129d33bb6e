#!/usr/bin/env bash
# Builds CoinBit and starts it. Arguments go to the program, e.g.
#   ./scripts/run.sh -regtest newkey
# The node (coinbitd) is not built yet; until it is, this runs
# coinbit-tool, which shows the network and checks data with the core.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target coinbit-tool >/dev/null
if [ $# -eq 0 ]; then
    set -- info
fi
exec ./build/coinbit-tool "$@"
