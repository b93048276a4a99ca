# Background processes of the demos (scripts/demo.sh, scripts/lib/demo_llm.sh), sourced after
# `work` (a temporary directory for their output) and `fail` are defined:
#   start NAME COMMAND...      runs COMMAND in the background, output in $work/NAME.log; its PID
#                              is appended to pids, so ${pids[-1]} is the one just started
#   wait_healthy NAME URL PID  polls URL for up to 10 s while PID lives
# On exit every started process gets SIGTERM, then SIGKILL after 5 s, and $work is removed.
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        # Bounded: anything still alive after 5 s of SIGTERM is killed.
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND...: runs a command in the background, its output in $work/NAME.log; its
# PID is appended to pids, so ${pids[-1]} is the one just started.
start() {
    local name=$1
    shift
    "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
}

# wait_healthy NAME URL PID: polls URL for up to 10 s while PID lives.
wait_healthy() {
    local name=$1 url=$2 pid=$3
    for _ in $(seq 100); do
        if curl -fsS --max-time 1 "$url" >/dev/null 2>&1; then
            echo "  $name is healthy ($url)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "demo.sh: $name exited; its output:" >&2
            tail -n 20 "$work/$name.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    tail -n 20 "$work/$name.log" >&2
    fail "$name did not answer $url within 10 s"
}

