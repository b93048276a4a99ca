#!/usr/bin/env bash
# The LLM shadow demo (scripts/demo.sh --llm): examples/llm_server v1 in production, v2 as its
# shadow, a second v1 as the noise reference; a bundled set of chat and completion requests
# (streamed and whole, greedy and sampled, some with a tool) replayed through the proxy, then the
# LLM report and its promotion checklist.
#
# Usage: scripts/demo.sh --llm [--short] [--keep-running]
#   --short         replay 60 requests (CI, well under a minute) instead of 300
# Exit code: 0 when the run worked and the report's numbers show what v2 was built to show (some
# exact matches, shorter answers, tool-call disagreements, a noise floor below 1); 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/ui.sh

rows=300
token_delay=10
keep_running=false
for arg in "$@"; do
    case "$arg" in
        --llm) ;;
        --short) rows=60; token_delay=2 ;;
        --keep-running) keep_running=true ;;
        *) echo "demo.sh --llm: unknown option '$arg' (--short, --keep-running)" >&2; exit 2 ;;
    esac
done

config=config/demo-llm.yaml
proxy=build/release/shadowproxy
llm_server=build/release/examples/llm_server
proxy_url=http://127.0.0.1:18180
admin_url=http://127.0.0.1:19902
log_dir=/tmp/shadowproxy-demo-llm  # must match log.path in config/demo-llm.yaml
log_file=$log_dir/comparisons.jsonl
report_file=$log_dir/report.txt
report_json=$log_dir/report.json

fail() { echo "demo.sh --llm: $*" >&2; exit 1; }

scripts/build.sh --target shadowproxy --target llm_server release
[ -x "$proxy" ] && [ -x "$llm_server" ] || fail "the build did not produce $proxy and $llm_server"

work=$(mktemp -d "${TMPDIR:-/tmp}/shadowproxy-demo-llm.XXXXXX")
. scripts/lib/processes.sh

ui_step "Checking $config"
"$proxy" check --config "$config"

ui_step "Starting llm v1 (:18181), v2 (:18182), the noise reference v1 (:18183), shadowproxy"
mkdir -p "$log_dir"
rm -f "$log_dir"/comparisons*.jsonl "$report_file" "$report_json"
start llm-v1 "$llm_server" --version v1 --port 18181 --token-delay-ms "$token_delay"
wait_healthy llm-v1 http://127.0.0.1:18181/healthz "${pids[-1]}"
start llm-v2 "$llm_server" --version v2 --port 18182 --token-delay-ms "$token_delay"
wait_healthy llm-v2 http://127.0.0.1:18182/healthz "${pids[-1]}"
start llm-v1-noise "$llm_server" --version v1 --port 18183 --token-delay-ms "$token_delay"
wait_healthy llm-v1-noise http://127.0.0.1:18183/healthz "${pids[-1]}"
start shadowproxy "$proxy" serve --config "$config"
proxy_pid=${pids[-1]}
wait_healthy shadowproxy "$admin_url/healthz" "$proxy_pid"

ui_step "Replaying $rows requests of examples/data/llm_requests.jsonl through the proxy"
python3 examples/replay_llm.py --url "$proxy_url" --limit "$rows"

ui_step "Waiting for the comparison records in $log_file"
records=0
for _ in $(seq 300); do
    records=$(cat "$log_dir"/comparisons*.jsonl 2>/dev/null | grep -vc '"reference":"noise"' || true)
    [ "$records" -ge "$rows" ] && break
    sleep 0.1
done
echo "  $records candidate records"
[ "$records" -ge "$rows" ] || fail "expected $rows candidate records within 30 s, found $records"
# The noise reference's copies are sampled and may still be in flight: give them a moment.
sleep 1

ui_step "shadowproxy report --config $config $log_file"
status=0
"$proxy" report --config "$config" "$log_file" >"$report_file" || status=$?
cat "$report_file"
[ "$status" -le 1 ] || fail "report failed with exit code $status"
json_status=0
"$proxy" report --config "$config" --format json "$log_file" >"$report_json" || json_status=$?
[ "$json_status" -le 1 ] || fail "report --format json failed with exit code $json_status"

ui_step "Checking the numbers against what llm_server v2 was built to show"
python3 - "$report_json" "$rows" <<'PY'
import json
import sys

report = json.load(open(sys.argv[1]))
rows = int(sys.argv[2])
shadow = next(s for s in report["shadows"] if s["name"] == "llm-v2")
llm = shadow["llm"]
noise = report.get("noise_reference", {}).get("llm", {})
checks = [
    ("records compared", llm["compared"], rows, rows),
    ("mean text similarity", llm["text_similarity"]["mean"], 0.05, 0.99),
    ("length ratio p50 (v2 answers shorter)", llm["length_ratio"]["p50"], 0.3, 0.95),
    ("tool-call agreement (v2 has a bug)", llm["tool_call_agreement"], 0.3, 0.999),
    ("noise floor (sampled requests disagree)", noise.get("text_similarity", {}).get("mean"), 0.3, 0.999),
]
ok = True
for name, value, low, high in checks:
    passed = value is not None and low <= value <= high
    ok = ok and passed
    print(f"  {'ok  ' if passed else 'FAIL'} {name} = {value} (expected {low}..{high})")
gap = shadow.get("noise", {}).get("gap")
print(f"  gap to the noise floor: {gap}")
sys.exit(0 if ok else 1)
PY

ui_step "Done"
echo "  Report: $report_file (JSON: $report_json)"
if $keep_running; then
    echo "  Dashboard: $admin_url/   (metrics: $admin_url/metrics, stats: $admin_url/stats)"
    echo "  Serving on $proxy_url until Ctrl-C."
    wait "$proxy_pid" || true
fi
