#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time, one after the other (the machine is shared),
# and prints executions and coverage per target. Builds the `fuzz` preset first.
# Usage: scripts/fuzz.sh [-t SECONDS_PER_TARGET] [-j JOBS_FOR_BUILD] [target...]
#   default: 60 s each, every fuzz/fuzz_*.cpp.
# Seeds come from fuzz/corpus/<target>/ (kept small, checked in); what the fuzzer adds goes to
# build/fuzz/corpus-work/<target>/ and crashes to build/fuzz/artifacts/<target>/. Exit code 1
# when any target crashed (its reproducer is printed), else 0.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
while getopts "t:j:" opt; do
    case "$opt" in
        t) seconds=$OPTARG ;;
        j) export BUILD_JOBS=$OPTARG ;;
        *) echo "usage: $0 [-t SECONDS] [-j JOBS] [target...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))

if ! build_log=$(BUILD_JOBS=${BUILD_JOBS:-1} scripts/build.sh fuzz 2>&1); then
    echo "$build_log" | tail -n 60
    echo "fuzz.sh: building the fuzz preset failed" >&2
    exit 1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for source in fuzz/fuzz_*.cpp; do
        targets+=("$(basename "$source" .cpp)")
    done
fi

# Sanitizers make leaks, UB and overflows fatal; a deep recursion shows as stack-overflow.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
printf '%-20s %12s %10s %8s %8s %s\n' target execs exec/s cov ft result
for target in "${targets[@]}"; do
    binary=build/fuzz/fuzz/$target
    [ -x "$binary" ] || { echo "$target: not built ($binary)" >&2; failed=1; continue; }
    work=build/fuzz/corpus-work/$target
    artifacts=build/fuzz/artifacts/$target
    mkdir -p "$work" "$artifacts"
    log=build/fuzz/$target.log
    status=ok
    "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -max_len=8192 -artifact_prefix="$artifacts/" "$work" "fuzz/corpus/$target" \
        >"$log" 2>&1 || status=CRASH
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    printf '%-20s %12s %10s %8s %8s %s\n' "$target" "${execs:--}" "${rate:--}" "${cov:--}" \
        "${ft:--}" "$status"
    if [ "$status" != ok ]; then
        failed=1
        grep -m1 -E 'ERROR|SUMMARY|deadly signal|uncaught' "$log" >&2 || true
        grep -o "Test unit written to .*" "$log" >&2 || true
        echo "full log: $log" >&2
    fi
done
exit "$failed"
