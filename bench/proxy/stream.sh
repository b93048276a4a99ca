#!/usr/bin/env bash
# Streaming and big bodies. Row shadowproxy-stream: an SSE upstream (ten events 200 ms apart,
# chunked) read straight and through shadowproxy at the same moment; prints how late each event
# reaches the client through the proxy (p50/p95/max ms). Row shadowproxy-bigbody: 1 MiB POSTs
# through shadowproxy whose shadow accepts and never answers (stalled); prints the statuses,
# the mirror counters and the proxy's peak RSS (VmHWM).
#
# Usage: bench/proxy/stream.sh [--rows shadowproxy-stream,shadowproxy-bigbody] [--streams 5]
#                              [--requests 1000] [--binary PATH] [--out DIR]
# Exit: 0 every row measured, 1 a row failed, 2 usage/setup.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

all_rows=shadowproxy-stream,shadowproxy-bigbody
rows=$all_rows
streams=5
requests=1000
binary=$repo_dir/build/release/shadowproxy
out=""
while [ $# -gt 0 ]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --streams) streams=$2; shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h | --help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) die "unknown argument '$1'" ;;
    esac
done
[[ $streams =~ ^[1-9][0-9]*$ && $requests =~ ^[1-9][0-9]*$ ]] ||
    die "--streams and --requests take positive integers"
bench_start stream-
helper=(python3 "$bench_dir/stream_bench.py")
status=0

row_stream() {
    port_free "$prod_port"
    start_bg sse-upstream "$load_cpus" "${helper[@]}" sse-upstream --port "$prod_port"
    local upstream=$started_pid
    "${benchlib[@]}" wait-port "$prod_port" --timeout 10 >/dev/null || die "SSE upstream did not listen"
    shadowproxy_yaml "$bench_tmp/stream" 1 "" 256 5000
    if ! start_shadowproxy shadowproxy-stream "$proxy_cpus" "$binary" "$bench_tmp/stream"; then
        log "shadowproxy-stream FAILED: $start_problem"
        status=1
    else
        local pid=$started_pid
        log "shadowproxy-stream: $streams streams of 10 events, direct and proxied side by side"
        if "${helper[@]}" sse-measure --direct "$prod_port" --proxy "$proxy_port" \
            --streams "$streams" >"$out/stream.json"; then
            echo "shadowproxy-stream: $(cat "$out/stream.json")"
        else
            log "shadowproxy-stream FAILED: $(cat "$out/stream.json")"
            status=1
        fi
        stop_pid "$pid"
    fi
    stop_pid "$upstream"
}

row_bigbody() {
    start_upstream production "$prod_port"
    start_fake_shadow shadow-hang "$slow_port" --hang
    shadowproxy_yaml "$bench_tmp/bigbody" 1 "$slow_port" 256 600000
    if ! start_shadowproxy shadowproxy-bigbody "$proxy_cpus" "$binary" "$bench_tmp/bigbody"; then
        log "shadowproxy-bigbody FAILED: $start_problem"
        status=1
        return
    fi
    local pid=$started_pid
    log "shadowproxy-bigbody: $requests POSTs of 1 MiB over 64 connections, the shadow stalled"
    if ! taskset -c "$load_cpus" "${helper[@]}" big-post --port "$proxy_port" \
        --requests "$requests" --concurrency 64 >"$out/bigbody-client.json"; then
        log "shadowproxy-bigbody FAILED: $(tail -3 "$out/bigbody-client.json")"
        status=1
    fi
    "${benchlib[@]}" proc "$pid" >"$out/bigbody-proc.json"
    "${benchlib[@]}" metrics "http://127.0.0.1:$admin_port/metrics" \
        mirror_eligible_total,mirror_sent_total,mirror_dropped_total,mirror_queue_depth \
        >"$out/bigbody-metrics.json" || true
    python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
client = json.load(open(f"{out}/bigbody-client.json"))
proc = json.load(open(f"{out}/bigbody-proc.json"))
try:
    metrics = json.load(open(f"{out}/bigbody-metrics.json"))
except ValueError:
    metrics = {}
result = {"client": client, "peak_rss_mib": round(proc["hwm_kb"] / 1024, 1), "metrics": metrics}
json.dump(result, open(f"{out}/bigbody.json", "w"), indent=2)
print(f"shadowproxy-bigbody: statuses {client['statuses']} in {client['seconds']} s, "
      f"peak RSS {result['peak_rss_mib']} MiB")
for name, value in metrics.items():
    print(f"  {name} {value:g}")
PY
    stop_pid "$pid"
}

IFS=, read -r -a row_list <<<"$rows"
for row in "${row_list[@]}"; do
    case $row in
        shadowproxy-stream) row_stream ;;
        shadowproxy-bigbody) row_bigbody ;;
        *) die "unknown row '$row' (rows: $all_rows)" ;;
    esac
done
log "results in $out"
exit "$status"
