#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time and prints executions and coverage per target.
# Builds the fuzz targets of the `fuzz` preset first (only those: not the proxy or model_server).
# Usage: scripts/fuzz.sh [-t SECONDS_PER_TARGET] [-j JOBS_FOR_BUILD] [-p TARGETS_AT_ONCE] [target...]
#   default: 60 s each, every fuzz/fuzz_*.cpp, one target at a time (the machine is shared);
#   -p 2 runs two targets side by side, each still for the full time on its own core.
# Seeds come from fuzz/corpus/<target>/ (kept small, checked in); what the fuzzer adds goes to
# build/fuzz/corpus-work/<target>/ and crashes to build/fuzz/artifacts/<target>/. Exit code 1
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

if ! build_log=$(BUILD_JOBS=${BUILD_JOBS:-1} scripts/build.sh "${build_targets[@]}" fuzz 2>&1); then
    echo "$build_log" | tail -n 60
    echo "fuzz.sh: building the fuzz preset failed" >&2
    exit 1
fi

# Sanitizers make leaks, UB and overflows fatal; a deep recursion shows as stack-overflow.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# fuzz_one TARGET: runs TARGET for $seconds and writes its table row to build/fuzz/TARGET.row
# and, when it crashed or is not built, what to look at to build/fuzz/TARGET.why.
fuzz_one() {
    local target=$1 binary=build/fuzz/fuzz/$1 log=build/fuzz/$1.log status=ok
    local work=build/fuzz/corpus-work/$target artifacts=build/fuzz/artifacts/$target
    local row=build/fuzz/$target.row why=build/fuzz/$target.why execs rate cov ft
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
        [ -f "build/fuzz/$target.row" ] && cat "build/fuzz/$target.row"
        if [ -f "build/fuzz/$target.why" ]; then
            failed=1
            cat "build/fuzz/$target.why" >&2
        fi
    done
done
exit "$failed"
