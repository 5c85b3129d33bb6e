#!/usr/bin/env bash
# Runs every test CoinBit has, in stages:
#   release   release build: unit and functional tests (CTest);
#   asan      the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   tsan      the threaded ones with ThreadSanitizer;
#   valgrind  the unit tests under valgrind (needs the release build);
#   fuzz      each libFuzzer target for a short while on its seed corpus;
#   package   the Debian package built, installed, run as a service, purged
#             (tests/package/package_test.sh; needs root and the release build);
#   format    clang-format on every source file, and the layer rule on
#             every #include (scripts/check_layers.sh).
#
#   scripts/test.sh [--no-deps] [STAGE...]
#
# With no stage, all of them. --no-deps skips installing packages (they
# must be there already). Prints one closing line: "N passed, N failed".
# Exit status 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
fuzz_seconds=${CB_FUZZ_SECONDS:-20}
passed=0
failed=0
failures=()

all_stages="release asan tsan valgrind fuzz package format"
deps=1
stages=()
for a in "$@"; do
    case "$a" in
    --no-deps) deps=0 ;;
    release | asan | tsan | valgrind | fuzz | package | format) stages+=("$a") ;;
    *)
        echo "usage: scripts/test.sh [--no-deps] [STAGE...]; stages: $all_stages" >&2
        exit 2
        ;;
    esac
done
[ ${#stages[@]} -gt 0 ] || read -r -a stages <<<"$all_stages"
wanted() { [[ " ${stages[*]} " == *" $1 "* ]]; }

if [ "$deps" -eq 1 ]; then
    ./scripts/deps.sh --test || { echo "dependency installation failed"; exit 1; }
fi

# Counts CTest's verdicts from its summary line.
ctest_stage() {
    local name=$1 dir=$2
    shift 2
    echo "== $name"
    local log
    log=$(cd "$dir" && ctest --output-on-failure -j"$jobs" "$@" 2>&1)
    local rc=$?
    # The whole run stays in build-logs/; a failure shows its own output.
    echo "$log" >"build-logs/ctest-${name// /-}.log"
    if [[ $log == *"tests failed out of"* && $log != *" 0 tests failed out of"* ]]; then
        echo "$log" | grep -v "^ *[0-9]*/[0-9]* Test *#[0-9]*: .* Passed" | tail -n 300
    else
        echo "$log" | tail -n 25
    fi
    local line total bad
    line=$(echo "$log" | grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
        failures+=("$name: no CTest summary (rc=$rc)")
        return
    fi
    total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
    bad=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/')
    passed=$((passed + total - bad))
    failed=$((failed + bad))
    [ "$bad" -eq 0 ] || failures+=("$name: $bad failed")
}

build() {
    local dir=$1
    shift
    cmake -S . -B "$dir" "$@" >/dev/null && cmake --build "$dir" -j"$jobs" >"build-logs/$dir.log" 2>&1 ||
        { tail -n 40 "build-logs/$dir.log"; return 1; }
}

step() { # name, then a command; counts one pass or one fail
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

mkdir -p build-logs
if wanted release || wanted valgrind || wanted package; then
    if build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCB_VALGRIND=ON; then
        if wanted release; then ctest_stage "release tests" build -LE valgrind; fi
        if wanted valgrind; then ctest_stage "valgrind" build -L valgrind; fi
    else
        failed=$((failed + 1)); failures+=("release build")
    fi
fi

if wanted asan; then
    if CC=gcc build build-asan -DCMAKE_BUILD_TYPE=Debug -DCB_SANITIZE=ON; then
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest_stage "asan+ubsan tests" build-asan
    else
        failed=$((failed + 1)); failures+=("sanitizer build")
    fi
fi

if wanted tsan; then
    if CC=gcc build build-tsan -DCMAKE_BUILD_TYPE=Debug -DCB_TSAN=ON; then
        TSAN_OPTIONS=halt_on_error=1 ctest_stage "tsan tests" build-tsan -L threads
    else
        failed=$((failed + 1)); failures+=("thread sanitizer build")
    fi
fi

if wanted fuzz; then
    if command -v clang >/dev/null && CC=clang build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCB_FUZZ=ON; then
        for t in build-fuzz/tests/fuzz/fuzz_*; do
            name=$(basename "$t")
            corpus=$(mktemp -d)
            echo "== $name (${fuzz_seconds}s)"
            step "$name" "$t" -max_total_time="$fuzz_seconds" -max_len=8192 \
                "$corpus" "tests/fuzz/corpus/${name#fuzz_}" >"build-logs/$name.log" 2>&1
            tail -n 1 "build-logs/$name.log"
            rm -rf "$corpus"
        done
    else
        failed=$((failed + 1)); failures+=("fuzz build")
    fi
fi

if wanted package; then
    echo "== package"
    if [ "$(id -u)" -ne 0 ]; then
        echo "package: skipped (it installs a package: run as root)"
    elif [ ! -x build/coinbitd ]; then
        failed=$((failed + 1)); failures+=("package: no release build (stage release first)")
    else
        step "package" ./tests/package/package_test.sh build
    fi
fi

if wanted format; then
    echo "== clang-format"
    format_check() {
        git -C "$root" ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror
    }
    step "clang-format" format_check
    echo "== layers"
    step "layers" ./scripts/check_layers.sh
fi

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
