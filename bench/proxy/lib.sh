# shellcheck shell=bash disable=SC2034  # the variables here are used by the scripts sourcing this
# Shared by run.sh, memory.sh, stream.sh, callgrind.sh and ../h2/run.sh (sourced, not run): a private temp dir, processes
# started in the background and tracked by PID, nginx configs, bounded waits.
#
# Every process started through start_bg is stopped by PID when the script exits (trap), and
# nginx workers are found as the master's children and stopped by PID too; nothing is killed by
# name. Ports are on 127.0.0.1, from BENCH_PORT_BASE (default 47300) upwards.

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$bench_dir/../.." && pwd)
benchlib=(python3 "$bench_dir/benchlib.py")
port_base=${BENCH_PORT_BASE:-47300}
prod_port=$((port_base + 1))   # nginx, the production model stand-in
fast_port=$((port_base + 2))   # nginx, the fast shadow
slow_port=$((port_base + 3))   # fake_shadow.py: 200 ms answers, or never (memory.sh)
dead_port=$((port_base + 4))   # nothing listens
prod_tls_port=$((port_base + 5)) # the production nginx again, TLS
fast_tls_port=$((port_base + 6)) # the fast shadow nginx again, TLS
prod_h2_port=$((port_base + 7))  # the production nginx again, HTTP/2 with prior knowledge (h2c)
fast_h2_port=$((port_base + 8))  # the fast shadow nginx again, h2c
proxy_port=$((port_base + 10)) # the proxy under test
admin_port=$((port_base + 11)) # shadowproxy's admin listener
bench_pids=()
bench_tmp=""
bench_keep=()   # files copied to $bench_logs_to on exit (configs, process logs)
bench_logs_to=""
bench_certs=""  # bench_init: a CA (ca.crt) and a certificate for localhost/127.0.0.1 it signed

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# The common start of every script: `out` becomes an absolute results folder (default
# bench/results/<prefix><date>, with logs/ in it), `binary` an absolute path, the bench packages
# are installed and bench_init runs with the logs kept in `out`.
bench_start() {
    out=${out:-$repo_dir/bench/results/$1$(date +%Y%m%d-%H%M%S)}
    mkdir -p "$out/logs"
    out=$(cd "$out" && pwd)
    [[ $binary = /* ]] || binary=$PWD/$binary
    "$repo_dir/scripts/install-deps.sh" bench
    bench_init
    bench_logs_to=$out
}

bench_init() {
    bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/shadowproxy-bench.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    make_bench_certs "$bench_tmp/certs"
    # Thousands of client, upstream and mirror connections: raise the descriptor limit.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    # Proxy on one CPU, load (wrk, upstreams) on another, when there are two.
    if [ "$(nproc)" -ge 2 ]; then
        proxy_cpus=${proxy_cpus:-0}
        load_cpus=${load_cpus:-1}
    else
        log "warning: one CPU only, nothing is pinned"
        proxy_cpus=${proxy_cpus:-0}
        load_cpus=${load_cpus:-0}
    fi
}

# make_bench_certs DIR: a CA and a server certificate (EC P-256, SAN localhost and 127.0.0.1,
# valid a day) for the TLS rows, made with the openssl CLI; sets $bench_certs.
make_bench_certs() {
    local dir=$1
    mkdir -p "$dir"
    {
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
            -subj /CN=bench-ca -keyout "$dir/ca.key" -out "$dir/ca.crt" &&
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
                -keyout "$dir/server.key" -out "$dir/server.csr" &&
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/san.ext" &&
            openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
                -CAcreateserial -days 1 -extfile "$dir/san.ext" -out "$dir/server.crt"
    } >"$dir/openssl.log" 2>&1 || die "openssl could not make the bench certificates: $(tail -3 "$dir/openssl.log")"
    bench_certs=$dir
}

# start_bg NAME CPUS COMMAND...: starts COMMAND pinned to CPUS, output to $bench_tmp/NAME.out;
# its pid is left in $started_pid.
start_bg() {
    local name=$1 cpus=$2
    shift 2
    taskset -c "$cpus" "$@" >"$bench_tmp/$name.out" 2>&1 &
    started_pid=$!
    bench_pids+=("$started_pid")
    bench_keep+=("$bench_tmp/$name.out")
}

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat:0:1}" != Z ]
}

# stop_pid PID: TERM, wait up to 5 s, then KILL; the pid's descendants (nginx workers) are
# collected first and stopped by PID as well if they outlive it.
stop_pid() {
    local pid=$1 child i
    local children=()
    alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    mapfile -t children < <("${benchlib[@]}" descendants "$pid" 2>/dev/null)
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    for child in "${children[@]}"; do
        [ -n "$child" ] && alive "$child" && kill -KILL "$child" 2>/dev/null
    done
    wait "$pid" 2>/dev/null || true
    local remaining=()
    for i in "${bench_pids[@]}"; do [ "$i" = "$pid" ] || remaining+=("$i"); done
    bench_pids=("${remaining[@]}")
}

bench_cleanup() {
    local status=$? i
    trap - EXIT
    for ((i = ${#bench_pids[@]} - 1; i >= 0; i--)); do
        stop_pid "${bench_pids[i]}"
    done
    if [ -n "$bench_logs_to" ] && [ -d "$bench_tmp" ]; then
        mkdir -p "$bench_logs_to/logs"
        for i in "${bench_keep[@]}"; do
            # $bench_tmp/row-1/error.log → logs/row-1-error.log
            # (the tail only: nginx logs one line per refused mirror connection)
            [ -f "$i" ] && tail -c 65536 "$i" >"$bench_logs_to/logs/$(echo "${i#"$bench_tmp"/}" | tr / -)"
        done
    fi
    [ -n "$bench_tmp" ] && rm -rf "$bench_tmp"
    exit "$status"
}

# port_free PORT: fails unless nothing listens there (a stale server would skew the numbers).
port_free() {
    "${benchlib[@]}" wait-port "$1" --closed --timeout 0.3 2>/dev/null ||
        die "127.0.0.1:$1 is in use; set BENCH_PORT_BASE to another range"
}

# nginx_conf DIR WORKERS SERVER_BLOCKS [MAIN_DIRECTIVES]: writes DIR/nginx.conf, everything
# (pid, logs, temp files) inside DIR; nginx stays in the foreground so its pid is ours.
nginx_conf() {
    local dir=$1 workers=$2 servers=$3 main=${4:-}
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
daemon off;
$main
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log error;
events { worker_connections 16384; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$servers
}
CONF
    bench_keep+=("$dir/nginx.conf" "$dir/error.log")
}

# nginx_proxy_conf DIR WORKERS SHADOW_PORT KEEPALIVE [MAIN_DIRECTIVES]: nginx as the proxy under
# test on $proxy_port: upstream keep-alive 64 and HTTP/1.1 to production; with a SHADOW_PORT,
# `mirror` to it (KEEPALIVE yes: the shadow connections are pooled the same way; no: a new
# connection per mirrored request, nginx's default). KEEPALIVE tls: no shadow, an `ssl`
# listener, and production over TLS (verified against the bench CA as localhost, sessions
# reused), as shadowproxy-tls does it.
nginx_proxy_conf() {
    local dir=$1 workers=$2 shadow_port=$3 keepalive=$4 main=${5:-}
    local mirror="" shadow_upstream="" shadow_pool="keepalive 64;"
    local shadow_http='proxy_http_version 1.1; proxy_set_header Connection "";'
    local listen_tls="" production_port=$prod_port scheme=http upstream_tls=""
    if [ "$keepalive" = tls ]; then
        listen_tls="ssl; ssl_certificate $bench_certs/server.crt; ssl_certificate_key $bench_certs/server.key"
        production_port=$prod_tls_port
        scheme=https
        upstream_tls="proxy_ssl_verify on; proxy_ssl_trusted_certificate $bench_certs/ca.crt;
            proxy_ssl_name localhost; proxy_ssl_server_name on; proxy_ssl_session_reuse on;"
    fi
    if [ "$keepalive" = no ]; then
        shadow_pool=""
        shadow_http=""
    fi
    if [ -n "$shadow_port" ]; then
        mirror="mirror /__mirror; mirror_request_body on;"
        shadow_upstream="upstream shadow { server 127.0.0.1:$shadow_port; $shadow_pool keepalive_requests 1000000; }"
    fi
    nginx_conf "$dir" "$workers" "$(
        cat <<BLOCK
    upstream production { server 127.0.0.1:$production_port; keepalive 64; keepalive_requests 1000000; }
    $shadow_upstream
    server {
        listen 127.0.0.1:$proxy_port backlog=4096 $listen_tls;
        location / {
            $mirror
            proxy_pass $scheme://production;
            $upstream_tls
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location = /__mirror {
            internal;
            proxy_pass http://shadow\$request_uri;
            $shadow_http
            proxy_set_header X-Shadow-Request true;
        }
    }
BLOCK
    )" "$main"
}

# start_nginx NAME CPUS: runs nginx in the foreground (master pid in $started_pid).
start_nginx() {
    local name=$1 cpus=$2 dir=$bench_tmp/$1
    start_bg "$name" "$cpus" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
}

# The model stand-in: a fixed JSON answer, and stub_status to count what arrived; with a second
# port, TLS there too (the bench certificate).
upstream_server_block() {
    local tls="" h2=""
    [ -n "${2:-}" ] && tls="listen 127.0.0.1:$2 ssl backlog=4096;
        ssl_certificate $bench_certs/server.crt; ssl_certificate_key $bench_certs/server.key;"
    [ -n "${3:-}" ] && h2="listen 127.0.0.1:$3 http2 backlog=4096;"
    cat <<BLOCK
    server {
        listen 127.0.0.1:$1 backlog=4096;
        $tls
        $h2
        client_max_body_size 16m;  # stream.sh's 1 MiB POSTs
        location / {
            default_type application/json;
            return 200 '{"prediction":1,"probability":0.9}';
        }
        # A unary gRPC method for bench/h2 (the answer is not a protobuf message: only the
        # proxying is measured); grpc-status goes out as a trailer.
        location /bench.Model/ {
            default_type application/grpc;
            add_trailer grpc-status 0 always;
            return 200 '{"prediction":1,"probability":0.9}';
        }
        location = /__status { stub_status; }
    }
BLOCK
}

# start_upstream NAME PORT [TLS_PORT [H2C_PORT]]: one nginx upstream on the load CPUs, waited
# for; with H2C_PORT it speaks HTTP/2 with prior knowledge there too.
start_upstream() {
    local name=$1 port=$2 tls_port=${3:-} h2_port=${4:-}
    port_free "$port"
    [ -z "$tls_port" ] || port_free "$tls_port"
    [ -z "$h2_port" ] || port_free "$h2_port"
    nginx_conf "$bench_tmp/$name" 1 "$(upstream_server_block "$port" "$tls_port" "$h2_port")"
    start_nginx "$name" "$load_cpus"
    "${benchlib[@]}" wait-http "http://127.0.0.1:$port/__status" --timeout 10 \
        --pid "$started_pid" --what "nginx upstream $name" || exit 2
}

# start_fake_shadow NAME PORT ARGS...: fake_shadow.py on the load CPUs, waited for.
start_fake_shadow() {
    local name=$1 port=$2
    shift 2
    port_free "$port"
    start_bg "$name" "$load_cpus" python3 "$bench_dir/fake_shadow.py" --port "$port" "$@"
    "${benchlib[@]}" wait-http "http://127.0.0.1:$port/__count" --timeout 10 \
        --pid "$started_pid" --what "fake shadow $name" || exit 2
}

# shadowproxy_yaml DIR THREADS SHADOW_PORT MAX_IN_FLIGHT SHADOW_TIMEOUT_MS [tls|h2c]: writes
# DIR/shadowproxy.yaml (docs/config.md) with one shadow named "shadow" and comparisons in DIR.
# With tls: a TLS listener, production at $prod_tls_port and the shadow at SHADOW_PORT over TLS,
# both verified against the bench CA as localhost. With h2c: production at $prod_h2_port and the
# shadow at SHADOW_PORT over HTTP/2 with prior knowledge (`protocol: h2c`). $compare_threads, when
# set, becomes mirror.compare_threads.
shadowproxy_yaml() {
    local dir=$1 threads=$2 shadow_port=$3 max_in_flight=$4 shadow_timeout_ms=$5 mode=${6:-}
    local scheme=http production_port=$prod_port listen_tls="" upstream_tls="" protocol=http1
    if [ "$mode" = tls ]; then
        scheme=https
        production_port=$prod_tls_port
        listen_tls=", tls: { cert_file: $bench_certs/server.crt, key_file: $bench_certs/server.key }"
        upstream_tls="tls: { ca_file: $bench_certs/ca.crt, server_name: localhost }"
    elif [ "$mode" = h2c ]; then
        production_port=$prod_h2_port
        protocol=h2c
    fi
    mkdir -p "$dir"
    cat >"$dir/shadowproxy.yaml" <<YAML
listen: { address: 127.0.0.1, port: $proxy_port$listen_tls }
admin: { address: 127.0.0.1, port: $admin_port }
threads: $threads
production:
  name: production
  url: $scheme://127.0.0.1:$production_port
  protocol: $protocol
  max_idle_connections: 64
  $upstream_tls
$(if [ -n "$shadow_port" ]; then printf '%s\n' "shadows:" "  - name: shadow" \
    "    url: $scheme://127.0.0.1:$shadow_port" "    protocol: $protocol" \
    "    timeout_ms: $shadow_timeout_ms" "    max_in_flight: $max_in_flight" \
    "    $upstream_tls"; fi)
mirror:
  queue_capacity: 10000
$([ -n "${compare_threads:-}" ] && echo "  compare_threads: $compare_threads")
log:
  path: $dir/comparisons.jsonl
  max_file_bytes: 67108864
  max_files: 1
  level: warn
YAML
    bench_keep+=("$dir/shadowproxy.yaml")
}

# start_shadowproxy NAME CPUS BINARY DIR: starts `BINARY serve --config DIR/shadowproxy.yaml`
# and waits for /healthz. On failure returns 1 with the reason (and the end of its output) in
# $start_problem. $started_pid is set when it was started. Not to be called in $(...): the pid
# must stay tracked by this shell.
start_shadowproxy() {
    local name=$1 cpus=$2 binary=$3 dir=$4
    started_pid=""
    start_problem=""
    if [ ! -x "$binary" ]; then
        start_problem="no shadowproxy binary at $binary (build it: scripts/build.sh release)"
        return 1
    fi
    start_bg "$name" "$cpus" "$binary" serve --config "$dir/shadowproxy.yaml"
    if ! start_problem=$("${benchlib[@]}" wait-http "http://127.0.0.1:$admin_port/healthz" \
        --timeout 10 --pid "$started_pid" --what "shadowproxy serve" 2>&1); then
        start_problem="${start_problem#benchlib: }; its output: $(tail -c 300 "$bench_tmp/$name.out" | tr '\n' ' ')"
        return 1
    fi
}

# run_rows_and_summarize TOOL_LINE TOOL_VERSION [META_KEY VALUE]...: calls the script's
# `run_row ROW REPEAT` for every row of $row_list, $repeats times interleaved, then prints the
# medians table (results in $results, summary.json and table.md in $out) under TOOL_LINE. The
# summary's meta records the run (date, CPUs, load, nginx, TOOL_VERSION, binary, commit) and the
# extra pairs. Returns 1 when some row failed.
run_rows_and_summarize() {
    local tool_line=$1 tool_version=$2 repeat row meta status=0
    shift 2
    log "$((${#row_list[@]} * repeats)) runs of ${duration}s: rows ${rows}; $repeats repeats," \
        "interleaved; results in $out"
    for ((repeat = 1; repeat <= repeats; repeat++)); do
        for row in "${row_list[@]}"; do
            run_row "$row" "$repeat"
        done
    done
    meta=$(python3 -c 'import json,sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' \
        date "$(date -Is)" duration_s "$duration" repeats "$repeats" \
        proxy_cpus "$proxy_cpus" load_cpus "$load_cpus" cpus "$(nproc)" \
        loadavg "$(cut -d' ' -f1-3 /proc/loadavg)" nginx "$(nginx -v 2>&1)" \
        tool "$tool_version" binary "$binary" \
        commit "$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$@")
    echo
    echo "$tool_line, medians of $repeats ($(date -Is))"
    echo
    "${benchlib[@]}" summarize "$results" --out "$out" --rows "$rows" --meta "$meta" || status=1
    echo
    log "raw results: $results, summary: $out/summary.json"
    return "$status"
}

# stop_row_proxy PID DIR: stops a row's proxy (if any), drops its comparison log and waits
# until its port is closed.
stop_row_proxy() {
    local pid=$1 dir=$2
    [ -n "$pid" ] && stop_pid "$pid"
    rm -f "$dir"/comparisons*.jsonl
    [ -z "$pid" ] || "${benchlib[@]}" wait-port "$proxy_port" --closed --timeout 10 >/dev/null ||
        die "port $proxy_port still open after stopping $row"
}

