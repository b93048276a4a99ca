#!/usr/bin/env bash
# Memory bound with a full mirror queue: the shadow accepts and reads but never answers, so
# shadowproxy's max_in_flight exchanges hang, its queue (queue_capacity 10000) fills and further
# copies are dropped. Reports peak RSS (VmHWM) against the 64 MiB target and the drop counters.
#
# Usage: bench/proxy/memory.sh [--duration S] [--max-in-flight N] [--binary PATH] [--out DIR]
# Exit: 0 peak RSS < 64 MiB, 1 above it or the proxy failed, 2 usage/setup.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

duration=10
max_in_flight=256
limit_mib=64
binary=$repo_dir/build/release/shadowproxy
out=""
while [ $# -gt 0 ]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --max-in-flight) max_in_flight=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h | --help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) die "unknown argument '$1'" ;;
    esac
done
[[ $duration =~ ^[1-9][0-9]*$ && $max_in_flight =~ ^[1-9][0-9]*$ ]] ||
    die "--duration and --max-in-flight take positive integers"
bench_start memory-
port_free "$proxy_port"
port_free "$admin_port"

start_upstream production "$prod_port"
start_fake_shadow shadow-hang "$slow_port" --hang
# A shadow timeout far beyond the run keeps every in-flight exchange (and the queue) full.
shadowproxy_yaml "$bench_tmp/shadowproxy" 1 "$slow_port" "$max_in_flight" 600000
if ! start_shadowproxy shadowproxy "$proxy_cpus" "$binary" "$bench_tmp/shadowproxy"; then
    log "error: $start_problem"
    exit 1
fi
pid=$started_pid
"${benchlib[@]}" probe "127.0.0.1:$proxy_port" --what shadowproxy || exit 1
idle=$("${benchlib[@]}" proc "$pid")

log "wrk -t1 -c64 -d${duration}s through shadowproxy; the shadow never answers"
timeout $((duration + 30)) taskset -c "$load_cpus" wrk -t1 -c64 -d"${duration}s" --latency \
    -s "$bench_dir/post.lua" "http://127.0.0.1:$proxy_port/predict" >"$out/logs/wrk.txt" 2>&1 ||
    die "wrk failed: $(tail -3 "$out/logs/wrk.txt")"
loaded=$("${benchlib[@]}" proc "$pid")
metrics=$("${benchlib[@]}" metrics "http://127.0.0.1:$admin_port/metrics" \
    mirror_queue_depth,mirror_eligible_total,mirror_sent_total,mirror_dropped_total) || exit 1
received=$(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
    "http://127.0.0.1:$slow_port/__count")

python3 - "$out" "$limit_mib" "$max_in_flight" "$idle" "$loaded" "$metrics" "$received" \
    "$out/logs/wrk.txt" <<'PY'
import json, sys
out, limit, in_flight, idle, loaded, metrics, received, wrk_log = sys.argv[1:]
idle, loaded, metrics = json.loads(idle), json.loads(loaded), json.loads(metrics)
requests = next((json.loads(l[11:])["requests"] for l in open(wrk_log) if l.startswith("BENCH_JSON ")), None)
peak_mib = loaded["hwm_kb"] / 1024
result = {"peak_rss_mib": round(peak_mib, 1), "idle_rss_mib": round(idle["hwm_kb"] / 1024, 1),
          "limit_mib": int(limit), "max_in_flight": int(in_flight), "queue_capacity": 10000,
          "wrk_requests": requests, "shadow_received": int(received), "metrics": metrics,
          "passed": peak_mib < int(limit)}
json.dump(result, open(f"{out}/memory.json", "w"), indent=2)
print(f"requests through the proxy: {requests}")
print(f"shadow received (never answered): {received} (max_in_flight {in_flight})")
for name, value in metrics.items():
    print(f"  {name} {value:g}")
depth = sum(v for k, v in metrics.items() if k.startswith("shadowproxy_mirror_queue_depth"))
dropped = sum(v for k, v in metrics.items() if k.startswith("shadowproxy_mirror_dropped_total"))
if depth < 10000 and dropped == 0:
    print(f"note: the queue never filled (depth {depth:g}, nothing dropped): use a longer --duration")
print(f"peak RSS (VmHWM): {peak_mib:.1f} MiB (idle {idle['hwm_kb'] / 1024:.1f} MiB), "
      f"target < {limit} MiB: {'PASS' if result['passed'] else 'FAIL'}")
sys.exit(0 if result["passed"] else 1)
PY
