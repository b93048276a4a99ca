#!/usr/bin/env bash
# Times text_similarity / token_f1 on ~100 KB answers for several compare.openai.max_similarity_chars
# bounds (bench/llm/similarity_bench.cpp). Usage: bench/llm/run.sh   (needs build/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${BENCH_DIR:-/tmp/shadowproxy-llm-bench}"
mkdir -p "$dir"
[ -f build/release/libshadowproxy_core.a ] || { echo "build first: scripts/build.sh release" >&2; exit 2; }
g++ -O2 -std=c++20 -Iinclude bench/llm/similarity_bench.cpp build/release/libshadowproxy_core.a \
    -o "$dir/similarity_bench"
taskset -c 0 "$dir/similarity_bench"
