#!/usr/bin/env python3
"""Helpers for the proxy benchmarks (run.sh, memory.sh, callgrind.sh): waits, probes, process
accounting from /proc, shadow-side counters, one measured wrk run, and the summary table.

Every wait here is bounded; failures print one sentence to stderr and exit 1.
"""
import argparse
import http.client
import json
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
PROBE_BODY = b'{"features":[0.5,1.25,3.0,42],"request":"probe"}'


def fail(message):
    print(f"benchlib: {message}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- /proc accounting

def read_stat(pid):
    """(ppid, utime+stime ticks) of one process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name may contain spaces and parentheses
    return int(fields[1]), int(fields[11]) + int(fields[12])


def running(pid):
    """True while the process exists and is not a zombie (our dead child not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return False
    return text[text.rindex(")") + 2] != "Z"


def process_tree(root):
    """The root pid and all its descendants (nginx master + workers, or the one proxy process)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read_stat(int(entry))
            if stat:
                children.setdefault(stat[0], []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        if read_stat(pid):
            tree.append(pid)
            todo.extend(children.get(pid, []))
    return tree


def vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_snapshot(root):
    pids = process_tree(root)
    ticks = {pid: (read_stat(pid) or (0, 0))[1] for pid in pids}
    return {"pids": pids, "ticks": ticks, "hwm_kb": max((vm_hwm_kb(p) for p in pids), default=0)}


# ---------------------------------------------------------------- HTTP helpers

def http_get(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode(errors="replace")


def shadow_count(spec):
    """Requests a shadow received so far. spec: stub:URL (nginx stub_status; the status request
    itself is not counted) or counter:URL (fake_shadow.py /__count)."""
    kind, _, url = spec.partition(":")
    _, text = http_get(url)
    if kind == "stub":
        # "Active connections: 1\nserver accepts handled requests\n 5 5 9\n..."
        return int(text.splitlines()[2].split()[2]) - 1
    return int(text.strip())


def parse_metrics(text):
    """Prometheus text → {(name, frozenset(labels)): value}."""
    samples = {}
    pattern = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
    for line in text.splitlines():
        match = pattern.match(line)
        if not match or line.startswith("#"):
            continue
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        try:
            samples[(match.group(1), labels)] = float(match.group(4))
        except ValueError:
            pass
    return samples


def metric_sum(samples, name, **labels):
    wanted = set(labels.items())
    return sum(v for (n, l), v in samples.items() if n == name and wanted <= set(l))


def mirror_metrics(url, shadow):
    _, text = http_get(url)
    samples = parse_metrics(text)
    return {key: metric_sum(samples, f"shadowproxy_mirror_{key}_total", shadow=shadow)
            for key in ("eligible", "sent", "dropped")}


# ---------------------------------------------------------------- wrk output

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def parse_h2load(text):
    """h2load's summary: requests, req/s, failures and non-2xx answers, and the mean time per
    request (h2load prints no percentiles, so p50/p99 stay unknown)."""
    result = {}
    if m := re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text):
        result["rps"] = float(m.group(1))
    if m := re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, "
                      r"(\d+) failed, (\d+) errored, (\d+) timeout", text):
        done, succeeded, failed, errored, timeout = map(int, m.groups())
        result["requests"] = done
        result["errors"] = failed + errored + timeout
    if m := re.search(r"status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text):
        result["errors"] = result.get("errors", 0) + sum(map(int, m.groups()))
    if m := re.search(r"time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", text):
        result["mean_ms"] = float(m.group(1)) * UNITS[m.group(2)]
    if "requests" not in result or "rps" not in result:
        raise ValueError("no request count in h2load output")
    return result


def parse_wrk(text):
    """Prefers post.lua's BENCH_JSON line; falls back to wrk's --latency text; h2load's output
    (bench/h2/run.sh) is recognised by its summary line."""
    if re.search(r"^finished in .* req/s", text, re.M):
        return parse_h2load(text)
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON "):])
            return {"requests": data["requests"],
                    "rps": data["requests"] / (data["duration_us"] / 1e6),
                    "p50_ms": data["latency_us"]["p50"] / 1e3,
                    "p99_ms": data["latency_us"]["p99"] / 1e3,
                    "errors": sum(data["errors"].values()),
                    "error_detail": data["errors"]}
    result = {}
    if m := re.search(r"(\d+) requests in", text):
        result["requests"] = int(m.group(1))
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        result["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        if m := re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
            result[key] = float(m.group(1)) * UNITS[m.group(2)]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        errors += int(m.group(1))
    result["errors"] = errors
    if "requests" not in result or "rps" not in result:
        raise ValueError("no request count in wrk output")
    return result


# ---------------------------------------------------------------- commands

def cmd_wait_http(args):
    deadline = time.monotonic() + args.timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if args.pid and not running(args.pid):
            fail(f"{args.what} (pid {args.pid}) exited before {args.url} answered ({last})")
        try:
            status, _ = http_get(args.url, timeout=1.0)
            if status == 200:
                return
            last = f"status {status}"
        except Exception as error:  # connection refused, reset, timeout: keep polling
            last = str(getattr(error, "reason", error))
        time.sleep(0.1)
    fail(f"{args.what} did not answer 200 on {args.url} within {args.timeout:g} s ({last})")


def cmd_probe(args):
    """One POST through the proxy must come back 200, or the run would measure an error path."""
    host, port = args.hostport.rsplit(":", 1)
    scheme = "https" if args.tls else "http"
    try:
        if args.tls:  # the bench's own certificate: only the path is probed, not the trust
            connection = http.client.HTTPSConnection(
                host, int(port), timeout=args.timeout, context=ssl._create_unverified_context())
        else:
            connection = http.client.HTTPConnection(host, int(port), timeout=args.timeout)
        connection.request("POST", "/predict", PROBE_BODY, {"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
    except Exception as error:
        fail(f"{args.what}: POST {scheme}://{args.hostport}/predict failed: {error}")
    if response.status != 200:
        fail(f"{args.what}: POST {scheme}://{args.hostport}/predict answered {response.status}: "
             f"{body[:200]!r}")


def bindable(port):
    """Whether a server could listen on the port now (with SO_REUSEADDR, as nginx and Asio do).
    Sockets a crashed server left in FIN_WAIT keep it busy for up to tcp_fin_timeout."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def cmd_wait_port(args):
    """Waits until the port is open, closed (--closed) or free to listen on (--bindable)."""
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if args.bindable:
            if bindable(args.port):
                return
        else:
            with socket.socket() as sock:
                sock.settimeout(0.5)
                is_open = sock.connect_ex(("127.0.0.1", args.port)) == 0
            if is_open != args.closed:
                return
        time.sleep(0.1)
    state = "busy" if args.bindable else "open" if args.closed else "closed"
    fail(f"port 127.0.0.1:{args.port} still {state} after {args.timeout:g} s")


def settle(count, cap_s):
    """Polls a growing counter until it stops moving for 0.5 s (mirror copies still in flight
    when wrk stops), at most cap_s."""
    deadline = time.monotonic() + cap_s
    value = count()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        latest = count()
        if latest == value:
            break
        value = latest
    return value


def cmd_measure(args):
    record = {"row": args.row, "repeat": args.repeat, "ok": False}
    try:
        before = proc_snapshot(args.pid) if args.pid else None
        shadow_before = shadow_count(args.shadow) if args.shadow else None
        metrics_before = mirror_metrics(args.metrics, args.shadow_name) if args.metrics else None
        try:
            run = subprocess.run(args.wrk, capture_output=True, text=True,
                                 timeout=args.duration + 30)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"wrk did not finish within {args.duration + 30} s")
        with open(args.wrk_log, "w") as log:
            log.write(run.stdout + run.stderr)
        if run.returncode != 0:
            raise RuntimeError(f"wrk exited {run.returncode}: {run.stderr.strip()[:300]}")
        record.update(parse_wrk(run.stdout))
        requests = max(record["requests"], 1)
        if args.shadow:
            received = settle(lambda: shadow_count(args.shadow), args.settle) - shadow_before
            record["shadow_received"] = received
            record["shadow_fraction"] = received / requests
        if args.metrics:
            if not args.shadow:  # nothing to count on the shadow side (dead): settle here
                settle(lambda: mirror_metrics(args.metrics, args.shadow_name)["sent"], args.settle)
            metrics_after = mirror_metrics(args.metrics, args.shadow_name)
            delta = {k: metrics_after[k] - metrics_before[k] for k in metrics_after}
            record["mirror_sent"] = delta["sent"]
            record["mirror_dropped"] = delta["dropped"]
            record["mirror_sent_fraction"] = delta["sent"] / requests
        if args.pid:
            if not running(args.pid):
                raise RuntimeError(f"the proxy (pid {args.pid}) exited during the run")
            now = proc_snapshot(args.pid)
            ticks = sum(now["ticks"].get(p, t) - t for p, t in before["ticks"].items())
            ticks += sum(t for p, t in now["ticks"].items() if p not in before["ticks"])
            record["cpu_us_per_req"] = ticks * 1e6 / CLK_TCK / requests
            record["cpu_s"] = ticks / CLK_TCK
            record["rss_peak_kb"] = max(now["hwm_kb"], before["hwm_kb"])
            record["processes"] = len(now["pids"])
        record["ok"] = True
    except Exception as error:  # one failed row must not stop the others
        record["error"] = str(error)
        if args.pid and not running(args.pid):
            record["error"] = f"the proxy (pid {args.pid}) exited during the run ({error})"
    with open(args.results, "a") as out:
        out.write(json.dumps(record) + "\n")
    print(one_line(record))
    return 0 if record["ok"] else 1


def cmd_record_failure(args):
    record = {"row": args.row, "repeat": args.repeat, "ok": False, "error": args.error}
    with open(args.results, "a") as out:
        out.write(json.dumps(record) + "\n")
    print(one_line(record))


def one_line(r):
    if not r["ok"]:
        return f"  {r['row']:<20} repeat {r['repeat']}: FAILED: {r.get('error')}"
    if "p50_ms" in r:
        latency = f"p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"
    else:
        latency = f"mean {r['mean_ms']:.2f} ms"
    text = (f"  {r['row']:<20} repeat {r['repeat']}: {r['rps']:>9.0f} req/s  "
            f"{latency}  errors {r['errors']}")
    if "cpu_us_per_req" in r:
        text += f"  cpu {r['cpu_us_per_req']:.1f} us/req  rss {r['rss_peak_kb'] / 1024:.1f} MiB"
    if "shadow_fraction" in r:
        text += f"  shadow got {r['shadow_fraction']:.3f}"
    if "mirror_sent_fraction" in r:
        text += f"  sent {r['mirror_sent_fraction']:.3f}"
    return text


FIELDS = ("rps", "p50_ms", "p99_ms", "mean_ms", "errors", "cpu_us_per_req", "rss_peak_kb",
          "shadow_fraction", "mirror_sent_fraction", "mirror_dropped", "requests")


def cmd_summarize(args):
    records = [json.loads(line) for line in open(args.results) if line.strip()]
    order = [r for r in args.rows.split(",") if r] or sorted({r["row"] for r in records})
    summary = {}
    for row in order:
        runs = [r for r in records if r["row"] == row]
        good = [r for r in runs if r["ok"]]
        entry = {"runs": len(runs), "ok_runs": len(good),
                 "errors_seen": sorted({r["error"] for r in runs if not r["ok"]})}
        for field in FIELDS:
            values = [r[field] for r in good if r.get(field) is not None]
            if values:
                entry[field] = statistics.median(values)
        summary[row] = entry

    def ratio(row, base):
        a, b = summary[row].get("rps"), summary.get(base, {}).get("rps")
        return f"{a / b:.2f}" if a and b else "-"

    def num(value, fmt):
        return "-" if value is None else format(value, fmt)

    lines = ["| row | req/s | ÷ nginx-mirror | ÷ direct | p50 ms | p99 ms | errors | "
             "CPU µs/req | peak RSS MiB | shadow got | mirror sent |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in order:
        s = summary[row]
        if not s["ok_runs"]:
            lines.append(f"| {row} | FAILED: {'; '.join(s['errors_seen'])[:160]} "
                         "| | | | | | | | | |")
            continue
        rss = s.get("rss_peak_kb")
        lines.append(
            f"| {row} | {s['rps']:.0f} | {ratio(row, 'nginx-mirror')} | {ratio(row, 'direct')} "
            f"| {num(s.get('p50_ms'), '.2f')} | {num(s.get('p99_ms'), '.2f')} | {s['errors']:.0f} "
            f"| {num(s.get('cpu_us_per_req'), '.1f')} | {num(rss and rss / 1024, '.1f')} "
            f"| {num(s.get('shadow_fraction'), '.3f')} | {num(s.get('mirror_sent_fraction'), '.3f')} |")
    meta = json.loads(args.meta or "{}")
    if meta.get("rate", "closed-loop") != "closed-loop" and summary.get("direct", {}).get("ok_runs"):
        lines += ["", f"Added over `direct` at {meta['rate']} req/s (open loop, medians):", "",
                  "| row | p50 added ms | p99 added ms |", "|---|---:|---:|"]
        base = summary["direct"]
        for row in order:
            s = summary[row]
            if row != "direct" and s["ok_runs"]:
                lines.append(f"| {row} | {s['p50_ms'] - base['p50_ms']:.2f} "
                             f"| {s['p99_ms'] - base['p99_ms']:.2f} |")
    table = "\n".join(lines)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"meta": meta, "rows": summary}, f, indent=2)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(table + "\n")
    print(table)
    return 0 if all(s["ok_runs"] == s["runs"] for s in summary.values()) else 1


def cmd_post(args):
    """Exactly N sequential keep-alive POSTs (for callgrind, where wrk's time-based runs would
    make instruction counts incomparable). Fails on any non-200."""
    host, port = args.hostport.rsplit(":", 1)
    if args.tls:  # the bench's own certificate: one handshake, then keep-alive
        connection = http.client.HTTPSConnection(
            host, int(port), timeout=args.timeout, context=ssl._create_unverified_context())
    else:
        connection = http.client.HTTPConnection(host, int(port), timeout=args.timeout)
    started = time.monotonic()
    for i in range(args.count):
        connection.request("POST", "/predict", PROBE_BODY, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            fail(f"request {i + 1} of {args.count} answered {response.status}")
    print(f"{args.count} requests in {time.monotonic() - started:.1f} s")


def cmd_proc(args):
    snapshot = proc_snapshot(args.pid)
    print(json.dumps({"pids": snapshot["pids"], "hwm_kb": snapshot["hwm_kb"],
                      "cpu_s": sum(snapshot["ticks"].values()) / CLK_TCK}))


def cmd_descendants(args):
    print("\n".join(str(pid) for pid in process_tree(args.pid)[1:]))


def cmd_metrics(args):
    try:
        _, text = http_get(args.url)
    except Exception as error:
        fail(f"GET {args.url} failed: {error}")
    samples = parse_metrics(text)
    names = args.names.split(",")
    out = {}
    for (name, labels), value in sorted(samples.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]))):
        if any(name == n or name == f"shadowproxy_{n}" for n in names):
            label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels))
            out[f"{name}{{{label_text}}}" if label_text else name] = value
    print(json.dumps(out, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("wait-http", help="poll URL until 200")
    p.add_argument("url"), p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--pid", type=int), p.add_argument("--what", default="server")
    p.set_defaults(func=cmd_wait_http)

    p = sub.add_parser("wait-port", help="poll until a port is open (or closed)")
    p.add_argument("port", type=int), p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--closed", action="store_true")
    p.add_argument("--bindable", action="store_true")
    p.set_defaults(func=cmd_wait_port)

    p = sub.add_parser("probe", help="one POST /predict must answer 200")
    p.add_argument("hostport"), p.add_argument("--timeout", type=float, default=5)
    p.add_argument("--what", default="proxy")
    p.add_argument("--tls", action="store_true", help="HTTPS (certificate not verified)")
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser("measure", help="one wrk run with process and shadow accounting")
    p.add_argument("--row", required=True), p.add_argument("--repeat", type=int, required=True)
    p.add_argument("--pid", type=int, help="proxy process (its descendants are included)")
    p.add_argument("--shadow", help="stub:URL or counter:URL")
    p.add_argument("--metrics", help="shadowproxy /metrics URL")
    p.add_argument("--shadow-name", default="shadow")
    p.add_argument("--duration", type=int, required=True)
    p.add_argument("--settle", type=float, default=5.0)
    p.add_argument("--results", required=True), p.add_argument("--wrk-log", required=True)
    p.add_argument("wrk", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_measure)

    p = sub.add_parser("record-failure", help="append a failed run")
    p.add_argument("--row", required=True), p.add_argument("--repeat", type=int, required=True)
    p.add_argument("--results", required=True), p.add_argument("--error", required=True)
    p.set_defaults(func=cmd_record_failure)

    p = sub.add_parser("summarize", help="medians per row, markdown table, summary.json")
    p.add_argument("results"), p.add_argument("--out", required=True)
    p.add_argument("--rows", default=""), p.add_argument("--meta")
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("post", help="exactly N sequential keep-alive POSTs")
    p.add_argument("hostport"), p.add_argument("count", type=int)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--tls", action="store_true", help="HTTPS (certificate not verified)")
    p.set_defaults(func=cmd_post)

    p = sub.add_parser("proc", help="pids, peak RSS and CPU of a process tree")
    p.add_argument("pid", type=int)
    p.set_defaults(func=cmd_proc)

    p = sub.add_parser("descendants", help="pids below a process, one a line")
    p.add_argument("pid", type=int)
    p.set_defaults(func=cmd_descendants)

    p = sub.add_parser("metrics", help="selected samples from a Prometheus endpoint")
    p.add_argument("url"), p.add_argument("names")
    p.set_defaults(func=cmd_metrics)

    args = parser.parse_args()
    if getattr(args, "wrk", None) and args.wrk[0] == "--":
        args.wrk = args.wrk[1:]
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
