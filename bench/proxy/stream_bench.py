#!/usr/bin/env python3
"""Helpers of bench/proxy/stream.sh (stdlib only, 127.0.0.1 only, every wait bounded).

  sse-upstream --port P [--events 10] [--gap-ms 200]
      An HTTP/1.1 upstream answering every request with a chunked text/event-stream: one event
      every --gap-ms, the first one --gap-ms after the request. Keep-alive honoured.
  sse-measure --direct PORT --proxy PORT [--streams 5] [--events 10]
      Opens a stream straight to the upstream and one through the proxy at the same moment,
      notes when each event arrives on each, and prints JSON with the per-event lateness of the
      proxied stream (proxy arrival - direct arrival, ms) over all streams.
  big-post --port P --requests N --concurrency C [--bytes 1048576]
      N POSTs of --bytes to /predict over C keep-alive connections; JSON with the status counts.
"""
import argparse
import asyncio
import json
import statistics
import sys
import time


async def read_head(reader):
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    return head


async def sse_serve(reader, writer, events, gap):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            await writer.drain()
            for i in range(events):
                await asyncio.sleep(gap)
                data = f"data: event-{i}\n\n".encode()
                writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def sse_upstream(args):
    server = await asyncio.start_server(
        lambda r, w: sse_serve(r, w, args.events, args.gap_ms / 1000), "127.0.0.1", args.port)
    async with server:
        await server.serve_forever()


async def one_stream(port, events):
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    writer.write(b"GET /v1/stream HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
    await writer.drain()
    arrivals, seen, received = [], 0, b""
    deadline = time.monotonic() + 60
    while seen < events and time.monotonic() < deadline:
        chunk = await asyncio.wait_for(reader.read(65536), 30)
        if not chunk:
            break
        received += chunk
        now = time.monotonic()
        while seen < events and f"data: event-{seen}\n\n".encode() in received:
            arrivals.append(now)
            seen += 1
    writer.close()
    return arrivals


async def sse_measure(args):
    late = []
    for _ in range(args.streams):
        direct, proxied = await asyncio.gather(one_stream(args.direct, args.events),
                                               one_stream(args.proxy, args.events))
        if len(direct) != args.events or len(proxied) != args.events:
            print(json.dumps({"error": f"events seen: direct {len(direct)}, proxy {len(proxied)}"}))
            return 1
        late += [(p - d) * 1000 for p, d in zip(proxied, direct)]
    late.sort()
    print(json.dumps({"streams": args.streams, "events": len(late),
                      "late_ms": {"p50": round(statistics.median(late), 2),
                                  "p95": round(late[int(0.95 * (len(late) - 1))], 2),
                                  "max": round(late[-1], 2)}}))
    return 0


async def big_post_worker(port, body, todo, statuses):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (b"POST /predict HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    while todo:
        todo.pop()
        writer.write(head + body)
        await writer.drain()
        response_head = await read_head(reader)
        status = int(response_head.split(b" ")[1])
        length = 0
        for line in response_head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await asyncio.wait_for(reader.readexactly(length), 30)
        statuses[status] = statuses.get(status, 0) + 1
    writer.close()


async def big_post(args):
    body = b'{"features":"' + b"x" * (args.bytes - 15) + b'"}'
    todo = list(range(args.requests))
    statuses = {}
    started = time.monotonic()
    await asyncio.gather(*(big_post_worker(args.port, body, todo, statuses)
                           for _ in range(args.concurrency)))
    print(json.dumps({"requests": args.requests, "seconds": round(time.monotonic() - started, 2),
                      "statuses": {str(k): v for k, v in sorted(statuses.items())}}))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sse-upstream")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--events", type=int, default=10)
    p.add_argument("--gap-ms", type=int, default=200)
    p = sub.add_parser("sse-measure")
    p.add_argument("--direct", type=int, required=True)
    p.add_argument("--proxy", type=int, required=True)
    p.add_argument("--streams", type=int, default=5)
    p.add_argument("--events", type=int, default=10)
    p = sub.add_parser("big-post")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--bytes", type=int, default=1048576)
    args = parser.parse_args()
    command = {"sse-upstream": sse_upstream, "sse-measure": sse_measure, "big-post": big_post}
    return asyncio.run(command[args.command](args)) or 0


if __name__ == "__main__":
    sys.exit(main())
