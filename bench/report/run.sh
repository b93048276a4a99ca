#!/usr/bin/env bash
# Times `shadowproxy report` on a generated 1,000,000-record log (two shadows, ten classes, five
# features), with and without a features baseline, on gzip input, and compares JSON parsers.
# Usage: bench/report/run.sh [records]   (needs build/release; writes to ${BENCH_DIR:-/tmp/shadowproxy-report-bench})
set -euo pipefail
cd "$(dirname "$0")/../.."
records="${1:-1000000}"
dir="${BENCH_DIR:-/tmp/shadowproxy-report-bench}"
bin=build/release/shadowproxy
mkdir -p "$dir"
[ -x "$bin" ] || { echo "build first: scripts/build.sh release" >&2; exit 2; }

log="$dir/log-$records.jsonl"
if [ ! -f "$log" ]; then
    echo "generating $log ..."
    python3 bench/report/generate_log.py --records "$records" --out "$log" \
        --labels "$dir/labels-$records.csv" --train "$dir/train.csv"
fi
[ -f "$log.gz" ] || gzip -k -1 "$log"
"$bin" baseline --csv "$dir/train.csv" --label-column label --out "$dir/baseline.json" >/dev/null

# One core, as the target says; report's exit code 1 (criteria failing) is expected here.
run() {
    local name="$1"
    shift
    taskset -c 0 /usr/bin/time -v "$bin" report "$@" >"$dir/out.txt" 2>"$dir/time.txt" || true
    local wall user sys rss
    wall=$(grep 'Elapsed (wall' "$dir/time.txt" | awk '{print $NF}')
    user=$(grep 'User time' "$dir/time.txt" | awk '{print $NF}')
    sys=$(grep 'System time' "$dir/time.txt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident' "$dir/time.txt" | awk '{print $NF}')
    printf '%-34s wall %8s  user %6ss  sys %6ss  peak RSS %6d MiB\n' "$name" "$wall" "$user" \
        "$sys" $((rss / 1024))
}

names=age,income,tenure,score,visits
echo "report on $records records ($(du -h "$log" | cut -f1)):"
run "text, no baseline" "$log"
run "json, no baseline" --format json "$log"
run "json, baseline + names" --format json --baseline "$dir/baseline.json" \
    --feature-names "$names" "$log"
run "json, baseline + labels" --format json --baseline "$dir/baseline.json" \
    --feature-names "$names" --labels "$dir/labels-$records.csv" "$log"
run "text, gzip input" "$log.gz"

echo "parsers (first 200,000 lines):"
g++ -O2 -std=c++20 -Iinclude bench/report/parse_bench.cpp build/release/libshadowproxy_core.a \
    -lsimdjson -lz -o "$dir/parse_bench"
taskset -c 0 "$dir/parse_bench" "$log"
