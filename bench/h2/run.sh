#!/usr/bin/env bash
# HTTP/2 throughput with h2load (Debian package nghttp2-client): the same small JSON POST as
# bench/proxy/run.sh, over HTTP/2 with prior knowledge (h2c), 16 connections with 4 streams each
# (64 requests in flight, as wrk's 64 connections there). Rows:
#   direct              h2load straight to the production nginx's h2c port
#   nginx-h2            nginx `listen … http2` proxying to production over HTTP/1.1 (nginx 1.22
#                       proxies to HTTP/1.1 upstreams only), no mirror
#   shadowproxy-h2      shadowproxy's h2c listener, production and a fast shadow over HTTP/1.1
#   shadowproxy-h2-h2c  the same with production and the shadow over h2c (protocol: h2c)
#   shadowproxy-grpc    unary gRPC calls (one length-prefixed message each, te: trailers) to an
#                       h2c production answering with a grpc-status trailer, mirrored to an h2c
#                       shadow
# The proxy under test is pinned to CPU 0, h2load and the upstreams to CPU 1; repeats are
# interleaved and medians reported (bench/proxy/benchlib.py). h2load prints no percentiles: the
# table's p50/p99 stay empty and the mean time per request is printed after it.
#
# Usage: bench/h2/run.sh [--duration S] [--repeats N] [--rows a,b,c] [--binary PATH] [--out DIR]
# Exit: 0 every run measured, 1 some row failed (the others are still reported), 2 usage/setup.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../proxy/lib.sh"

all_rows=direct,nginx-h2,shadowproxy-h2,shadowproxy-h2-h2c,shadowproxy-grpc
duration=10
repeats=3
rows=$all_rows
binary=$repo_dir/build/release/shadowproxy
out=""

usage() { sed -n '2,18s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --repeats) repeats=$2; shift 2 ;;
        --rows) rows=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ $duration =~ ^[1-9][0-9]*$ && $repeats =~ ^[1-9][0-9]*$ ]] ||
    die "--duration and --repeats take positive integers"
IFS=, read -r -a row_list <<<"$rows"
for row in "${row_list[@]}"; do
    [[ ,$all_rows, == *,$row,* ]] || die "unknown row '$row' (rows: $all_rows)"
done
command -v h2load >/dev/null || die "h2load is missing (Debian package nghttp2-client)"
bench_start h2-

results=$out/results.jsonl
: >"$results"
json_body=$bench_tmp/body.json
printf '%s' '{"features":[0.5,1.25,3.0,42],"request":"bench"}' >"$json_body"
# One gRPC message: flag 0, a 4-byte big-endian length, then the payload.
grpc_body=$bench_tmp/body.grpc
python3 -c 'import struct,sys; p=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(b"\0"+struct.pack(">I",len(p))+p)' \
    "$json_body" "$grpc_body"

log "upstreams: production :$prod_port (h2c :$prod_h2_port), fast shadow :$fast_port" \
    "(h2c :$fast_h2_port); proxy CPUs $proxy_cpus, load CPUs $load_cpus"
start_upstream production "$prod_port" "" "$prod_h2_port"
start_upstream shadow-fast "$fast_port" "" "$fast_h2_port"
port_free "$proxy_port"
port_free "$admin_port"

# nginx_h2_conf DIR: nginx with an http2 listener on $proxy_port, proxying to production.
nginx_h2_conf() {
    nginx_conf "$1" 1 "$(
        cat <<BLOCK
    upstream production { server 127.0.0.1:$prod_port; keepalive 64; keepalive_requests 1000000; }
    server {
        listen 127.0.0.1:$proxy_port http2 backlog=4096;
        location / {
            proxy_pass http://production;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
BLOCK
    )"
}

run_row() {
    local row=$1 repeat=$2 dir=$bench_tmp/$1-$2 target=$proxy_port pid="" problem=""
    local measure_args=() load_args=(-d "$json_body" -H "content-type: application/json")
    local path=/predict
    if [ "$row" != direct ]; then
        if ! "${benchlib[@]}" wait-port "$proxy_port" --bindable --timeout 90 ||
            ! "${benchlib[@]}" wait-port "$admin_port" --bindable --timeout 90; then
            die "ports $proxy_port/$admin_port stay busy; set BENCH_PORT_BASE to another range"
        fi
    fi
    case $row in
        direct) target=$prod_h2_port ;;
        nginx-h2)
            nginx_h2_conf "$dir"
            start_nginx "$row-$repeat" "$proxy_cpus"
            pid=$started_pid
            problem=$("${benchlib[@]}" wait-port "$proxy_port" --timeout 10 2>&1) ||
                problem="nginx did not listen: $problem (see $dir/error.log)"
            ;;
        shadowproxy-*)
            if [ "$row" = shadowproxy-h2 ]; then
                shadowproxy_yaml "$dir" 1 "$fast_port" 256 5000
            else
                shadowproxy_yaml "$dir" 1 "$fast_h2_port" 256 5000 h2c
            fi
            start_shadowproxy "$row-$repeat" "$proxy_cpus" "$binary" "$dir" || problem=$start_problem
            pid=$started_pid
            measure_args+=(--metrics "http://127.0.0.1:$admin_port/metrics"
                --shadow "stub:http://127.0.0.1:$fast_port/__status")
            ;;
    esac
    if [ "$row" = shadowproxy-grpc ]; then
        path=/bench.Model/Predict
        load_args=(-d "$grpc_body" -H "content-type: application/grpc" -H "te: trailers")
    fi
    if [ -n "$problem" ]; then
        "${benchlib[@]}" record-failure --row "$row" --repeat "$repeat" --results "$results" \
            --error "$problem"
    else
        [ -n "$pid" ] && measure_args+=(--pid "$pid")
        "${benchlib[@]}" measure --row "$row" --repeat "$repeat" --duration "$duration" \
            --results "$results" --wrk-log "$out/logs/h2load-$row-$repeat.txt" \
            "${measure_args[@]}" -- \
            taskset -c "$load_cpus" h2load -t1 -c16 -m4 -D "$duration" "${load_args[@]}" \
            "http://127.0.0.1:$target$path" || true
    fi
    stop_row_proxy "$pid" "$dir"
}

status=0
run_rows_and_summarize "h2load -t1 -c16 -m4 -D ${duration}, proxy workers: 1" \
    "$(h2load --version 2>&1 | head -1)" || status=1
python3 -c 'import json,sys
rows = json.load(open(sys.argv[1]))["rows"]
print("mean time per request (ms): " + ", ".join(
    "%s %.2f" % (name, row["mean_ms"]) for name, row in rows.items() if "mean_ms" in row))' \
    "$out/summary.json"
exit "$status"
