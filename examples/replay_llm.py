#!/usr/bin/env python3
"""Replays examples/data/llm_requests.jsonl (OpenAI-compatible chat and completion requests,
streamed and whole) through the proxy, with a progress bar. Streamed answers are read to the
end, event by event, as a client would. Standard library only.

  examples/replay_llm.py --url http://127.0.0.1:18180 [--limit 60] [--concurrency 4]

Exit code: 0 when every request got a 200 answer, 1 when some failed, 2 on bad usage.
"""

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "llm_requests.jsonl"


def load(path, limit):
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the proxy, e.g. http://127.0.0.1:18180")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    parts = urllib.parse.urlsplit(args.url)
    rows = load(args.data, args.limit)
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "failed": 0, "events": 0}
    started = time.monotonic()

    def progress():
        done = state["done"]
        width = 40
        filled = width * done // max(1, len(rows))
        rate = done / max(1e-9, time.monotonic() - started)
        sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{len(rows)} "
                         f"{rate:.0f} req/s, {state['events']} SSE events, "
                         f"{state['failed']} failed")
        sys.stdout.flush()

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=args.timeout)
        while True:
            with lock:
                if state["next"] >= len(rows):
                    break
                row = rows[state["next"]]
                state["next"] += 1
            events = 0
            ok = False
            try:
                conn.request("POST", row["path"], body=json.dumps(row["body"]),
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                if row["body"].get("stream"):
                    for line in response:
                        events += line.startswith(b"data:")
                else:
                    response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                                  timeout=args.timeout)
            with lock:
                state["done"] += 1
                state["failed"] += 0 if ok else 1
                state["events"] += events
                progress()
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(max(1, args.concurrency))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    progress()
    print()
    return 0 if state["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
