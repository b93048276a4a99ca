#!/usr/bin/env bash
# Instructions per request under callgrind: nginx as a plain proxy (one process: master_process
# off) and shadowproxy with one fast mirror, each sent the same exact number of sequential
# keep-alive POSTs; the TLS pair as run.sh has it (nginx-tls: an `ssl` listener proxying to
# production over TLS; shadowproxy-tls: TLS client, production and shadow), one handshake per
# upstream connection and one for the client, all in the warm-up. Counters are zeroed after a warm-up and dumped once the requests (and, for
# shadowproxy, their mirror copies) are done, so start-up and shutdown are not counted.
#
# Usage: bench/proxy/callgrind.sh [--requests N] [--warmup N]
#            [--rows nginx-proxy,nginx-mirror,shadowproxy,nginx-tls,shadowproxy-tls]
#                                 [--binary PATH] [--out DIR]
# Exit: 0 every row measured, 1 some row failed, 2 usage/setup.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

requests=2000
warmup=200
rows=nginx-proxy,shadowproxy
binary=$repo_dir/build/release/shadowproxy
out=""
while [ $# -gt 0 ]; do
    case $1 in
        --requests) requests=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --rows) rows=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) die "unknown argument '$1'" ;;
    esac
done
[[ $requests =~ ^[1-9][0-9]*$ && $warmup =~ ^[0-9]+$ ]] ||
    die "--requests and --warmup take integers"
IFS=, read -r -a row_list <<<"$rows"
for row in "${row_list[@]}"; do
    [[ $row =~ ^(nginx-proxy|nginx-mirror|shadowproxy|nginx-tls|shadowproxy-tls)$ ]] || die "unknown row '$row'"
done
bench_start callgrind-
port_free "$proxy_port"
port_free "$admin_port"
start_upstream production "$prod_port" "$prod_tls_port"
start_upstream shadow-fast "$fast_port" "$fast_tls_port"
shadow_count="stub:http://127.0.0.1:$fast_port/__status"
results=$out/callgrind.jsonl
: >"$results"

# shadow_received: requests the fast shadow has received so far.
shadow_received() {
    python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import benchlib; print(benchlib.shadow_count(sys.argv[2]))' \
        "$bench_dir" "$shadow_count"
}

# measure_row ROW: one proxy under callgrind; appends {row, requests, ir, ir_per_request}.
measure_row() {
    local row=$1 dir=$bench_tmp/$1 pid problem="" before=0 expected i dump tls=()
    [[ $row == *-tls ]] && tls=(--tls)
    local valgrind=(valgrind --tool=callgrind --trace-children=yes
        --callgrind-out-file="$dir/callgrind.out.%p")
    mkdir -p "$dir"
    case $row in
        nginx-*)
            local shadow_port="" keepalive=yes
            [ "$row" = nginx-mirror ] && shadow_port=$fast_port
            [ "$row" = nginx-tls ] && keepalive=tls
            nginx_proxy_conf "$dir" 1 "$shadow_port" "$keepalive" "master_process off;"
            start_bg "$row" "$proxy_cpus" "${valgrind[@]}" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
            pid=$started_pid
            problem=$("${benchlib[@]}" wait-port "$proxy_port" --timeout 60 2>&1) || true
            ;;
        shadowproxy*)
            if [ "$row" = shadowproxy-tls ]; then
                shadowproxy_yaml "$dir" 1 "$fast_tls_port" 256 5000 tls
            else
                shadowproxy_yaml "$dir" 1 "$fast_port" 256 5000
            fi
            if [ ! -x "$binary" ]; then
                problem="no shadowproxy binary at $binary (build it: scripts/build.sh release)"
            else
                start_bg "$row" "$proxy_cpus" "${valgrind[@]}" "$binary" serve --config "$dir/shadowproxy.yaml"
                pid=$started_pid
                problem=$("${benchlib[@]}" wait-http "http://127.0.0.1:$admin_port/healthz" \
                    --timeout 60 --pid "$pid" --what "shadowproxy serve (under callgrind)" 2>&1) || true
            fi
            ;;
    esac
    [ -n "$problem" ] || problem=$("${benchlib[@]}" probe "127.0.0.1:$proxy_port" --timeout 30 --what "$row" "${tls[@]}" 2>&1) || true
    if [ -z "$problem" ] && [ "$warmup" -gt 0 ]; then
        problem=$(timeout 300 "${benchlib[@]}" post "127.0.0.1:$proxy_port" "$warmup" "${tls[@]}" 2>&1 >/dev/null) || true
    fi
    if [ -z "$problem" ]; then
        [[ $row == nginx-proxy || $row == nginx-tls ]] || before=$(shadow_received)
        timeout 30 callgrind_control --zero "$pid" >"$dir/zero.txt" 2>&1 ||
            problem="callgrind_control --zero $pid failed: $(tail -2 "$dir/zero.txt" | tr '\n' ' ')"
    fi
    if [ -z "$problem" ]; then
        log "$row: $requests requests under callgrind"
        problem=$(timeout 600 "${benchlib[@]}" post "127.0.0.1:$proxy_port" "$requests" "${tls[@]}" 2>&1 >/dev/null) || true
    fi
    if [ -z "$problem" ] && [[ $row != nginx-proxy && $row != nginx-tls ]]; then
        # The mirror copies run after the client got its answer: count them in before dumping.
        expected=$((before + requests))
        for ((i = 0; i < 300; i++)); do
            [ "$(shadow_received)" -ge "$expected" ] && break
            sleep 0.1
        done
        [ "$(shadow_received)" -ge "$expected" ] ||
            log "warning: $row: the shadow got $(($(shadow_received) - before)) of $requests copies within 30 s"
    fi
    if [ -z "$problem" ]; then
        timeout 60 callgrind_control --dump "$pid" >"$dir/dump.txt" 2>&1 ||
            problem="callgrind_control --dump $pid failed: $(tail -2 "$dir/dump.txt" | tr '\n' ' ')"
    fi
    if [ -z "$problem" ]; then
        # --dump writes callgrind.out.PID.1 (the counts since --zero); the final one comes at exit.
        dump=$dir/callgrind.out.$pid.1
        [ -f "$dump" ] || problem="no callgrind dump $dump"
        # Kept for callgrind_annotate.
        [ -z "$problem" ] && cp "$dump" "$out/callgrind.out.$row"
    fi
    [ -n "$pid" ] && stop_pid "$pid"
    python3 - "$results" "$row" "$requests" "${problem#benchlib: }" "${dump:-}" <<'PY'
import json, re, sys
results, row, requests, problem, dump = sys.argv[1:]
record = {"row": row, "requests": int(requests), "ok": False}
if problem:
    record["error"] = problem
else:
    text = open(dump).read()
    match = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
    if match:
        record.update(ok=True, ir=int(match.group(1)), ir_per_request=int(match.group(1)) / int(requests))
    else:
        record["error"] = f"no totals line in {dump}"
open(results, "a").write(json.dumps(record) + "\n")
PY
    bench_keep+=("$dir/zero.txt" "$dir/dump.txt")
}

status=0
for row in "${row_list[@]}"; do
    measure_row "$row"
done
echo
echo "callgrind, $requests sequential keep-alive POSTs after $warmup warm-up, 1 worker ($(date -Is))"
echo
python3 - "$results" <<'PY' || status=1
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
bases = {b: next((r["ir_per_request"] for r in records if r["ok"] and r["row"] == b), None)
         for b in ("nginx-proxy", "nginx-tls")}
print("| row | requests | instructions | instructions/request | ÷ nginx-proxy | ÷ nginx-tls |")
print("|---|---:|---:|---:|---:|---:|")
for r in records:
    if not r["ok"]:
        print(f"| {r['row']} | FAILED: {r['error'][:200]} | | | | |")
        continue
    ratios = " | ".join(f"{r['ir_per_request'] / base:.2f}" if base else "-" for base in bases.values())
    print(f"| {r['row']} | {r['requests']} | {r['ir']} | {r['ir_per_request']:.0f} | {ratios} |")
sys.exit(0 if all(r["ok"] for r in records) else 1)
PY
log "raw results: $results"
exit "$status"
