"""Shared helpers for the hostile-client measurements: a tiny JSON upstream, a proxy process
started from a config in a temp dir, readiness polling, and VmRSS of a PID. Loopback only;
every process started here is stopped by its PID."""
import http.server
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request


class _Answer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _reply(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'{"prediction":1}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply

    def log_message(self, *args):
        pass


def start_upstream():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Proxy:
    """shadowproxy serve with production at `upstream_port`; stderr goes to self.stderr_path."""

    def __init__(self, binary, upstream_port, extra_yaml="", file_limit=None):
        self.dir = tempfile.mkdtemp(prefix="sp-hostile-")
        self.port = free_port()
        self.admin_port = free_port()
        config = os.path.join(self.dir, "config.yaml")
        with open(config, "w") as f:
            f.write(f"listen: {{address: 127.0.0.1, port: {self.port}}}\n"
                    f"admin: {{address: 127.0.0.1, port: {self.admin_port}}}\n"
                    f"production: {{url: 'http://127.0.0.1:{upstream_port}'}}\n"
                    f"log: {{path: {self.dir}/records.jsonl}}\n" + extra_yaml)
        self.stderr_path = os.path.join(self.dir, "stderr.log")

        def limit():
            if file_limit:
                import resource
                resource.setrlimit(resource.RLIMIT_NOFILE, (file_limit, file_limit))

        with open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen([binary, "serve", "--config", config],
                                            stdout=subprocess.DEVNULL, stderr=err,
                                            preexec_fn=limit)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/readyz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("proxy not ready: " + open(self.stderr_path).read())

    def metric(self, name):
        """The metric's value; None when /metrics cannot be read (no descriptor left)."""
        try:
            text = urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics",
                                          timeout=5).read().decode()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("shadowproxy_" + name + " "):
                return float(line.split()[-1])
        return 0.0

    def stderr_lines(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read().splitlines()

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.process.kill()
        self.process.wait()
