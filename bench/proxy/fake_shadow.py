#!/usr/bin/env python3
"""A shadow upstream for the benchmarks: slow (answers after --delay-ms) or hanging (never answers).

One asyncio loop, so thousands of waiting connections cost memory, not CPU. Keep-alive and
pipelining are honoured; request bodies are read by Content-Length or chunked framing.
`GET /__count` answers at once, in every mode, with the number of other requests received.
"""
import argparse
import asyncio
import signal

BODY = b'{"prediction":1,"probability":0.9}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


class Shadow:
    def __init__(self, delay, hang):
        self.delay = delay
        self.hang = hang
        self.count = 0

    async def read_body(self, reader, headers):
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            while True:
                size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readline()) not in (b"\r\n", b""):
                        pass
                    return
                await reader.readexactly(size + 2)
        length = int(headers.get(b"content-length", b"0"))
        if length:
            await reader.readexactly(length)

    async def serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                target = lines[0].split(b" ")[1] if b" " in lines[0] else b""
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                await self.read_body(reader, headers)
                if target == b"/__count":
                    text = str(self.count).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                                 + str(len(text)).encode() + b"\r\n\r\n" + text)
                    await writer.drain()
                    continue
                self.count += 1
                if self.hang:
                    continue
                await asyncio.sleep(self.delay)
                writer.write(RESPONSE)
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=200.0)
    parser.add_argument("--hang", action="store_true", help="accept and read, never answer")
    args = parser.parse_args()
    shadow = Shadow(args.delay_ms / 1000.0, args.hang)
    server = await asyncio.start_server(shadow.serve, "127.0.0.1", args.port, backlog=8192)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
