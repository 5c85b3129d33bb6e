#!/usr/bin/env bash
# Runs one libFuzzer target for longer than CI does:
#   scripts/fuzz.sh TARGET SECONDS      e.g. scripts/fuzz.sh message 600
# TARGET is a name under tests/fuzz (block, tx, text, message, local, p2p,
# presync, rpc, store). Builds build-fuzz with clang when needed; new inputs go to a
# corpus in build-fuzz/corpus-TARGET (the seeds in tests/fuzz/corpus are
# read, not written); a crash is saved as build-fuzz/crash-*. Prints
# libFuzzer's closing lines: executions, and any crash.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 2 ]; then
    echo "usage: scripts/fuzz.sh TARGET SECONDS" >&2
    exit 2
fi
target=$1 seconds=$2
case "$seconds" in '' | *[!0-9]*) echo "SECONDS must be a whole number" >&2; exit 2 ;; esac
if [ ! -f "tests/fuzz/fuzz_$target.c" ]; then
    echo "no target '$target'; there are:" $(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||') >&2
    exit 2
fi
./scripts/deps.sh --test >/dev/null
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCB_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "fuzz_$target" >/dev/null
mkdir -p "build-fuzz/corpus-$target"
./build-fuzz/tests/fuzz/fuzz_"$target" -max_total_time="$seconds" -max_len=8192 \
    -artifact_prefix=build-fuzz/ "build-fuzz/corpus-$target" "tests/fuzz/corpus/$target" \
    2>"build-fuzz/fuzz-$target.log" || { tail -n 30 "build-fuzz/fuzz-$target.log"; exit 1; }
grep -E "^Done|^#[0-9]+.*DONE" "build-fuzz/fuzz-$target.log" | tail -n 2
