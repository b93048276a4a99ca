#!/usr/bin/env bash
# The README's test command: installs what is missing, builds every configuration in its own
# tree (release with gcc; ASan+UBSan with clang++-14, the libFuzzer targets in the same tree; TSan
# with gcc), runs every test in each (the sanitizer trees run the release tree's integration tests
# against their own sanitized proxy), runs clang-tidy (scripts/tidy.sh), each fuzzer briefly, and
# the demo's short modes. Exit 0 only when everything passed.
# Usage: scripts/test.sh [--quick]   (--quick: release build and its tests only)
# Ends with a summary: tests run, passed, failed and skipped per phase, the reason of every skip
# (a test that needs a tool this machine lacks says so), then one line
# "N passed, N failed, N skipped" over all phases.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ui.sh

quick=false
[ "${1:-}" = "--quick" ] && quick=true

phase() { printf '\n=== %s (%s, %s)\n' "$1" "$(date -u +%H:%M:%S)" "$(ui_elapsed)"; }

# The summary: one row per phase ("phase run passed failed skipped", or "phase - - - - why" for
# a phase that did not run) and one note per skipped or failed test ("phase<TAB>kind<TAB>text").
rows=()
notes=()
failures=0
record() { rows+=("$*"); [ "$4" = - ] || [ "$4" -eq 0 ] || failures=$((failures + 1)); }
note() { notes+=("$1"$'\t'"$2"$'\t'"$3"); }
not_run() { rows+=("$1 - - - - $2"); }

scripts/install-deps.sh test

# The image smoke test (tests/integration/deploy_image_test.cpp) builds the runtime image
# around build/release/shadowproxy; without a Docker engine it needs local Debian base images,
# made once here by debootstrap (minutes, mostly waiting for the mirror and the disk, little CPU)
# rather than inside the test's time limit. They are made in the background while the trees
# build; the tests wait for them.
image_log=$(mktemp "${TMPDIR:-/tmp}/shadowproxy-image-base.XXXXXX")
scripts/image.sh base >"$image_log" 2>&1 &
image_pid=$!

presets=(release)
$quick || presets+=(asan tsan)

built=()
for preset in "${presets[@]}"; do
    phase "build $preset"
    if scripts/build.sh "$preset"; then
        built+=("$preset")
    else
        record "$preset" 0 0 1 0
        note "$preset" fail "the build failed (build/$preset/build.log)"
    fi
done

phase "image: base images for the smoke test (made during the builds)"
image_status=0
wait "$image_pid" || image_status=$?
cat "$image_log"
rm -f "$image_log"
if [ "$image_status" -eq 0 ]; then
    record image-base 1 1 0 0
else
    record image-base 1 0 1 0
    note image-base fail "scripts/image.sh base failed: the image smoke test has no base image"
fi

for preset in "${built[@]}"; do
    phase "tests: $preset"
    env_vars=()
    case "$preset" in
        asan) env_vars=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
                        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1) ;;
        tsan) env_vars=(TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1) ;;
    esac
    junit="$PWD/build/$preset/ctest-junit.xml"
    rm -f "$junit"
    ctest_status=0
    env "${env_vars[@]}" ctest --test-dir "build/$preset" --output-on-failure \
        -j "$(nproc)" --timeout 300 --output-junit "$junit" || ctest_status=$?
    if ! summary=$(python3 scripts/lib/ctest_summary.py "$junit"); then
        record "$preset" 0 0 1 0
        note "$preset" fail "ctest exited with $ctest_status and wrote no JUnit file"
        continue
    fi
    read -r run passed failed skipped <<<"${summary%%$'\n'*}"
    if [ "$ctest_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1
        note "$preset" fail "ctest exited with $ctest_status"
    fi
    record "$preset" "$run" "$passed" "$failed" "$skipped"
    while IFS=$'\t' read -r kind name text; do
        [ -n "$kind" ] && note "$preset" "$kind" "$name: $text"
    done <<<"$(tail -n +2 <<<"$summary")"
done

if $quick; then
    not_run asan "not run (--quick)"
    not_run tsan "not run (--quick)"
fi

# clang-tidy (the checks in .clang-tidy) over src/ and its headers, from the release tree's
# compile database; any finding fails the phase.
if $quick; then
    not_run tidy "not run (--quick)"
elif [[ " ${built[*]} " != *" release "* ]]; then
    not_run tidy "not run (the release build failed)"
else
    phase "tidy: clang-tidy over src/"
    if scripts/tidy.sh; then
        record tidy 1 1 0 0
    else
        record tidy 1 0 1 0
        note tidy fail "scripts/tidy.sh: findings above (run scripts/tidy.sh alone to see them)"
    fi
fi

if $quick; then
    not_run fuzz "not run (--quick)"
elif [ ! -f fuzz/CMakeLists.txt ]; then
    not_run fuzz "not run (no fuzz/ targets)"
elif [[ " ${built[*]} " != *" asan "* ]]; then
    not_run fuzz "not run (the asan build failed: the fuzz targets are built in its tree)"
else
    phase "fuzz: run each target (built in the asan tree)"
    fuzz_log=$(mktemp "${TMPDIR:-/tmp}/shadowproxy-fuzz.XXXXXX")
    fuzz_status=0
    # One target per core at a time: each still fuzzes FUZZ_SECONDS on a core of its own.
    scripts/fuzz.sh -t "${FUZZ_SECONDS:-40}" -j "$(nproc)" -p "$(nproc)" | tee "$fuzz_log" ||
        fuzz_status=$?
    run=$(awk '$NF == "ok" || $NF == "CRASH"' "$fuzz_log" | wc -l)
    passed=$(awk '$NF == "ok"' "$fuzz_log" | wc -l)
    failed=$((run - passed))
    while read -r target _; do
        note fuzz fail "$target crashed (build/asan/fuzz/$target.log)"
    done < <(awk '$NF == "CRASH"' "$fuzz_log")
    if [ "$fuzz_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1
        note fuzz fail "fuzz.sh exited with $fuzz_status (a target was not built?)"
    fi
    rm -f "$fuzz_log"
    record fuzz "$run" "$passed" "$failed" 0
fi

if $quick; then
    not_run demo "not run (--quick)"
elif [ ! -x scripts/demo.sh ]; then
    not_run demo "not run (no scripts/demo.sh)"
else
    phase "demo --short, demo --grpc --short, demo --llm --short"
    demo_passed=0
    demo_failed=0
    for mode in "--short" "--grpc --short" "--llm --short"; do
        # shellcheck disable=SC2086 # two words on purpose
        if scripts/demo.sh $mode; then
            demo_passed=$((demo_passed + 1))
        else
            demo_failed=$((demo_failed + 1))
            note demo fail "scripts/demo.sh $mode failed"
        fi
    done
    record demo 3 "$demo_passed" "$demo_failed" 0
fi

phase "done"
total_passed=0
total_failed=0
total_skipped=0
printf '%-8s %6s %7s %7s %8s\n' phase run passed failed skipped
for row in "${rows[@]}"; do
    read -r name run passed failed skipped why <<<"$row"
    printf '%-8s %6s %7s %7s %8s%s\n' "$name" "$run" "$passed" "$failed" "$skipped" "${why:+ $why}"
    [ "$run" = - ] && continue
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
done
for kind in skip fail; do
    listed=false
    for entry in "${notes[@]}"; do
        IFS=$'\t' read -r name entry_kind text <<<"$entry"
        [ "$entry_kind" = "$kind" ] || continue
        if ! $listed; then
            [ "$kind" = skip ] && echo "skipped:" || echo "failed:"
            listed=true
        fi
        printf '  %-8s %s\n' "$name" "$text"
    done
done
if [ "$failures" -ne 0 ]; then
    echo "FAILED: $failures test phase(s) failed"
else
    echo "all test phases passed"
fi
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$failures" -eq 0 ]
