"""The load generator's machinery, shared by every scenario: contenders, client, connect.

The server under test runs in its own process; this process is the load generator (uvloop +
picows client: the cheapest client there is, so the figures measure the server). Every
contender gets the same client: plain JSON text frames for causette and the bare peers, and
for Socket.IO the same frames wrapped in Engine.IO v4 / Socket.IO v5 packets (see
``Client``). Server CPU time and memory are read from /proc (bench/proc.py).

Client sockets are spread over several source addresses (127.0.0.2 ... 127.0.0.N, bound
before connect, the port chosen at connect time) so that tens of thousands of connections
to one port never run out of ephemeral ports; RLIMIT_NOFILE is raised to its hard limit
here and in every server (``prlimit`` on Linux).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect
from picows.url import WSParsedURL

# Re-exported: every scenario imports these from here (bench/proc.py holds them so that the
# test suite, which has no picows, can use them too).
from bench.proc import command_cpu_seconds as command_cpu_seconds
from bench.proc import cpu_seconds as cpu_seconds
from bench.proc import free_port
from bench.proc import machine_cpu_seconds as machine_cpu_seconds
from bench.proc import percentile as percentile
from bench.proc import raise_nofile as raise_nofile
from bench.proc import rss_bytes as rss_bytes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE_DIR = os.path.join(ROOT, "bench", "peers", "node-socketio")
PADDING = "x" * 80  # ~100-byte texts, as in architecture.md's measurements
SOURCE_ADDRESSES = [f"127.0.0.{i}" for i in range(2, 10)]
IP_BIND_ADDRESS_NO_PORT = 24  # Linux: pick the source port at connect(), not at bind()
TEXT = WSMsgType.TEXT


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic GC in the load generator while it measures.

    With 18,000 clients a full collection here pauses this process for about a second, and
    every latency measured across the pause grows by it, whatever the server. The measured
    phases are bounded, so the garbage they leave is collected afterwards.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def two_free_ports() -> int:
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


@dataclass
class Server:
    """One contender: a process, where it answers, and the dialect its clients speak."""

    name: str
    argv: list[str]
    env: dict[str, str]
    health_url: str
    ws_url: str
    dialect: str  # "causette" (HTTP join, then /ws) | "plain" (bare peers) | "socketio"
    proc: subprocess.Popen[bytes] | None = None
    workdir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="causette-bench-"))

    @property
    def http_base(self) -> str:
        return self.ws_url.replace("ws://", "http://").split("/ws", 1)[0]

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

        with open(os.path.join(self.workdir, "log"), "wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env={**os.environ, **self.env},
                cwd=self.workdir,
                stdout=subprocess.DEVNULL,
                stderr=log,
                preexec_fn=limits,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.health_url, timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        with open(os.path.join(self.workdir, "log")) as fh:
            log_text = fh.read()[-2000:]
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {log_text}")

    def profile(self) -> None:
        """With BENCH_PYSPY_DIR set, sample the server with py-spy (raw, for flame graphs).

        Each scenario calls it when its measured phase starts; sampling begins
        ``BENCH_PYSPY_DELAY`` seconds later, for ``BENCH_PYSPY_SECONDS``; Python contenders
        only. ``python -m bench.flame FILE`` summarises the result.
        """
        out_dir = os.environ.get("BENCH_PYSPY_DIR")
        if not out_dir or self.argv[0] != sys.executable:
            return
        os.makedirs(out_dir, exist_ok=True)
        out = os.path.join(out_dir, f"{self.name}-{self.pid}.txt")
        seconds = os.environ.get("BENCH_PYSPY_SECONDS", "20")
        delay = os.environ.get("BENCH_PYSPY_DELAY", "0")
        pyspy = os.path.join(os.path.dirname(sys.executable), "py-spy")
        subprocess.Popen(
            [
                "sh",
                "-c",
                f'sleep {delay} && exec "{pyspy}" record -p {self.pid} -f raw -o "{out}" '
                f"-d {seconds} -r 200 --nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def rooms_file(directory: str, count: int) -> str:
    """A room catalogue for the benchmark: ``general`` and ``r000``... in the adult space."""
    path = os.path.join(directory, "bench-rooms.toml")
    lines = []
    for slug in ["general", *(f"r{i:03d}" for i in range(count))]:
        lines += ["[[room]]", f'slug = "{slug}"', f'name = "{slug}"', 'space = "adult"', ""]
    with open(path, "w") as fh:
        fh.write("\n".join(lines))
    return path


BENCH_ROOMS = 1000


def causette_server(**env: str) -> Server:
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="causette-bench-")
    return Server(
        name="causette",
        argv=[sys.executable, "-m", "causette", "serve", "--port", str(port)],
        env={
            "CAUSETTE_POW_DIFFICULTY": "0",
            "CAUSETTE_JOINS_PER_IP_PER_HOUR": "100000000",
            "CAUSETTE_MSG_BURST": "1000000",
            "CAUSETTE_MSG_PER_MINUTE": "100000000",
            "CAUSETTE_NEW_PM_PER_HOUR": "1000000",
            "CAUSETTE_SEND_QUEUE_MAX": "20000",
            "CAUSETTE_DATA_DIR": ".",
            "CAUSETTE_ROOMS_FILE": rooms_file(workdir, BENCH_ROOMS),
            **env,
        },
        health_url=f"http://127.0.0.1:{port}/healthz",
        ws_url=f"ws://127.0.0.1:{port}/ws",
        dialect="causette",
        workdir=workdir,
    )


def bare_server(kind: str) -> Server:
    port = free_port() if kind == "aiohttp" else two_free_ports()
    health = port if kind == "aiohttp" else port + 1
    return Server(
        name=f"bare-{kind}",
        argv=[sys.executable, "-m", f"bench.peers.bare_{kind}", str(port)],
        env={"PYTHONPATH": ROOT},
        health_url=f"http://127.0.0.1:{health}/healthz",
        ws_url=f"ws://127.0.0.1:{port}/ws",
        dialect="plain",
    )


def socketio_py_server() -> Server:
    port = free_port()
    return Server(
        name="python-socketio",
        argv=[sys.executable, "-m", "bench.peers.socketio_py", str(port)],
        env={"PYTHONPATH": ROOT},
        health_url=f"http://127.0.0.1:{port}/healthz",
        ws_url=f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
        dialect="socketio",
    )


def ensure_node_peer() -> bool:
    """Install the Node peer's packages from its lock file (``npm ci``) once."""
    if os.path.isdir(os.path.join(NODE_DIR, "node_modules", "socket.io")):
        return True
    try:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE_DIR,
            check=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  node-socketio unavailable: {exc}", flush=True)
        return False
    return True


def node_socketio_server() -> Server:
    port = free_port()
    return Server(
        name="node-socketio",
        argv=["node", os.path.join(NODE_DIR, "server.js"), str(port)],
        env={"NODE_ENV": "production"},
        health_url=f"http://127.0.0.1:{port}/healthz",
        ws_url=f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
        dialect="socketio",
    )


def causette_without_safety() -> Server:
    """causette with the live-chat safety layer off (``CAUSETTE_SAFETY_ENABLED=false``)."""
    server = causette_server(CAUSETTE_SAFETY_ENABLED="false")
    server.name = "causette-nosafety"
    return server


def contenders(*, node: bool = True, safety_off: bool = False) -> dict[str, Callable[[], Server]]:
    """Every contender of the suite, causette (persistence and safety on) first; with
    ``safety_off`` also causette without its safety layer, to show what safety costs.
    ``BENCH_CONTENDERS=causette,bare-aiohttp`` keeps only those (a short run)."""
    out: dict[str, Callable[[], Server]] = {"causette": causette_server}
    if safety_off:
        out["causette-nosafety"] = causette_without_safety
    out |= {
        "bare-picows": lambda: bare_server("picows"),
        "bare-aiohttp": lambda: bare_server("aiohttp"),
        "python-socketio": socketio_py_server,
    }
    wanted = os.environ.get("BENCH_CONTENDERS")
    if wanted:
        # A short run of a few contenders (causette first, so ratios still exist).
        names = wanted.split(",")
        out = {name: factory for name, factory in out.items() if name in names}
        node = node and "node-socketio" in names
    if node and ensure_node_peer():
        out["node-socketio"] = node_socketio_server
    return out


class Client(WSListener):
    """One connection, in either dialect.

    Plain: one JSON object per text frame, ``{"type": ...}`` first. Socket.IO (Engine.IO v4
    over WebSocket, ``EIO=4&transport=websocket``): the server opens with ``0{...}``; the
    client connects to the default namespace with ``40`` and gets ``40{"sid":...}``; an event
    is ``42["<type>",{...}]`` both ways; the server pings with ``2``, the client answers ``3``.
    The event name is the frame's ``type``, and its single argument the same JSON object a
    plain frame carries, so both dialects exchange the same messages.
    """

    def __init__(self, dialect: str, on_message: Callable[[Client, bytes], None] | None = None):
        self.sio = dialect == "socketio"
        self.transport: WSTransport | None = None
        self.messages = 0
        self.acks = 0
        self.errors = 0
        self.held = 0
        self.last_error: bytes | None = None
        self.on_message = on_message
        self.waiting: dict[bytes, asyncio.Future[bytes]] = {}
        self.ack_event: asyncio.Event | None = None
        self.closed = False
        self.token: str | None = None
        self.name = ""
        self.last_ids: dict[str, int] = {}

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.closed = True

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not TEXT:
            return
        data = frame.get_payload_as_bytes()
        if self.sio:
            if data.startswith(b'42["'):
                end = data.index(b'"', 4)
                kind = data[4:end]
                data = data[end + 2 : -1]
            elif data == b"2":
                transport.send(TEXT, b"3")
                return
            elif data.startswith(b"40"):
                kind = b"connected"
            elif data.startswith(b"0"):
                transport.send(TEXT, b"40")
                return
            else:
                return
        elif data.startswith(b'{"type":"'):
            kind = data[9 : data.index(b'"', 9)]
        else:
            return
        if kind == b"message":
            self.messages += 1
            if self.on_message is not None:
                self.on_message(self, data)
            return
        if kind == b"error":
            self.errors += 1
            self.last_error = data
            return
        if kind == b"ack":
            self.acks += 1
            if self.ack_event is not None:
                self.ack_event.set()
            return
        if kind == b"held":
            # causette's safety held the post for a moderator: its deliveries are not owed.
            self.held += 1
            return
        future = self.waiting.pop(kind, None)
        if future is not None and not future.done():
            future.set_result(data)

    def expect(self, kind: bytes) -> asyncio.Future[bytes]:
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.waiting[kind] = future
        return future

    def send(self, event: dict[str, Any]) -> None:
        if self.transport is None or self.closed:
            return
        if self.sio:
            payload = b'42["' + event["type"].encode() + b'",' + orjson.dumps(event) + b"]"
        else:
            payload = orjson.dumps(event)
        self.transport.send(TEXT, payload)

    def disconnect(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.disconnect()
            self.closed = True


def message_seq(data: bytes) -> int:
    """The sequence number a benchmark text starts with (``"text":"<seq> xxx..."``)."""
    start = data.rfind(b'"text":"') + 8
    end = data.find(b" ", start)
    if start < 8 or end < 0 or not data[start:end].isdigit():
        return -1
    return int(data[start:end])


def error_code(client: Client) -> str | None:
    """The code of the last error frame the client got (``{"code": ...}``), if any."""
    if client.last_error is None:
        return None
    try:
        return str(orjson.loads(client.last_error).get("code"))
    except orjson.JSONDecodeError:
        return "?"


def track_ids(client: Client, data: bytes) -> None:
    """Remember the last message id per channel (for resume)."""
    event = orjson.loads(data)
    channel = event["channel"]
    if event["id"] > client.last_ids.get(channel, 0):
        client.last_ids[channel] = event["id"]


_address_counter = 0


def _socket_factory(url: WSParsedURL) -> socket.socket:
    global _address_counter
    _address_counter += 1
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    sock.bind((SOURCE_ADDRESSES[_address_counter % len(SOURCE_ADDRESSES)], 0))
    sock.setblocking(False)
    return sock


async def get_token(http: aiohttp.ClientSession, server: Server, name: str) -> str:
    form = {"pseudonym": name, "age": 30, "gender": "x", "department": "35"}
    for attempt in range(5):
        async with http.post(f"{server.http_base}/api/join", json=form) as resp:
            body = await resp.json()
            if resp.status == 201:
                return str(body["token"])
        await asyncio.sleep(0.2 * (attempt + 1))
    raise RuntimeError(f"join refused: {body}")


async def open_socket(server: Server, client: Client, timeout: float = 60) -> None:
    """Open the WebSocket and say hello (with ``last_ids`` when resuming); wait for synced."""
    client.closed = False
    # Engine.IO's open packet and the namespace's answer may arrive before ws_connect returns.
    connected = client.expect(b"connected") if client.sio else None
    await ws_connect(
        lambda: client,
        server.ws_url,
        max_frame_size=1 << 22,
        socket_factory=_socket_factory,
        websocket_handshake_timeout=timeout,
    )
    if connected is not None:
        await asyncio.wait_for(connected, timeout)
    synced = client.expect(b"synced")
    hello: dict[str, Any] = {"type": "hello", "token": client.token}
    if client.last_ids:
        hello["last_ids"] = client.last_ids
    client.send(hello)
    await asyncio.wait_for(synced, timeout)


async def join_room(client: Client, room: str, timeout: float = 60) -> None:
    joined = client.expect(b"joined")
    client.send({"type": "join", "room": room})
    await asyncio.wait_for(joined, timeout)


async def connect_all(
    server: Server,
    clients: list[Client],
    rooms: Iterable[str | None],
    *,
    batch: int = 200,
    name_prefix: str = "b",
    failures: list[BaseException] | None = None,
    deadline: float | None = None,
) -> None:
    """Log every client in (causette: an HTTP join for a token), connect, join its room.

    With ``failures``, a client that fails is disconnected and its exception appended there
    instead of raised; with ``deadline`` (``time.monotonic()``), no batch starts after it.
    Either way ``connected`` tells the clients that made it.
    """
    rooms = list(rooms)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as http:

        async def one(i: int) -> None:
            client = clients[i]
            # Not f"{i:05d}": the pseudonym screen rightly refuses "b01488" and "b14880".
            client.name = f"{name_prefix}{i // 1000}k{i % 1000:03d}"
            try:
                if client.token is None:
                    if server.dialect == "causette":
                        client.token = await get_token(http, server, client.name)
                    else:
                        client.token = client.name
                await open_socket(server, client)
                room = rooms[i]
                if room is not None:
                    await join_room(client, room)
            except Exception as exc:
                if failures is None:
                    raise
                client.disconnect()
                failures.append(exc)

        for start in range(0, len(clients), batch):
            if deadline is not None and time.monotonic() > deadline:
                break
            await asyncio.gather(*(one(i) for i in range(start, min(start + batch, len(clients)))))


def connected(client: Client) -> bool:
    """Connected and not closed since (a client never connected has no transport)."""
    return client.transport is not None and not client.closed


def disconnect_all(clients: Iterable[Client]) -> None:
    for client in clients:
        client.disconnect()


def shuffled(values: list[Any], seed: int = 8) -> list[Any]:
    out = list(values)
    random.Random(seed).shuffle(out)
    return out
