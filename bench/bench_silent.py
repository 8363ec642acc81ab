"""Sockets that never read, the long variant (issue 17, scenario 4): ``--only silent``.

One causette process (the embedded default: SQLite, in-process bus) with its documented
send queue (``CAUSETTE_SEND_QUEUE_MAX`` 1,000 frames), one room, one sender posting at a
steady pace, 100 ordinary clients reading it (their post-to-receipt latency is measured),
and 5,000 more members on bare sockets (a receive window of 4 KB, as a phone in a tunnel
has) in three phases of the same traffic:

- ``none``: the 5,000 are not there yet (the room has the ordinary clients only);
- ``reading``: the 5,000 are in the room and read everything;
- ``silent``: the same 5,000 stop reading, until the server has cut every one of them with
  4008 (``causette_slow_consumer_closes_total``) or the machine's TCP buffer memory
  (/proc/net/sockstat) grew by 768 MB, whichever comes first; then they read again what
  their socket still holds, to find a close frame and its code at the end of it.

Why the budget: before causette's own queue fills, the kernel takes what the peer does not
read into the server socket's send buffer. Left to Linux's autotuning, that buffer grows up
to ``net.ipv4.tcp_wmem``'s maximum (4 MB here): 500 silent sockets took 1.1 MB each (1,794
messages, 554 MB in all) and none was cut, and 5,000 stopped the phase at the budget with
none cut (2026-12-03). Since then causette caps it (``send_buffer_bytes``, 64 KB, doubled by
the kernel); the budget stays, as a guard for the machine's TCP memory (``tcp_mem``, shared
with every other program), and the figures say where the bytes were (``ss``: the server's
Send-Q and send buffer, sampled during the phase; the clients' Recv-Q).

Figures (bench/results/silent.json): the server's RSS before and after the 5,000 joined
and its peak while they were silent, so what one silent connection costs at most, next to
the bound (the transport's high-water mark, 64 KB, plus a full queue of references to
shared frames); how many were cut with 4008 and after how many messages; the ordinary
clients' p50 / p99 in each phase and the ratios silent ÷ reading and silent ÷ none.

The keepalive is set to an hour: the bare sockets never answer a ping, and this is about the
queue bound, not about peers that stopped answering (tests/server/test_keepalive.py). The
load generator shares the two cores with the server: figures of a loaded machine, said with
its load average.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
import subprocess
import time
import urllib.request
from typing import Any

import aiohttp
import orjson
import uvloop

from bench.load import (
    IP_BIND_ADDRESS_NO_PORT,
    SOURCE_ADDRESSES,
    Client,
    Server,
    causette_server,
    connect_all,
    disconnect_all,
    get_token,
    message_seq,
    percentile,
    raise_nofile,
    rss_bytes,
)
from causette.settings import Settings

ROOM = "general"
# Ordinary talk, not junk (a run of "xxxx…" reads as spam to the safety engine), near the
# 500-character limit: the silent sockets' buffers fill in fewer messages.
LINE = (
    "on se retrouve samedi au marché pour le pique-nique, j'apporte les fruits et une "
    "nappe, toi le pain et le fromage, et on voit pour les boissons avec les autres. "
) * 3
HIGH_WATER = 64 * 1024  # asyncio's default high-water mark of a transport's write buffer
# The server's cap on each socket's kernel send buffer (its default setting; the bench does
# not change it) and the most the kernel's last write may go over it.
SEND_BUFFER: int = Settings.model_fields["send_buffer_bytes"].default
SEGMENT = 64 * 1024
# The members' sockets come from these addresses (bench/load.py), the bench's own /metrics
# requests from 127.0.0.1.
MEMBER_ADDRESSES = frozenset(SOURCE_ADDRESSES)
RCVBUF = 4096
CLOSE_4008 = struct.pack("!H", 4008)
SLOW_CLOSES = "causette_slow_consumer_closes_total"
PAGE = os.sysconf("SC_PAGE_SIZE")
# The silent phase stops when the machine's TCP buffers grew this much, if the server has
# not cut everyone before: see the module's doc string.
TCP_BUDGET_BYTES = 768 << 20


def _masked(payload: bytes) -> bytes:
    """A client's text frame (RFC 6455: masked; a zero key leaves the payload as it is)."""
    n = len(payload)
    head = bytes((0x81, 0x80 | n)) if n < 126 else struct.pack("!BBH", 0x81, 0xFE, n)
    return head + b"\0\0\0\0" + payload


class Bare(asyncio.Protocol):
    """A member on a bare socket: handshake, hello, join; then it reads (and throws away) or
    stops reading. It counts the messages in what it read after it stopped, and keeps the
    last bytes, where a close frame would be."""

    def __init__(self) -> None:
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport
        self.seen = bytearray()
        self.waiting: tuple[bytes, asyncio.Future[None]] | None = None
        self.counting = False
        self.messages_after = 0
        self.tail = b""
        self.eof = False
        self.reset = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.waiting is not None:
            self.seen += data
            marker, future = self.waiting
            if marker in self.seen and not future.done():
                self.waiting = None
                self.seen.clear()
                future.set_result(None)
            return
        if self.counting:
            joined = self.tail + data
            self.messages_after += joined.count(b'{"type":"message"') - self.tail.count(
                b'{"type":"message"'
            )
        self.tail = (self.tail + data)[-64:]

    def eof_received(self) -> bool | None:
        self.eof = True
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.reset = exc is not None

    async def until(self, marker: bytes, payload: bytes | None, timeout: float = 60) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting = (marker, future)
        assert self.transport is not None
        if payload is not None:
            self.transport.write(payload)
        await asyncio.wait_for(future, timeout)

    @property
    def closed_with_4008(self) -> bool:
        """The last frame read is a close frame with code 4008 (server frames: unmasked)."""
        at = self.tail.rfind(b"\x88")
        return at >= 0 and self.tail[at + 2 : at + 4] == CLOSE_4008


async def _bare(server: Server, token: str, index: int) -> Bare:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)  # before connect: the window
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    sock.bind((SOURCE_ADDRESSES[index % len(SOURCE_ADDRESSES)], 0))
    sock.setblocking(False)
    host, port = server.ws_url.removeprefix("ws://").split("/", 1)[0].split(":")
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (host, int(port)))
    _, bare = await loop.create_connection(Bare, sock=sock)
    upgrade = (
        f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    await bare.until(b"\r\n\r\n", upgrade)
    await bare.until(b'"synced"', _masked(orjson.dumps({"type": "hello", "token": token})))
    await bare.until(b'"joined"', _masked(orjson.dumps({"type": "join", "room": ROOM})))
    return bare


def _counter(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _name(i: int) -> str:
    """A pseudonym of letters that neither look alike once folded (no i/l, rn, vv, cl) nor
    spell a refused word ("m01488" is refused: a number hate speech uses)."""
    return "muet" + "".join("abdefghjkp"[int(d)] for d in f"{i:05d}")


def _tcp_mem_pages() -> int:
    """The kernel's TCP buffer memory, in pages, of the whole machine (/proc/net/sockstat)."""
    with open("/proc/net/sockstat") as fh:
        for line in fh:
            if line.startswith("TCP:"):
                fields = line.split()
                return int(fields[fields.index("mem") + 1])
    return 0


def _kernel_queues(port: int) -> dict[str, int]:
    """Bytes the kernel holds on the server's sockets (Send-Q: written by causette, not yet
    taken by the peer) and on the clients' (Recv-Q: arrived, not read), from ``ss``."""
    out: dict[str, int] = {}
    sides = (("server_send_q", f"sport = :{port}"), ("client_recv_q", f"dport = :{port}"))
    for side, selector in sides:
        text = subprocess.run(
            ["ss", "-tnH", "state", "established", selector],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        column = 1 if side == "server_send_q" else 0
        out[side] = sum(int(line.split()[column]) for line in text.splitlines() if line.strip())
    return out


def _server_sockets(port: int) -> dict[str, int]:
    """The server's WebSocket sockets as ``ss -tm`` sees them: their Send-Q in all and the
    largest one, the largest send buffer the kernel gives one of them (``skmem``'s ``tb``:
    ``send_buffer_bytes``, doubled by the kernel) and how many have more. Sockets whose
    peer is one of the load's own source addresses are the members'; the others (this
    bench's /metrics requests: plain HTTP, not capped) are left out."""
    text = subprocess.run(
        ["ss", "-tmnH", "state", "established", f"sport = :{port}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    total = largest = tb_max = over = 0
    member = False
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[0].startswith("skmem:"):
            if not member:
                continue
            for item in fields[0].removeprefix("skmem:(").rstrip(")").split(","):
                if item.startswith("tb"):
                    tb = int(item[2:])
                    tb_max = max(tb_max, tb)
                    over += tb > 2 * SEND_BUFFER
        elif len(fields) >= 4 and fields[1].isdigit():
            member = fields[3].rsplit(":", 1)[0] in MEMBER_ADDRESSES
            if member:
                send_q = int(fields[1])
                total += send_q
                largest = max(largest, send_q)
    return {"send_q": total, "send_q_max_one": largest, "sndbuf_max": tb_max, "over_cap": over}


def _metric(server: Server, name: str) -> float:
    with urllib.request.urlopen(f"{server.http_base}/metrics", timeout=10) as resp:
        return _counter(resp.read().decode(), name)


class Traffic:
    """One sender at a steady pace; the ordinary clients' latencies of each phase."""

    def __init__(self, ordinary: int) -> None:
        self.sent_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.seq = 0
        self.sender = Client("causette")
        self.ordinary = [Client("causette", self._record) for _ in range(ordinary)]

    def _record(self, client: Client, data: bytes) -> None:
        sent = self.sent_at.get(message_seq(data))
        if sent is not None:
            self.latencies.append(time.perf_counter() - sent)

    async def phase(self, rate: float, until: Any) -> dict[str, Any]:
        """Post at ``rate`` a second until ``until()`` is true; the latencies meanwhile."""
        self.latencies = []
        started = time.perf_counter()
        posted = 0
        while not until(posted):
            self.sent_at[self.seq] = time.perf_counter()
            self.sender.send({"type": "post", "room": ROOM, "text": f"{self.seq} {LINE}"})
            self.seq += 1
            posted += 1
            delay = started + posted / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.sleep(2.0)  # the last messages' deliveries
        values = sorted(self.latencies)
        return {
            "posted": posted,
            "seconds": round(time.perf_counter() - started, 1),
            "deliveries_measured": len(values),
            "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1),
        }


async def _run(server: Server, silent_n: int, ordinary_n: int, rate: float, phase_n: int):
    traffic = Traffic(ordinary_n)
    await connect_all(server, [traffic.sender, *traffic.ordinary], [ROOM] * (ordinary_n + 1))
    figures: dict[str, Any] = {"load_average_start": [round(x, 2) for x in os.getloadavg()]}
    rss_start = rss_bytes(server.pid)
    figures["none"] = await traffic.phase(rate, lambda n: n >= phase_n)

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as http:
        tokens = await asyncio.gather(*(get_token(http, server, _name(i)) for i in range(silent_n)))
    bares: list[Bare] = []
    # In batches: each join tells every member (presence, counts), and a member reading
    # through its 4 KB window while hundreds join at once would fill its queue already.
    for start in range(0, silent_n, 100):
        bares += await asyncio.gather(
            *(_bare(server, tokens[i], i) for i in range(start, min(start + 100, silent_n)))
        )
    figures["members_setup_s"] = round(time.perf_counter() - started, 1)
    rss_members = rss_bytes(server.pid)
    figures["reading"] = await traffic.phase(rate, lambda n: n >= phase_n)

    closes_before = _metric(server, SLOW_CLOSES)
    rss_peak = rss_bytes(server.pid)
    for bare in bares:
        assert bare.transport is not None
        bare.counting = True
        bare.transport.pause_reading()
    state = {"cut": 0.0, "peak": float(rss_peak), "tcp_pages": 0.0, "tcp_pages_peak": 0.0}
    port = int(server.http_base.rsplit(":", 1)[1])
    sockets = {"send_q": 0, "send_q_max_one": 0, "sndbuf_max": 0, "over_cap": 0}
    tcp_before = _tcp_mem_pages()

    async def watch() -> None:
        """The server's 4008 count and RSS, twice a second, off the sender's path; the
        kernel's side of its sockets (``ss``: 5,000 sockets cost it tens of ms) every
        2 s, in a thread."""
        async with aiohttp.ClientSession() as http:
            ticks = 0
            while True:
                async with http.get(f"{server.http_base}/metrics") as resp:
                    text = await resp.text()
                state["cut"] = _counter(text, SLOW_CLOSES) - closes_before
                state["peak"] = max(state["peak"], rss_bytes(server.pid))
                state["tcp_pages"] = _tcp_mem_pages() - tcp_before
                state["tcp_pages_peak"] = max(state["tcp_pages_peak"], state["tcp_pages"])
                if ticks % 4 == 0:
                    now = await asyncio.to_thread(_server_sockets, port)
                    for key, value in now.items():
                        sockets[key] = max(sockets[key], value)
                ticks += 1
                await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())

    def all_cut(posted: int) -> bool:
        # Or the kernel's TCP memory grew by the budget: what the silent sockets pin in
        # the kernel is the whole machine's (tcp_mem), shared with other people's work.
        over = state["tcp_pages"] * PAGE >= TCP_BUDGET_BYTES
        return state["cut"] >= silent_n or posted >= 20 * phase_n or over

    silent_started = time.perf_counter()
    figures["silent"] = await traffic.phase(rate, all_cut)
    figures["silent"]["stopped_after_s"] = round(time.perf_counter() - silent_started, 1)
    watcher.cancel()
    rss_peak = int(state["peak"])
    queues = _kernel_queues(port)
    figures["kernel_during_silent_phase"] = {
        "server_send_q_peak_mb": round(sockets["send_q"] / (1 << 20), 1),
        "server_send_q_peak_kb_one_socket": round(sockets["send_q_max_one"] / 1024, 1),
        "server_sndbuf_kb_max": round(sockets["sndbuf_max"] / 1024, 1),
        "server_sockets_over_the_cap": sockets["over_cap"],
        "tcp_mem_growth_peak_mb": round(state["tcp_pages_peak"] * PAGE / (1 << 20), 1),
    }
    figures["kernel_at_end_of_silent_phase"] = {
        "tcp_mem_growth_mb": round((_tcp_mem_pages() - tcp_before) * PAGE / (1 << 20), 1),
        "server_send_q_mb": round(queues["server_send_q"] / (1 << 20), 1),
        "client_recv_q_mb": round(queues["client_recv_q"] / (1 << 20), 1),
        "server_send_q_kb_per_silent": round(queues["server_send_q"] / silent_n / 1024, 1),
    }
    # They read again: what their socket still held, and at its end the close frame.
    for bare in bares:
        assert bare.transport is not None
        bare.transport.resume_reading()
    deadline = time.perf_counter() + 60
    while not all(b.eof for b in bares) and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    rss_after = rss_bytes(server.pid)
    cut = int(_metric(server, SLOW_CLOSES) - closes_before)
    after = sorted(b.messages_after for b in bares)
    mb = 1 / (1 << 20)
    figures.update(
        {
            "silent_connections": silent_n,
            "ordinary_clients": ordinary_n,
            "rate_per_s": rate,
            "frame_bytes": len(orjson.dumps({"type": "message", "text": f"0 {LINE}"})) + 120,
            "send_queue_max": int(server.env["CAUSETTE_SEND_QUEUE_MAX"]),
            "send_buffer_bytes": SEND_BUFFER,
            "cut_4008_by_server": cut,
            "close_frame_4008_read": sum(1 for b in bares if b.closed_with_4008),
            "socket_reset_before_close_frame": sum(1 for b in bares if b.reset),
            "messages_read_after_stopping": {
                "min": after[0],
                "p50": after[len(after) // 2],
                "max": after[-1],
            },
            "rss_mb": {
                "start": round(rss_start * mb, 1),
                "members_connected": round(rss_members * mb, 1),
                "peak_silent": round(rss_peak * mb, 1),
                "after_cut": round(rss_after * mb, 1),
            },
            "kb_per_member_idle": round((rss_members - rss_start) / silent_n / 1024, 1),
            "kb_per_silent_member_peak": round((rss_peak - rss_members) / silent_n / 1024, 1),
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        }
    )
    # The bound: the transport's buffer up to its high-water mark plus the one flush that
    # went over it (a tick's frames: one at this pace), and a full queue of references to
    # frames shared by the whole room (8 bytes each; the frames are the room's, not its).
    frame = figures["frame_bytes"]
    figures["kb_bound_per_silent_member"] = round(
        (HIGH_WATER + 2 * frame + figures["send_queue_max"] * 8) / 1024, 1
    )
    # And in the kernel: the send buffer the server set, doubled by the kernel, plus the
    # one write that may go over it (a segment of 64 KB on loopback).
    figures["kernel_kb_bound_per_silent_member"] = round((2 * SEND_BUFFER + SEGMENT) / 1024, 1)
    for phase in ("none", "reading"):
        figures[f"p99_ratio_silent_to_{phase}"] = round(
            figures["silent"]["p99_ms"] / max(figures[phase]["p99_ms"], 0.1), 2
        )
    for bare in bares:
        if bare.transport is not None:
            bare.transport.abort()
    disconnect_all([traffic.sender, *traffic.ordinary])
    return figures


def measure(silent_n: int, ordinary_n: int, rate: float, phase_n: int, queue: int):
    uvloop.install()
    raise_nofile()
    server = causette_server(
        CAUSETTE_SEND_QUEUE_MAX=str(queue),
        CAUSETTE_KEEPALIVE_S="3600",
        CAUSETTE_SQLITE_SYNCHRONOUS="NORMAL",
    )
    try:
        server.start()
        return asyncio.run(_run(server, silent_n, ordinary_n, rate, phase_n))
    finally:
        server.stop()


def run(quick: bool) -> dict[str, Any]:
    # 5 posts a second to 5,100 members is 25,500 deliveries a second: what this loaded
    # machine serves without a backlog (25 a second, 127,500, built one of 20 s at p99).
    if quick:
        return measure(silent_n=500, ordinary_n=20, rate=5.0, phase_n=30, queue=300)
    return measure(silent_n=5000, ordinary_n=100, rate=5.0, phase_n=150, queue=1000)
