#!/usr/bin/env bash
# Soak test: wrk load through the proxy for a long time while the shadow flaps between up, slow,
# stalled and down (bench/soak/upstreams.py), with a mix of small and 1 MiB request bodies and
# some streamed (chunked) answers, then a summary: requests, client errors, proxy RSS sampled
# every minute, and the mirror bookkeeping (records + drops = eligible).
#
# Usage: bench/soak/run.sh [-d SECONDS] [-c CONNECTIONS] [-p FLAP_PERIOD_SECONDS]
#   -d  load duration (default 600)    -c  wrk connections (default 16)
#   -p  shadow phase length (default 20)
# Needs build/release/shadowproxy (scripts/build.sh release), wrk and python3. Ports are free
# ones on 127.0.0.1 picked at start. Processes it starts are stopped by PID on exit.
set -euo pipefail

duration=600
connections=16
period=20
while getopts "d:c:p:" opt; do
    case "$opt" in
        d) duration=$OPTARG ;;
        c) connections=$OPTARG ;;
        p) period=$OPTARG ;;
        *) sed -n '6,8p' "$0" >&2; exit 2 ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
binary=${SHADOWPROXY_BINARY:-$repo/build/release/shadowproxy}
free_ports() {  # N distinct ports nothing listens on (bound to port 0, then released)
    python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
read -r prod_port shadow_port proxy_port admin_port <<<"$(free_ports 4)"
[ -x "$binary" ] || { echo "no $binary: run scripts/build.sh release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shadowproxy-soak.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
wait_http() {  # URL: up to 10 s
    for _ in $(seq 100); do
        curl -fs -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "not answering: $1" >&2
    return 1
}
metric_sum() {  # NAME_PREFIX: sum of every sample whose name+labels start with it
    curl -fs "http://127.0.0.1:$admin_port/metrics" |
        awk -v p="$1" 'index($0, p) == 1 { s += $NF } END { printf "%d\n", s }'
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

python3 "$here/upstreams.py" production "$prod_port" &
pids+=($!)
python3 "$here/upstreams.py" shadow "$shadow_port" --period "$period" >"$tmp/shadow.log" &
pids+=($!)

cat >"$tmp/config.yaml" <<YAML
listen: {address: 127.0.0.1, port: $proxy_port}
admin: {address: 127.0.0.1, port: $admin_port}
threads: 1
production: {name: model-v1, url: "http://127.0.0.1:$prod_port", timeout_ms: 5000}
shadows:
  - {name: model-v2, url: "http://127.0.0.1:$shadow_port", timeout_ms: 1000,
     connect_timeout_ms: 200, max_in_flight: 32}
mirror: {queue_capacity: 1000}
log: {path: "$tmp/comparisons.jsonl", max_file_bytes: 52428800, max_files: 100, level: warn}
limits: {max_connections: 1000}
YAML
# One request in 50 carries a 1 MiB body (exactly mirror.max_body_bytes, so it is mirrored), one
# in 10 asks for a streamed answer; the rest are small predictions.
cat >"$tmp/post.lua" <<'LUA'
local headers = {["Content-Type"] = "application/json"}
local small = '{"features":[1,2,3]}'
local big = '{"features":[1,2,3],"pad":"' .. string.rep("x", 1048576 - 29) .. '"}'
local small_request, big_request, stream_request
local n = 0
init = function()
    small_request = wrk.format("POST", "/predict", headers, small)
    big_request = wrk.format("POST", "/predict", headers, big)
    stream_request = wrk.format("POST", "/stream", headers, small)
end
request = function()
    n = n + 1
    if n % 50 == 0 then return big_request end
    if n % 10 == 0 then return stream_request end
    return small_request
end
LUA

"$binary" serve --config "$tmp/config.yaml" 2>"$tmp/proxy.err" &
proxy_pid=$!
pids+=("$proxy_pid")
wait_http "http://127.0.0.1:$admin_port/readyz"
wait_http "http://127.0.0.1:$prod_port/"
rss_start=$(rss_kib "$proxy_pid")
log "soak: ${duration}s, $connections connections, shadow flapping every ${period}s"
(  # RSS once a minute, to see whether it is flat after warm-up
    while kill -0 "$proxy_pid" 2>/dev/null; do
        sleep 60
        echo "$(date +%H:%M:%S) $(rss_kib "$proxy_pid" 2>/dev/null)" >>"$tmp/rss.txt"
    done
) &
pids+=($!)

wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$tmp/post.lua" \
    "http://127.0.0.1:$proxy_port/predict" >"$tmp/wrk.txt" 2>&1 || true
rss_end=$(rss_kib "$proxy_pid")
if ! kill -0 "$proxy_pid" 2>/dev/null; then
    echo "the proxy died during the run; its stderr:" >&2
    tail -20 "$tmp/proxy.err" >&2
    exit 1
fi

# Let the mirror settle: queued and in-flight copies finish within the shadow's timeout.
eligible=$(metric_sum 'shadowproxy_mirror_eligible_total{')
for _ in $(seq 50); do
    [ "$(metric_sum 'shadowproxy_mirror_queue_depth{')" -eq 0 ] && break
    sleep 0.2
done
sleep 1.5
sent=$(metric_sum 'shadowproxy_mirror_sent_total{')
comparisons=$(metric_sum 'shadowproxy_comparisons_total{')
queue_full=$(metric_sum 'shadowproxy_mirror_dropped_total{shadow="model-v2",reason="queue_full"}')
too_large=$(metric_sum 'shadowproxy_mirror_dropped_total{shadow="model-v2",reason="body_too_large"}')
budget=$(metric_sum 'shadowproxy_mirror_dropped_total{shadow="model-v2",reason="memory_budget"}')
ejected=$(metric_sum 'shadowproxy_mirror_dropped_total{shadow="model-v2",reason="shadow_ejected"}')
peak_kib=$(awk '/^VmHWM/ { print $2 }' "/proc/$proxy_pid/status")
log_dropped=$(metric_sum 'shadowproxy_log_records_dropped_total')
kill -TERM "$proxy_pid"
wait "$proxy_pid" || echo "proxy exit code $?" >&2
records=$(cat "$tmp"/comparisons*.jsonl | wc -l)

requests=$(awk '/requests in/ { print $1 }' "$tmp/wrk.txt")
non2xx=$(awk '/Non-2xx/ { print $NF }' "$tmp/wrk.txt")
socket_errors=$(awk -F'[ ,]+' '/Socket errors/ { print $4 + $6 + $8 + $10 }' "$tmp/wrk.txt")
count_values() {  # FIELD: "value count; ..." over every record
    grep -oh "\"$1\":\"[a-z_]*\"" "$tmp"/comparisons*.jsonl | cut -d'"' -f4 | sort | uniq -c |
        awk '{ printf "%s %s; ", $2, $1 }'
}
outcomes=$(count_values outcome)
errors=$(count_values error)

echo "== soak summary (${duration}s, shadow up/slow/stalled/down every ${period}s)"
grep -E 'Requests/sec|Latency  |99%' "$tmp/wrk.txt" || true
echo "requests:            ${requests:-0}"
echo "client errors:       non-2xx ${non2xx:-0}, socket ${socket_errors:-0}"
echo "proxy RSS:           start ${rss_start} KiB, end ${rss_end} KiB, peak ${peak_kib} KiB"
echo "RSS each minute:     $(awk '{ printf "%s ", $2 }' "$tmp/rss.txt" 2>/dev/null) (KiB)"
echo "eligible:            $eligible"
echo "sent:                $sent"
echo "dropped (queue_full, body_too_large, memory_budget, shadow_ejected): $queue_full, $too_large, $budget, $ejected"
echo "comparisons:         $comparisons"
echo "records in log:      $records (log drops $log_dropped)"
echo "outcomes:            $outcomes"
echo "shadow errors:       $errors"
balance=$((records + log_dropped + queue_full + too_large + budget + ejected))
if [ "$balance" -eq "$eligible" ]; then
    echo "check: records + log drops + mirror drops = eligible ($balance): OK"
else
    echo "check: records + log drops + mirror drops = $balance, eligible = $eligible: MISMATCH"
    exit 1
fi
