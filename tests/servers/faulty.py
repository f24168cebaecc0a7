#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A TCP proxy in front of a test server that misbehaves on purpose.

    faulty.py UPSTREAM_PORT MODE [N] [--delay MS]

prints endpoint=http://127.0.0.1:PORT and serves until killed (SIGTERM).
Modes (connections are counted from 1; curl opens a new one after a
refusal that says "Connection: close" and after a reset):
  pass       forward everything
  reset N    the first connection's answers are cut after N bytes with a
             reset (RST), later connections pass
  upcut N    every connection is reset once the client sent N bytes on it
             (uploads larger than that always fail; small requests pass)
  503 K      the first K connections are answered 503, then pass
  429 K      the same with 429 (too many requests)
  stall      every connection is accepted, read and never answered
  norange    Range headers are removed from requests (a server that does
             not do ranges); answers pass
--delay MS holds every chunk MS milliseconds in each direction (a round
trip of 2*MS), without slowing the rate: chunks are in flight together.
--parent PID ends the proxy when that process is gone (a test that died).
Each connection's number and mode go to stderr, one line each.
"""
import asyncio
import socket
import struct
import sys

args = [a for a in sys.argv[1:]]
delay = 0.0
parent = 0
if "--delay" in args:
    i = args.index("--delay")
    delay = float(args[i + 1]) / 1000.0
    del args[i:i + 2]
if "--parent" in args:
    i = args.index("--parent")
    parent = int(args[i + 1])
    del args[i:i + 2]
upstream = int(args[0])
mode = args[1] if len(args) > 1 else "pass"
count = int(args[2]) if len(args) > 2 else 0
connections = 0


async def pump(reader, writer, limit=None, strip_range=False, on_limit=None):
    """Copies reader to writer (after the delay), up to limit bytes."""
    sent = 0
    pending = b""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    deliverer = asyncio.ensure_future(deliver())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if strip_range:
                pending += data
                lines = pending.split(b"\r\n")
                pending = lines.pop()
                kept = [l for l in lines if not l.lower().startswith(b"range:")]
                data = b"".join(l + b"\r\n" for l in kept)
                if not data:
                    continue
            if limit is not None and sent + len(data) >= limit:
                data = data[:limit - sent]
                await queue.put((loop.time() + delay, data))
                await queue.put((0, None))
                await deliverer
                on_limit()
                return
            sent += len(data)
            await queue.put((loop.time() + delay, data))
        await queue.put((0, None))
        await deliverer
    except (ConnectionError, asyncio.CancelledError):
        deliverer.cancel()
    finally:
        try:
            writer.close()
        except Exception:
            pass


def reset(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    writer.transport.abort()


async def handle(creader, cwriter):
    global connections
    connections += 1
    n = connections
    print(f"faulty: connection {n} {mode}", file=sys.stderr, flush=True)
    if mode in ("503", "429") and n <= count:
        await creader.read(65536)
        reason = b"Service Unavailable" if mode == "503" else b"Too Many Requests"
        cwriter.write(b"HTTP/1.1 " + mode.encode() + b" " + reason +
                      b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await cwriter.drain()
        cwriter.close()
        return
    if mode == "stall":
        try:
            while await creader.read(65536):
                pass
        except ConnectionError:
            pass
        return
    try:
        ureader, uwriter = await asyncio.open_connection("127.0.0.1", upstream)
    except OSError:
        cwriter.close()
        return
    limit = count if mode == "reset" and n == 1 else None
    cut = lambda: (reset(cwriter), uwriter.transport.abort())
    up = asyncio.ensure_future(
        pump(creader, uwriter, strip_range=(mode == "norange"),
             limit=count if mode == "upcut" else None, on_limit=cut))
    down = asyncio.ensure_future(
        pump(ureader, cwriter, limit=limit, on_limit=cut))
    await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
    for t in (up, down):
        t.cancel()
    for w in (cwriter, uwriter):
        try:
            w.close()
        except Exception:
            pass


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"endpoint=http://127.0.0.1:{port}", flush=True)
    async with server:
        if parent:
            import os
            while True:
                await asyncio.sleep(0.2)
                try:
                    os.kill(parent, 0)
                except OSError:
                    return
        await server.serve_forever()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    pass
