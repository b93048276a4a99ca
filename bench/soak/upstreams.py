#!/usr/bin/env python3
"""Soak-test upstreams (stdlib only): a steady production model and a shadow that flaps.

  upstreams.py production PORT
  upstreams.py shadow PORT [--period SECONDS] [--slow-ms MS]

The shadow cycles up -> slow -> stalled -> down every PERIOD seconds (default 20): `up` answers
at once, `slow` answers after SLOW_MS (default 300), `stalled` reads requests and never answers
(until the phase ends), `down` stops listening (connection refused) and drops connections it
still holds without answering. Each phase change is printed with a timestamp.
Both answer {"prediction": N} with N from the request body's length, so production and shadow
mostly agree; requests to /stream are answered chunked, in a few chunks written apart, like a
streamed model answer. Stopped by SIGTERM/SIGINT.
"""
import argparse
import http.server
import json
import signal
import socketserver
import sys
import threading
import time

PHASES = ("up", "slow", "stalled", "down")
STREAM_CHUNKS = 5


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # head and body are two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args):
            pass

        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            phase = state["phase"]
            if phase == "down":
                self.close_connection = True
                return
            if phase == "stalled":
                while state["phase"] == "stalled":
                    time.sleep(0.1)
                self.close_connection = True
                return
            if phase == "slow":
                time.sleep(state["slow_ms"] / 1000.0)
            payload = json.dumps({"prediction": len(body) % 3, "model": state["name"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if self.path.startswith("/stream"):
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                step = -(-len(payload) // STREAM_CHUNKS)
                pieces = [payload[i : i + step] for i in range(0, len(payload), step)]
                for piece in pieces:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
                    time.sleep(0.005)
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = answer
        do_POST = answer

    return Handler


def serve(server):
    server.serve_forever(poll_interval=0.2)


def bind_with_retry(port, state, stop):
    """The port may be briefly taken (a client's ephemeral port) after a down phase."""
    for _ in range(50):
        try:
            return Server(("127.0.0.1", port), make_handler(state))
        except OSError as error:
            print(f"shadow cannot listen yet: {error}", flush=True)
            if stop.wait(0.1):
                return None
    return None


def run_production(port):
    state = {"phase": "up", "slow_ms": 0, "name": "production"}
    server = Server(("127.0.0.1", port), make_handler(state))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    serve(server)


def run_shadow(port, period, slow_ms):
    state = {"phase": "up", "slow_ms": slow_ms, "name": "shadow"}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    index = 0
    while not stop.is_set():
        state["phase"] = PHASES[index % len(PHASES)]
        print(f"{time.strftime('%H:%M:%S')} shadow {state['phase']}", flush=True)
        server = None
        if state["phase"] != "down":
            server = bind_with_retry(port, state, stop)
        if server is not None:
            threading.Thread(target=serve, args=(server,), daemon=True).start()
        stop.wait(period)
        if server is not None:
            server.shutdown()
            server.server_close()
        index += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("production", "shadow"))
    parser.add_argument("port", type=int)
    parser.add_argument("--period", type=float, default=20.0)
    parser.add_argument("--slow-ms", type=int, default=300)
    args = parser.parse_args()
    if args.role == "production":
        run_production(args.port)
    else:
        run_shadow(args.port, args.period, args.slow_ms)
    return 0


if __name__ == "__main__":
    sys.exit(main())
