#!/usr/bin/env bash
# Side-by-side throughput benchmark: nginx (plain proxy, mirror) against shadowproxy, with a
# fast, a slow (200 ms) and a dead (closed port) shadow, and the TLS pair: nginx-tls (an `ssl`
# listener proxying to production over TLS) and shadowproxy-tls (TLS client, TLS production and
# TLS shadow), wrk's connections kept alive so handshakes are amortised. Same wrk load for every row; the proxy
# under test is pinned to CPU 0, wrk and the upstreams to CPU 1. Repeats are interleaved and the
# medians are reported as a markdown table; raw results go to --out as JSON.
#
# A row named ROW@N runs with N workers (nginx worker_processes, shadowproxy threads) instead of
# --workers, so 1 and 2 workers can be compared in one run. --cpus PROXY/LOAD moves the proxy
# and the load (wrk, upstreams) to other CPU lists, e.g. 0-1/0-1 for everything on both cores;
# --load-nice N runs wrk at that nice level. --rate R replaces wrk's closed loop by
# bench/openloop (R requests per second on a fixed schedule over 64 connections, latency from
# each request's due time): the latency at a given load instead of the throughput. --rate P%
# first measures nginx-proxy's saturation with wrk (one run of --duration) and uses P% of it;
# open-loop runs also print the p50/p99 each row adds over `direct`. --compare-threads N sets
# shadowproxy's mirror.compare_threads (default: the config default, 0).
#
# Usage: bench/proxy/run.sh [--duration S] [--repeats N] [--workers N] [--rows a,b,c]
#                           [--cpus PROXY/LOAD] [--load-nice N] [--rate R] [--compare-threads N]
#                           [--binary PATH] [--out DIR]
# Exit: 0 every run measured, 1 some row failed (the others are still reported), 2 usage/setup.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

all_rows=direct,nginx-proxy,nginx-mirror,nginx-mirror-slow,nginx-mirror-dead,shadowproxy,shadowproxy-slow,shadowproxy-dead,nginx-tls,shadowproxy-tls
extra_rows=nginx-mirror-newconn,shadowproxy-noshadow   # nginx-mirror without shadow keep-alive;
                                                        # shadowproxy with no shadow configured
duration=10
repeats=3
workers=1
cpus=""
load_nice=0
rate=""
compare_threads=""
rows=$all_rows
binary=$repo_dir/build/release/shadowproxy
out=""

usage() { sed -n '2,22s/^# \{0,1\}//p' "$0"; echo "rows: $all_rows (extra: $extra_rows)"; }
while [ $# -gt 0 ]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --repeats) repeats=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --load-nice) load_nice=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --compare-threads) compare_threads=$2; shift 2 ;;
        --rows) rows=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ $duration =~ ^[1-9][0-9]*$ && $repeats =~ ^[1-9][0-9]*$ && $workers =~ ^[1-9][0-9]*$ ]] ||
    die "--duration, --repeats and --workers take positive integers"
[[ $load_nice =~ ^[0-9]+$ && ( -z $rate || $rate =~ ^[1-9][0-9]*%?$ ) ]] ||
    die "--load-nice takes an integer, --rate an integer or a percentage"
[[ -z $compare_threads || $compare_threads =~ ^[0-9]+$ ]] || die "--compare-threads takes an integer"
if [ -n "$cpus" ]; then
    [[ $cpus =~ ^[0-9,-]+/[0-9,-]+$ ]] || die "--cpus takes PROXY/LOAD CPU lists, e.g. 0/1 or 0-1/0-1"
    proxy_cpus=${cpus%/*}
    load_cpus=${cpus#*/}
fi
IFS=, read -r -a row_list <<<"$rows"
for row in "${row_list[@]}"; do
    [[ ,$all_rows,$extra_rows, == *,${row%@*},* && ( $row != *@* || ${row#*@} =~ ^[1-9][0-9]*$ ) ]] ||
        die "unknown row '$row' (rows: $all_rows,$extra_rows, each optionally @WORKERS)"
done
openloop=$repo_dir/build/release/bench/openloop/openloop
if [ -n "$rate" ] && [ ! -x "$openloop" ]; then
    die "--rate needs $openloop (scripts/build.sh release builds it)"
fi
bench_start ""

results=$out/results.jsonl
: >"$results"

log "upstreams: production :$prod_port, fast shadow :$fast_port, slow shadow :$slow_port," \
    "dead shadow :$dead_port (closed); proxy CPUs $proxy_cpus, load CPUs $load_cpus"
start_upstream production "$prod_port" "$prod_tls_port"
start_upstream shadow-fast "$fast_port" "$fast_tls_port"
start_fake_shadow shadow-slow "$slow_port" --delay-ms 200
port_free "$dead_port"
port_free "$proxy_port"
port_free "$admin_port"

# shadow_of ROW: which shadow a row mirrors to (none, fast, slow, dead).
shadow_of() {
    case $1 in
        direct | nginx-proxy | nginx-tls | shadowproxy-noshadow) echo none ;;
        *-slow) echo slow ;;
        *-dead) echo dead ;;
        *) echo fast ;;
    esac
}

shadow_port_of() {
    case $1 in
        fast) echo "$fast_port" ;;
        slow) echo "$slow_port" ;;
        dead) echo "$dead_port" ;;
        none) echo "" ;;
    esac
}

shadow_count_of() {
    case $1 in
        fast) echo "stub:http://127.0.0.1:$fast_port/__status" ;;
        slow) echo "counter:http://127.0.0.1:$slow_port/__count" ;;
    esac
}

# run_row ROW REPEAT: starts the row's proxy, checks one request gets through, measures, stops.
run_row() {
    local row=$1 repeat=$2 dir=$bench_tmp/$1-$2 shadow target=$proxy_port pid="" problem=""
    local measure_args=() scheme=http probe_args=() workers=$workers load=()
    if [[ $row == *@* ]]; then
        workers=${row#*@}
        dir=$bench_tmp/${row%@*}-$workers-$repeat
    fi
    local kind=${row%@*}
    shadow=$(shadow_of "$kind")
    if [[ $kind == *-tls ]]; then
        scheme=https
        probe_args=(--tls)
    fi
    if [ "$kind" != direct ]; then
        # A proxy that died mid-run can leave sockets that keep its ports busy for a minute.
        if ! "${benchlib[@]}" wait-port "$proxy_port" --bindable --timeout 90 ||
            ! "${benchlib[@]}" wait-port "$admin_port" --bindable --timeout 90; then
            die "ports $proxy_port/$admin_port stay busy; set BENCH_PORT_BASE to another range"
        fi
    fi
    case $kind in
        direct) target=$prod_port ;;
        nginx-*)
            local shadow_port="" keepalive=yes
            [ "$shadow" = none ] || shadow_port=$(shadow_port_of "$shadow")
            [ "$kind" = nginx-mirror-newconn ] && keepalive=no
            [ "$kind" = nginx-tls ] && keepalive=tls
            nginx_proxy_conf "$dir" "$workers" "$shadow_port" "$keepalive"
            start_nginx "${dir#"$bench_tmp"/}" "$proxy_cpus"
            pid=$started_pid
            problem=$("${benchlib[@]}" wait-port "$proxy_port" --timeout 10 2>&1) ||
                problem="nginx proxy did not listen: $problem (see $dir/error.log)"
            ;;
        shadowproxy-tls)
            shadowproxy_yaml "$dir" "$workers" "$fast_tls_port" 256 5000 tls
            start_shadowproxy "${dir#"$bench_tmp"/}" "$proxy_cpus" "$binary" "$dir" || problem=$start_problem
            pid=$started_pid
            measure_args+=(--metrics "http://127.0.0.1:$admin_port/metrics")
            ;;
        shadowproxy*)
            shadowproxy_yaml "$dir" "$workers" "$(shadow_port_of "$shadow")" 256 5000
            start_shadowproxy "${dir#"$bench_tmp"/}" "$proxy_cpus" "$binary" "$dir" || problem=$start_problem
            pid=$started_pid
            measure_args+=(--metrics "http://127.0.0.1:$admin_port/metrics")
            ;;
    esac
    if [ -z "$problem" ]; then
        problem=$("${benchlib[@]}" probe "127.0.0.1:$target" --what "$row" "${probe_args[@]}" 2>&1) || true
        problem=${problem#benchlib: }
    fi
    if [ -z "$problem" ]; then
        [ -n "$pid" ] && measure_args+=(--pid "$pid")
        local count
        count=$(shadow_count_of "$shadow")
        [ -n "$count" ] && measure_args+=(--shadow "$count")
        if [ -z "$rate" ]; then
            load=(wrk -t1 -c64 -d"${duration}s" --latency -s "$bench_dir/post.lua"
                "$scheme://127.0.0.1:$target/predict")
        elif [ "$scheme" = https ]; then
            problem="--rate: the open-loop generator speaks plain HTTP only"
        else
            load=("$openloop" --port "$target" --rate "$rate" --connections 64
                --duration "$duration" --warmup 0)
        fi
    fi
    if [ -n "$problem" ]; then
        "${benchlib[@]}" record-failure --row "$row" --repeat "$repeat" --results "$results" \
            --error "$problem"
    else
        "${benchlib[@]}" measure --row "$row" --repeat "$repeat" --duration "$duration" \
            --results "$results" --wrk-log "$out/logs/wrk-$row-$repeat.txt" "${measure_args[@]}" -- \
            taskset -c "$load_cpus" nice -n "$load_nice" "${load[@]}" || true
    fi
    stop_row_proxy "$pid" "$dir"
}

# --rate P%: P% of what nginx-proxy serves at saturation on this machine now.
if [[ $rate == *% ]]; then
    percent=${rate%\%}
    saved_rate=$rate
    rate=""
    run_row nginx-proxy 0
    rate=$(python3 -c 'import json,sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = [r["rps"] for r in runs if r["row"] == "nginx-proxy" and r["repeat"] == 0 and r["ok"]]
print(int(ok[0] * int(sys.argv[2]) / 100) if ok else "")' "$results" "$percent")
    [ -n "$rate" ] || die "nginx-proxy's saturation run failed (see $results)"
    log "nginx-proxy saturates at $((rate * 100 / percent)) req/s; open-loop rows at $saved_rate: $rate req/s"
    grep -v '"repeat": 0,' "$results" >"$results.tmp" || true
    mv "$results.tmp" "$results"
fi

status=0
tool_line="wrk -t1 -c64 -d${duration}s"
[ -n "$rate" ] && tool_line="openloop at $rate req/s over 64 connections for ${duration}s"
run_rows_and_summarize "$tool_line, proxy workers: $workers (ROW@N: N), proxy CPUs $proxy_cpus, load CPUs $load_cpus (nice $load_nice), compare threads: ${compare_threads:-default (0)}" \
    "$(wrk -v 2>&1 | head -1)" workers "$workers" rate "${rate:-closed-loop}" load_nice "$load_nice" \
    compare_threads "${compare_threads:-default}" || status=1
exit "$status"
