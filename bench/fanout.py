"""Fan-out load generator: N subscribers in one room, one sender, M messages.

The server under test runs in its own process; this process is the load generator (uvloop +
picows client: the cheapest client there is, so the figures measure the server). The sender
keeps a window of posts in flight (acks free the window). Every subscriber counts the
messages it receives; a sample of them timestamps each receipt to give post-to-receipt
latency. Server CPU time comes from /proc, so "CPU µs per delivery" does not depend on how
busy the other core is.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATENCY_SAMPLE = 25
WINDOW = 64
PADDING = "x" * 80  # ~100-byte texts, as in architecture.md's measurements


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    health_url: str
    ws_url: str
    needs_join: bool
    proc: subprocess.Popen[bytes] | None = None
    workdir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="causette-bench-"))

    def start(self) -> None:
        with open(os.path.join(self.workdir, "log"), "wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env={**os.environ, **self.env},
                cwd=self.workdir,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.health_url, timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def causette_server(**env: str) -> Server:
    port = free_port()
    return Server(
        name="causette",
        argv=[sys.executable, "-m", "causette", "serve", "--port", str(port)],
        env={
            "CAUSETTE_POW_DIFFICULTY": "0",
            "CAUSETTE_JOINS_PER_IP_PER_HOUR": "1000000",
            "CAUSETTE_MSG_BURST": "1000000",
            "CAUSETTE_MSG_PER_MINUTE": "100000000",
            "CAUSETTE_SEND_QUEUE_MAX": "20000",
            "CAUSETTE_DATA_DIR": ".",
            **env,
        },
        health_url=f"http://127.0.0.1:{port}/healthz",
        ws_url=f"ws://127.0.0.1:{port}/ws",
        needs_join=True,
    )


def bare_server(kind: str) -> Server:
    port = free_port() if kind == "aiohttp" else _two_free_ports()
    health = port if kind == "aiohttp" else port + 1
    return Server(
        name=f"bare-{kind}",
        argv=[sys.executable, "-m", f"bench.peers.bare_{kind}", str(port)],
        env={"PYTHONPATH": ROOT},
        health_url=f"http://127.0.0.1:{health}/healthz",
        ws_url=f"ws://127.0.0.1:{port}/ws",
        needs_join=False,
    )


def _two_free_ports() -> int:
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


class Client(WSListener):
    """One connection: counts messages, wakes waiters on the frame types they wait for."""

    def __init__(self, on_message: Callable[[bytes], None] | None = None) -> None:
        self.transport: WSTransport | None = None
        self.messages = 0
        self.acks = 0
        self.on_message = on_message
        self.waiting: dict[bytes, asyncio.Future[bytes]] = {}
        self.ack_event: asyncio.Event | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not WSMsgType.TEXT:
            return
        data = frame.get_payload_as_bytes()
        if data.startswith(b'{"type":"message"'):
            self.messages += 1
            if self.on_message is not None:
                self.on_message(data)
            return
        if data.startswith(b'{"type":"ack"'):
            self.acks += 1
            if self.ack_event is not None:
                self.ack_event.set()
            return
        for marker, future in list(self.waiting.items()):
            if data.startswith(b'{"type":' + marker) and not future.done():
                future.set_result(data)
                del self.waiting[marker]

    def expect(self, marker: bytes) -> asyncio.Future[bytes]:
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.waiting[marker] = future
        return future

    def send(self, event: dict[str, Any]) -> None:
        assert self.transport is not None
        self.transport.send(WSMsgType.TEXT, orjson.dumps(event))


async def _token(http: aiohttp.ClientSession, base: str, index: int) -> str:
    form = {"pseudonym": f"bench{index:05d}", "age": 30, "gender": "x", "department": "35"}
    async with http.post(f"{base}/api/join", json=form) as resp:
        body = await resp.json()
        if resp.status != 201:
            raise RuntimeError(f"join refused: {body}")
        return str(body["token"])


async def _connect(server: Server, http: aiohttp.ClientSession, index: int, client: Client) -> None:
    token = None
    if server.needs_join:
        token = await _token(http, server.ws_url.replace("ws://", "http://")[: -len("/ws")], index)
    await ws_connect(lambda: client, server.ws_url, max_frame_size=1 << 20)
    synced = client.expect(b'"synced"')
    client.send({"type": "hello", "token": token})
    await asyncio.wait_for(synced, 20)
    joined = client.expect(b'"joined"')
    client.send({"type": "join", "room": "general"})
    await asyncio.wait_for(joined, 20)


async def run_fanout(server: Server, subscribers: int, messages: int) -> dict[str, Any]:
    """Connect the subscribers, send the messages, and return the figures."""
    sent_at: dict[int, float] = {}
    latencies: list[float] = []
    perf = time.perf_counter

    def sampler(data: bytes) -> None:
        now = perf()
        seq = int(orjson.loads(data)["text"].split(" ", 1)[0])
        latencies.append(now - sent_at[seq])

    clients = [Client(sampler if i < LATENCY_SAMPLE else None) for i in range(subscribers)]
    sender = Client()
    async with aiohttp.ClientSession() as http:
        for start in range(0, subscribers, 100):
            await asyncio.gather(
                *(
                    _connect(server, http, i, clients[i])
                    for i in range(start, min(start + 100, subscribers))
                )
            )
        await _connect(server, http, subscribers, sender)
    assert server.proc is not None
    cpu_before = cpu_seconds(server.proc.pid)
    sender.ack_event = asyncio.Event()
    started = perf()
    for seq in range(messages):
        while seq - sender.acks >= WINDOW:
            sender.ack_event.clear()
            await sender.ack_event.wait()
        sent_at[seq] = perf()
        sender.send({"type": "post", "room": "general", "text": f"{seq} {PADDING}"})
    deadline = perf() + 120
    while any(c.messages < messages for c in clients) and perf() < deadline:
        await asyncio.sleep(0.005)
    elapsed = perf() - started
    cpu = cpu_seconds(server.proc.pid) - cpu_before
    received = sum(c.messages for c in clients) + sender.messages
    for client in [*clients, sender]:
        if client.transport is not None:
            client.transport.disconnect()
    latencies.sort()
    return {
        "server": server.name,
        "subscribers": subscribers,
        "messages": messages,
        "deliveries": received,
        "complete": all(c.messages == messages for c in clients),
        "seconds": round(elapsed, 3),
        "deliveries_per_s": round(received / elapsed),
        "server_cpu_us_per_delivery": round(cpu / received * 1e6, 2),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 2),
        "latency_ms_p99": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
    }


def measure(make_server: Callable[[], Server], subscribers: int, messages: int) -> dict[str, Any]:
    server = make_server()
    server.start()
    try:
        return asyncio.run(run_fanout(server, subscribers, messages))
    finally:
        server.stop()
