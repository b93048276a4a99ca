#!/usr/bin/env bash
# The README's test command: installs what is missing, builds every configuration (release,
# ASan+UBSan, TSan, and the libFuzzer targets) in its own tree, runs every test in each, runs
# each fuzzer briefly, and the demo's short mode. Exit 0 only when everything passed.
# Usage: scripts/test.sh [--quick]   (--quick: release build and its tests only)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
[ "${1:-}" = "--quick" ] && quick=true

scripts/install-deps.sh test

presets=(release)
$quick || presets+=(asan tsan)

failures=0
phase() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

for preset in "${presets[@]}"; do
    phase "build $preset"
    scripts/build.sh "$preset"
done

# The image smoke test (tests/integration/deploy_image_test.cpp) builds the runtime image
# around build/release/shadowproxy; without a Docker engine it needs local Debian base images,
# made once here by debootstrap (minutes) rather than inside the test's time limit.
phase "image: base images for the smoke test"
scripts/image.sh base || failures=$((failures + 1))

for preset in "${presets[@]}"; do
    phase "tests: $preset"
    env_vars=()
    case "$preset" in
        asan) env_vars=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
                        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1) ;;
        tsan) env_vars=(TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1) ;;
    esac
    if ! env "${env_vars[@]}" ctest --test-dir "build/$preset" --output-on-failure \
            -j "$(nproc)" --timeout 300; then
        failures=$((failures + 1))
    fi
done

if ! $quick && [ -f fuzz/CMakeLists.txt ]; then
    phase "fuzz: build and run each target"
    scripts/fuzz.sh -t "${FUZZ_SECONDS:-40}" -j "$(nproc)" || failures=$((failures + 1))
fi

if ! $quick && [ -x scripts/demo.sh ]; then
    phase "demo --short"
    scripts/demo.sh --short || failures=$((failures + 1))
fi

phase "done"
if [ "$failures" -ne 0 ]; then
    echo "FAILED: $failures test phase(s) failed"
    exit 1
fi
echo "all test phases passed"
