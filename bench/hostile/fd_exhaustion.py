#!/usr/bin/env python3
"""Starts the proxy with RLIMIT_NOFILE 1024 (ulimit -n 1024), opens 2,000 idle client
connections, and for a minute counts the proxy's `accept failed` log lines and its CPU time.
Then closes the clients beyond the first 900 and 100 of those, and times how long a new client
waits for its answer.

usage: bench/hostile/fd_exhaustion.py [--binary build/release/shadowproxy] [--seconds 60]"""
import argparse
import resource
import socket
import time
import urllib.request

from common import Proxy, start_upstream


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="build/release/shadowproxy")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=1024)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.clients + 500), hard))
    upstream = start_upstream()
    proxy = Proxy(args.binary, upstream.server_address[1], file_limit=args.limit)
    warnings = [line for line in proxy.stderr_lines() if "RLIMIT_NOFILE" in line]
    print(f"binary {args.binary}, RLIMIT_NOFILE {args.limit}, {args.clients} idle clients")
    print(f"start-up warning: {warnings[0] if warnings else '(none)'}")
    clients = []
    for _ in range(args.clients):
        clients.append(socket.create_connection(("127.0.0.1", proxy.port)))
    lines_before = len(proxy.stderr_lines())
    cpu_before = proxy.cpu_seconds()
    time.sleep(args.seconds)
    lines = [line for line in proxy.stderr_lines()[lines_before:] if "accept failed" in line]
    cpu = proxy.cpu_seconds() - cpu_before
    per_minute = len(lines) * 60 / args.seconds
    print(f"{len(lines)} 'accept failed' lines in {args.seconds} s ({per_minute:.0f}/min), "
          f"proxy CPU {cpu:.2f} s ({100 * cpu / args.seconds:.1f}% of a core)")
    if lines:
        print(f"  last: {lines[-1][:200]}")
    # Free slots: close every client the proxy could not have accepted, and 100 it holds.
    keep = clients[100:900]
    for c in clients[:100] + clients[900:]:
        c.close()
    started = time.time()
    try:
        answer = urllib.request.urlopen(f"http://127.0.0.1:{proxy.port}/after", timeout=30)
        result = f"{answer.status} after {time.time() - started:.2f} s"
    except OSError as e:
        result = f"failed after {time.time() - started:.2f} s: {e}"
    print(f"new client once slots freed: {result}")
    for reason in ("process_file_limit", "system_file_limit", "out_of_memory", "other"):
        value = proxy.metric(f'accept_errors_total{{reason="{reason}"}}')
        print(f"  accept_errors_total{{reason=\"{reason}\"}} {value}")
    for c in keep:
        c.close()
    proxy.stop()
    upstream.shutdown()


if __name__ == "__main__":
    main()
