#!/usr/bin/env python3
"""Streams an unterminated chunk line (`1;` then `a` without end) at the proxy and prints the
proxy's peak VmRSS, how many bytes it took before closing, and its answer.

usage: bench/hostile/chunk_line_rss.py [--binary build/release/shadowproxy] [--mib 1024]"""
import argparse
import socket
import threading
import time

from common import Proxy, rss_kib, start_upstream


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="build/release/shadowproxy")
    parser.add_argument("--mib", type=int, default=1024, help="bytes of the line to stream")
    args = parser.parse_args()
    upstream = start_upstream()
    proxy = Proxy(args.binary, upstream.server_address[1])
    pid = proxy.process.pid
    peak = [rss_kib(pid)]
    baseline = peak[0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    client = socket.create_connection(("127.0.0.1", proxy.port))
    client.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;")
    piece = b"a" * (1 << 20)
    sent = 0
    started = time.time()
    try:
        for _ in range(args.mib):
            client.sendall(piece)
            sent += len(piece)
    except OSError as e:
        stopped = f"send stopped: {e.strerror}"
    else:
        stopped = "all sent"
    client.settimeout(5)
    answer = b""
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            answer += data
    except OSError:
        pass
    elapsed = time.time() - started
    done.set()
    sampler.join()
    peak[0] = max(peak[0], rss_kib(pid))
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(no answer)"
    print(f"binary {args.binary}")
    print(f"streamed {sent / (1 << 20):.0f} MiB of {args.mib} MiB in {elapsed:.1f} s ({stopped})")
    print(f"answer: {status}")
    print(f"VmRSS baseline {baseline / 1024:.1f} MiB, peak {peak[0] / 1024:.1f} MiB")
    proxy.stop()
    upstream.shutdown()


if __name__ == "__main__":
    main()
