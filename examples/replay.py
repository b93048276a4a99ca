#!/usr/bin/env python3
"""Replays examples/data/requests.jsonl as POST /predict requests, with a progress bar.

Each row is sent with `X-Request-Id: <request_id>` so comparison records join the labels in
examples/data/labels.csv. Connections are kept alive (http.client), one per worker thread.
Standard library only.

  examples/replay.py --url http://127.0.0.1:18080/predict [--limit 300] [--concurrency 4]

Exit code: 0 when every request got an HTTP answer, 1 when some failed, 2 on bad usage.
"""

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "requests.jsonl"


def load_rows(path, limit):
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                rows.append((row["request_id"], json.dumps({"features": row["features"]})))
            if limit and len(rows) >= limit:
                break
    return rows


class replayer:
    def __init__(self, url, rows, timeout):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"expected an http:// URL, got {url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = parts.path or "/"
        self.rows, self.timeout = rows, timeout
        self.next_row, self.lock = 0, threading.Lock()
        self.statuses = Counter()
        self.failures = Counter()

    def take(self):
        with self.lock:
            if self.next_row >= len(self.rows):
                return None
            self.next_row += 1
            return self.rows[self.next_row - 1]

    def send(self, connection, request_id, body):
        headers = {"Content-Type": "application/json", "X-Request-Id": request_id}
        connection.request("POST", self.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status

    def worker(self):
        connection = None
        while (row := self.take()) is not None:
            # One retry on a fresh connection: a kept-alive connection may have been closed idle.
            for attempt in (1, 2):
                if connection is None:
                    connection = http.client.HTTPConnection(self.host, self.port,
                                                            timeout=self.timeout)
                try:
                    status = self.send(connection, *row)
                    with self.lock:
                        self.statuses[status] += 1
                    break
                except (OSError, http.client.HTTPException) as e:
                    connection.close()
                    connection = None
                    if attempt == 2:
                        with self.lock:
                            self.failures[type(e).__name__] += 1
        if connection is not None:
            connection.close()

    def done(self):
        with self.lock:
            return sum(self.statuses.values()) + sum(self.failures.values())


def progress(done, total, started, out):
    width = 40
    filled = width * done // total if total else width
    rate = done / max(time.monotonic() - started, 1e-9)
    out.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:7.0f} req/s")
    out.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="e.g. http://127.0.0.1:18080/predict")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="requests.jsonl to replay")
    parser.add_argument("--limit", type=int, default=0, help="replay only the first N rows")
    parser.add_argument("--concurrency", type=int, default=4, help="connections in parallel")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args()

    try:
        rows = load_rows(args.data, args.limit)
        run = replayer(args.url, rows, args.timeout)
    except (OSError, ValueError, KeyError) as e:
        print(f"replay: {e}", file=sys.stderr)
        return 2

    started = time.monotonic()
    threads = [threading.Thread(target=run.worker, daemon=True)
               for _ in range(max(1, args.concurrency))]
    for t in threads:
        t.start()
    show = sys.stderr.isatty()
    while any(t.is_alive() for t in threads):
        if show:
            progress(run.done(), len(rows), started, sys.stderr)
        time.sleep(0.1)
    progress(run.done(), len(rows), started, sys.stderr)
    sys.stderr.write("\n")

    elapsed = time.monotonic() - started
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(run.statuses.items()))
    print(f"replayed {len(rows)} requests in {elapsed:.2f} s; statuses {{{statuses}}}")
    if run.failures:
        failures = ", ".join(f"{kind}: {n}" for kind, n in sorted(run.failures.items()))
        print(f"failed without an answer: {failures}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
