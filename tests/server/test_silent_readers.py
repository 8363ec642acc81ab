"""Sockets that never read (issue 17, scenario 4), the short variant: a crowd of
connections stops reading in a busy room. Each is cut with 4008 once its bounded send queue
is full; while it waits, what the server holds for it stays within the queue bound plus the
socket's write buffer plus the kernel's send buffer, capped by ``send_buffer_bytes`` (left
to Linux's autotuning, that buffer grew to megabytes and nobody was ever cut); once cut,
the socket is let go within ``close_grace_s``; the people who do read get every message,
in order, uncut. The long variant with 5,000 connections is bench/bench_silent.py
(``python -m bench --only silent``).
"""

from __future__ import annotations

import fcntl
import socket
import struct
import termios
from typing import Any

from causette.server import metrics
from causette.server.keys import SERVICE
from causette.server.protocol import CloseCode
from tests.support.client import ChatClient
from tests.support.waits import eventually

SILENT = 20
QUEUE_MAX = 50
# Ordinary talk, not junk: a run of "xxxx…" reads as spam to the safety engine.
LINE = (
    "on se retrouve samedi au marché pour le pique-nique, j'apporte les fruits et une "
    "nappe, toi le pain et le fromage, et on voit pour les boissons avec les autres. "
) * 3
# asyncio's default high-water mark for a transport's write buffer; one tick's flush may
# go over it by at most a full queue.
HIGH_WATER = 64 * 1024
SEGMENT_MAX = 64 * 1024
# A small cap, so the test reaches the queue bound in a few hundred messages (the default,
# 64 KB, is what bench/bench_silent.py measures).
SEND_BUFFER = 16 * 1024


def _unsent(sock: socket.socket) -> int:
    """Bytes the kernel holds in the socket's send queue, not yet acknowledged by the peer
    (SIOCOUTQ: ``ss``'s Send-Q)."""
    out = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, struct.pack("i", 0))
    unsent: int = struct.unpack("i", out)[0]
    return unsent


def _stop_reading(client: ChatClient) -> Any:
    """The client stops reading with a small receive window: the server's side backs up."""
    assert client.ws is not None
    transport = client.ws._response.connection.transport  # type: ignore[union-attr]
    transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    transport.pause_reading()
    return transport


async def test_sockets_that_never_read_are_cut_and_the_room_goes_on(make_client, settings, server):
    settings.msg_burst = 100_000
    settings.send_queue_max = QUEUE_MAX
    settings.keepalive_s = 3600  # this is about the queue bound, not about silent peers
    settings.close_grace_s = 0.5
    settings.send_buffer_bytes = SEND_BUFFER
    service = server.app[SERVICE]
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for client in (alice, bob):
        await client.enter("general")
    silent = []
    for i in range(SILENT):
        client = await make_client(f"Muet{i}")
        await client.enter("general")
        silent.append(client)
    stuck = [_stop_reading(client) for client in silent]
    by_name = {c.profile.pseudonym: c for c in service.chatters.values()}
    conns = [by_name[f"Muet{i}"].connection for i in range(SILENT)]
    assert all(conn is not None for conn in conns)
    # The server capped each socket's kernel send buffer (Linux doubles what it is given,
    # for its bookkeeping): not autotuned up to 4 MB.
    cap = SEND_BUFFER
    socks = [conn._transport.get_extra_info("socket") for conn in conns]
    for sock in socks:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) <= 2 * cap
    closes_before = metrics.SLOW_CLOSES._value.get()
    unsent_max = 0

    frame_max = 0
    total = 0
    seen: list[int] = []
    while any(not conn.closed for conn in conns) and total < 5_000:
        for i in range(total, total + 10):
            await alice.send({"type": "post", "room": "general", "text": f"{i} {LINE}"})
        total += 10
        await alice.expect("ack", id=total, timeout=20)
        await bob.expect("message", channel="room:general", id=total, timeout=20)
        seen += [m["id"] for m in bob.messages("room:general")]
        frame_max = max(frame_max, *(len(m["text"]) for m in bob.messages("room:general")))
        for client in (alice, bob):
            client.frames.clear()
            client._backlog.clear()
        # What the server holds for each stuck reader stays bounded all along.
        for conn, sock in zip(conns, socks, strict=True):
            if conn.closed:
                continue
            assert conn.queued <= QUEUE_MAX
            buffered = conn._transport.get_write_buffer_size()
            assert buffered <= HIGH_WATER + QUEUE_MAX * (frame_max + 512), buffered
            unsent = _unsent(sock)
            # The kernel checks its budget before each write: the last one may go over by
            # at most one segment of 64 KB (loopback's).
            assert unsent <= 2 * cap + SEGMENT_MAX, unsent
            unsent_max = max(unsent_max, unsent)

    assert [conn.close_code for conn in conns] == [CloseCode.SLOW_CONSUMER] * SILENT
    # The kernel's buffer did fill up to its cap before the queue did (then the cut).
    assert unsent_max > cap // 2, unsent_max
    assert metrics.SLOW_CLOSES._value.get() - closes_before == SILENT
    # The readers were never slowed or cut: every message, once, in order.
    assert seen == list(range(2, total + 1)) or seen == list(range(1, total + 1)), seen[:5]
    assert total >= QUEUE_MAX
    for name in ("Alice", "Bob"):
        conn = by_name[name].connection
        assert conn is not None and not conn.closed
    # Nothing is kept for the cut ones: their queues were dropped with them, and their
    # close frame, stuck behind a full buffer, does not keep the socket: once the grace is
    # over it is cut, its handler ends and its chatter goes offline (before the grace, aiohttp
    # waited for the buffer to drain, that is forever).
    assert all(conn.queued == 0 for conn in conns)

    async def all_let_go() -> bool:
        closing = [conn._transport.is_closing() for conn in conns]
        attached = [by_name[f"Muet{i}"].connection is conns[i] for i in range(SILENT)]
        return all(closing) and not any(attached)

    await eventually(all_let_go, timeout=30)
    for transport in stuck:
        transport.abort()  # the clients' side: they never read, they would never close
