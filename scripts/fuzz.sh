#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time and prints executions and coverage per target.
# Builds the fuzz targets of the `asan` preset first (only those: not the proxy or the tests). The
# asan tree is clang++-14 with ASan+UBSan and its core library is instrumented for libFuzzer, so
# the fuzzers and the sanitizer tests share one compile of the core (fuzz/CMakeLists.txt).
# Usage: scripts/fuzz.sh [-t SECONDS_PER_TARGET] [-j JOBS_FOR_BUILD] [-p TARGETS_AT_ONCE] [target...]
#   default: 60 s each, every fuzz/fuzz_*.cpp, one target at a time (the machine is shared);
#   -p 2 runs two targets side by side, each still for the full time on its own core.
# Seeds come from fuzz/corpus/<target>/ (kept small, checked in); what the fuzzer adds goes to
# build/asan/fuzz/corpus-work/<target>/ and crashes to build/asan/fuzz/artifacts/<target>/; each
# target's log is build/asan/fuzz/<target>.log. Exit code 1
# when any target crashed (its reproducer is printed), else 0.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
at_once=1
while getopts "t:j:p:" opt; do
    case "$opt" in
        t) seconds=$OPTARG ;;
        j) export BUILD_JOBS=$OPTARG ;;
        p) at_once=$OPTARG ;;
        *) echo "usage: $0 [-t SECONDS] [-j JOBS] [-p TARGETS_AT_ONCE] [target...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[[ $at_once =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: -p needs a positive number" >&2; exit 2; }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for source in fuzz/fuzz_*.cpp; do
        targets+=("$(basename "$source" .cpp)")
    done
fi
build_targets=()
for target in "${targets[@]}"; do
    build_targets+=(--target "$target")
done

if ! build_log=$(BUILD_JOBS=${BUILD_JOBS:-1} scripts/build.sh "${build_targets[@]}" asan 2>&1); then
    echo "$build_log" | tail -n 60
    echo "fuzz.sh: building the fuzz targets of the asan preset failed" >&2
    exit 1
fi

# The fuzz targets' folder in the asan tree: binaries, logs, corpora and crash artifacts.
out=build/asan/fuzz

# Sanitizers make leaks, UB and overflows fatal; a deep recursion shows as stack-overflow.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# fuzz_one TARGET: runs TARGET for $seconds and writes its table row to $out/TARGET.row and,
# when it crashed or is not built, what to look at to $out/TARGET.why.
fuzz_one() {
    local target=$1 binary=$out/$1 log=$out/$1.log status=ok
    local work=$out/corpus-work/$target artifacts=$out/artifacts/$target
    local row=$out/$target.row why=$out/$target.why execs rate cov ft
    rm -f "$row" "$why"
    if [ ! -x "$binary" ]; then
        echo "$target: not built ($binary)" >"$why"
        return
    fi
    mkdir -p "$work" "$artifacts"
    "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -max_len=8192 -artifact_prefix="$artifacts/" "$work" "fuzz/corpus/$target" \
        >"$log" 2>&1 || status=CRASH
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    printf '%-20s %12s %10s %8s %8s %s\n' "$target" "${execs:--}" "${rate:--}" "${cov:--}" \
        "${ft:--}" "$status" >"$row"
    if [ "$status" != ok ]; then
        {
            grep -m1 -E 'ERROR|SUMMARY|deadly signal|uncaught' "$log" || true
            grep -o "Test unit written to .*" "$log" || true
            echo "full log: $log"
        } >"$why"
    fi
}

# Targets run in groups of $at_once; each group's rows are printed when it ends, in order.
failed=0
printf '%-20s %12s %10s %8s %8s %s\n' target execs exec/s cov ft result
for ((first = 0; first < ${#targets[@]}; first += at_once)); do
    group=("${targets[@]:first:at_once}")
    for target in "${group[@]}"; do
        fuzz_one "$target" &
    done
    wait
    for target in "${group[@]}"; do
        [ -f "$out/$target.row" ] && cat "$out/$target.row"
        if [ -f "$out/$target.why" ]; then
            failed=1
            cat "$out/$target.why" >&2
        fi
    done
done
exit "$failed"
