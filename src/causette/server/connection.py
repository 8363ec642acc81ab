"""One WebSocket connection's outgoing side: frames coalesced per event-loop tick, written
with one system call, and a bounded queue when the client falls behind.

Rules:
- Frames arrive already encoded (the same payload bytes for every recipient).
- A connection collects what it is sent during one tick; at the end of the tick every
  connection that got something writes it all at once (header + payload of each frame
  joined into one buffer): under load one ``send()`` system call carries many messages.
  Connections are written ``FLUSH_CHUNK`` per callback, so a burst of deliveries does not
  hold the event loop in one piece.
- When the transport is paused (its buffer is over the high-water mark), frames wait in
  the queue and one writer task writes them as the socket drains, in order.
- The queue is bounded: a client that cannot keep up is closed with 4008 and resumes later;
  it never slows the room.
- A close has ``close_grace`` seconds to flush its close frame and get the answer; then
  the socket is cut. A peer that never reads cannot hold a socket, a handler and a write
  buffer forever (aiohttp's close waits for the write buffer to drain, without a limit).
- Messages carry (channel, id): a connection delivers each at most once, in id order.
- While the resume replay runs (or a room's history is being sent on join), live messages of
  the channels concerned wait behind it and are then delivered without the duplicates the
  replay already sent.
- Its tasks (the writer, a close, a fallback ping) start from the service's ``TaskOwner``;
  ``stop()`` cancels the writer and waits for it, and for a close under way. Waiting for the
  queue to drain waits on an event the writes set, not on a timer.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from aiohttp import WSMsgType, web

from causette.core.resume import SeenIds
from causette.server import metrics
from causette.server.protocol import CloseCode
from causette.tasks import TaskOwner

CLOSE_GRACE_S = 5.0
TEXT = WSMsgType.TEXT
_FIN_TEXT = 0x81
_LEN16 = struct.Struct("!BBH").pack
_LEN64 = struct.Struct("!BBQ").pack
PING_FRAME = b"\x89\x00"  # final, opcode 9, no payload
# No live message waits behind a replay: one shared, never-mutated dict, so an idle
# connection does not hold an empty one of its own.
_NOTHING_HELD: dict[str | None, list[tuple[str, int, bytes]]] = {}


def text_header(length: int) -> bytes:
    """RFC 6455 header of an unmasked, final, uncompressed text frame (server to client)."""
    if length < 126:
        return bytes((_FIN_TEXT, length))
    if length < 65536:
        return _LEN16(_FIN_TEXT, 126, length)
    return _LEN64(_FIN_TEXT, 127, length)


# Connections written per event-loop callback. One commit's posts to rooms of 1,000 are
# thousands of ``send`` calls; in one callback they were the first stall site of the
# evening peak (``connection.flush``, 50-100 ms at 18,000 connections). In chunks, what
# else is ready (incoming posts, acks, timers) runs between them; the writes are the same.
FLUSH_CHUNK = 512


class _TickFlusher:
    """Writes, once per event-loop tick, every connection that was sent something (at most
    ``FLUSH_CHUNK`` per callback: the rest in the next ones, in the order marked)."""

    def __init__(self) -> None:
        self.dirty: list[Connection] = []
        self.scheduled = False

    def mark(self, conn: Connection) -> None:
        self.dirty.append(conn)
        if not self.scheduled:
            self.scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        dirty = self.dirty
        if len(dirty) > FLUSH_CHUNK:
            # Still scheduled: whatever is marked meanwhile joins the remainder.
            now, self.dirty = dirty[:FLUSH_CHUNK], dirty[FLUSH_CHUNK:]
            asyncio.get_running_loop().call_soon(self.flush)
        else:
            now, self.dirty = dirty, []
            self.scheduled = False
        for conn in now:
            conn.flush()


_FLUSHERS: dict[asyncio.AbstractEventLoop, _TickFlusher] = {}


def _flusher() -> _TickFlusher:
    loop = asyncio.get_running_loop()
    flusher = _FLUSHERS.get(loop)
    if flusher is None:
        for old in [k for k in _FLUSHERS if k.is_closed()]:
            del _FLUSHERS[old]
        flusher = _FLUSHERS[loop] = _TickFlusher()
    return flusher


class Connection:
    # One per online chatter: slots keep an idle one small (issue 8's memory budget).
    __slots__ = (
        "_closing",
        "_drained",
        "_flusher",
        "_held",
        "_marked",
        "_out",
        "_pinging",
        "_protocol",
        "_transport",
        "_wakeup",
        "_writer",
        "chatter_id",
        "close_code",
        "close_grace",
        "closed",
        "counted",
        "heard_at",
        "pinged_at",
        "queue_max",
        "seen",
        "tasks",
        "ws",
    )

    def __init__(
        self,
        ws: web.WebSocketResponse,
        chatter_id: str,
        *,
        queue_max: int,
        tasks: TaskOwner,
        close_grace: float = CLOSE_GRACE_S,
    ) -> None:
        self.ws = ws
        self.tasks = tasks
        self.chatter_id = chatter_id
        self.queue_max = queue_max
        self.close_grace = close_grace
        self.seen = SeenIds()
        self.closed = False
        self.close_code: CloseCode | None = None
        # Counted in the causette_connections gauge (only once attached to its chatter).
        self.counted = False
        self._out: list[bytes] = []  # payloads not yet written, in order
        self._marked = False
        self._flusher = _flusher()
        # Live messages waiting behind a replay: every channel (None) or named channels.
        self._held: dict[str | None, list[tuple[str, int, bytes]]] = {None: []}
        # Keepalive (server/keepalive.py): when the peer was last heard from (loop time),
        # and when it was pinged without answering yet.
        self.heard_at = asyncio.get_running_loop().time()
        self.pinged_at: float | None = None
        # The writer task and its events exist only once the socket has backed up (or a
        # replay waits): an idle connection holds none of them (~4 KB saved per connection).
        self._wakeup: asyncio.Event | None = None
        self._drained: asyncio.Event | None = None
        self._writer: asyncio.Future[None] | None = None
        self._closing: asyncio.Future[None] | None = None
        self._pinging: asyncio.Future[None] | None = None
        # The raw transport and aiohttp's flow-control flag. If a future aiohttp moves them,
        # the writer task sends every frame through the public API (correct, only slower).
        writer = getattr(ws, "_writer", None)
        self._transport: Any = getattr(writer, "transport", None)
        self._protocol: Any = getattr(writer, "protocol", None)
        if self._protocol is None or not hasattr(self._protocol, "_paused"):
            self._transport = None

    @property
    def queued(self) -> int:
        return len(self._out)

    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        out = self._out
        if len(out) >= self.queue_max:
            self.close(CloseCode.SLOW_CONSUMER, "too slow: resume")
            return
        out.append(frame)
        if not self._marked:
            self._marked = True
            self._flusher.mark(self)

    def flush(self) -> None:
        """Write everything pending in one system call, unless the socket is backed up."""
        self._marked = False
        out = self._out
        if not out or self.closed:
            return
        if self._transport is not None and self._transport.is_closing():
            # The peer is gone: nothing will ever drain; the reader side cleans up.
            self.closed = True
            out.clear()
            self._wake_drain_waiters()
            return
        if self._transport is None or self._protocol._paused:
            self._wake_writer()
            return
        parts: list[bytes] = []
        for payload in out:
            parts.append(text_header(len(payload)))
            parts.append(payload)
        out.clear()
        try:
            self._transport.write(b"".join(parts))
        except (ConnectionError, RuntimeError):
            self.closed = True
        self._wake_drain_waiters()

    def _wake_drain_waiters(self) -> None:
        if self._drained is not None:
            self._drained.set()

    def _wake_writer(self) -> None:
        if self._writer is None:
            self._wakeup = asyncio.Event()
            self._writer = self.tasks.spawn(
                self._write_loop(self._wakeup), name=f"writer-{self.chatter_id}"
            )
        assert self._wakeup is not None
        self._wakeup.set()

    def send_message(self, channel: str, message_id: int, frame: bytes) -> None:
        held = self._held
        if held:
            waiting = held.get(None)
            if waiting is None:
                waiting = held.get(channel)
            if waiting is not None:
                waiting.append((channel, message_id, frame))
                return
        if self.seen.first_time(channel, message_id):
            self.send(frame)

    async def send_replayed(self, channel: str, message_id: int, frame: bytes) -> None:
        """A message from the store during a replay: past any hold, still never twice.

        The replay is paced by the client: it waits while the queue is half full, so a long
        catch-up never trips the slow-consumer bound that protects live traffic.
        """
        while len(self._out) >= self.queue_max // 2 and not self.closed:
            await self._written()
        if self.seen.first_time(channel, message_id):
            self.send(frame)

    def hold(self, channel: str) -> None:
        """Keep live messages of one channel back until ``release(channel)``."""
        if self._held is _NOTHING_HELD:
            self._held = {}
        self._held.setdefault(channel, [])

    def release(self, channel: str | None = None) -> None:
        """End a replay (of one channel, or of all with None) and deliver what waited."""
        waiting = self._held.pop(channel, [])
        if not self._held:
            self._held = _NOTHING_HELD
        for channel_, message_id, frame in waiting:
            self.send_message(channel_, message_id, frame)

    def heard(self, now: float) -> None:
        """The peer sent something: it is alive."""
        self.heard_at = now
        self.pinged_at = None

    def ping(self, now: float) -> None:
        """Ask a silent peer to show it is still there (it answers with a pong)."""
        self.pinged_at = now
        if self.closed:
            return
        if self._transport is None:
            self._pinging = self.tasks.spawn(self.ws.ping(), name=f"ping-{self.chatter_id}")
        elif not self._protocol._paused:
            # Behind a backed-up socket the ping would not get through anyway: a peer that
            # reads nothing for half an interval counts as gone, like a silent one.
            self._transport.write(PING_FRAME)

    def abort(self) -> None:
        """Drop a peer that stopped answering: no close handshake, nobody would reply."""
        if self.closed:
            return
        self.closed = True
        self.close_code = CloseCode.ABNORMAL
        self._out.clear()
        self._stop_writer()
        if self._transport is not None:
            self._transport.abort()
        else:
            self._closing = self._start_close(CloseCode.GOING_AWAY, "gone")

    def close(self, code: CloseCode, reason: str) -> None:
        if self.closed:
            return
        if code is CloseCode.SLOW_CONSUMER:
            metrics.SLOW_CLOSES.inc()
        self.closed = True
        self.close_code = code
        self._out.clear()
        self._stop_writer()
        self._closing = self._start_close(code, reason)

    def _start_close(self, code: CloseCode, reason: str) -> asyncio.Future[None]:
        # A job: the service's close gives it a moment, so a 1001 still reaches the peer.
        return self.tasks.spawn(
            self._close_within(code, reason), name=f"close-{self.chatter_id}", finish=True
        )

    async def _close_within(self, code: CloseCode, reason: str) -> None:
        try:
            async with asyncio.timeout(self.close_grace):
                await self.ws.close(code=code, message=reason.encode())
        except TimeoutError:
            pass  # the peer reads nothing: its close frame waits behind a full buffer
        finally:
            # Whatever ended the close (done, timed out, cancelled), the socket goes now. After
            # a completed handshake this does nothing; otherwise aiohttp left a "graceful"
            # close that waits, without a limit, for a buffer the peer never reads.
            if self._transport is not None:
                self._transport.abort()

    # A bounded wait that returns quietly (stop() runs it in the handler's finally, where a
    # TimeoutError would mask what ended the handler) and never cancels the close itself.
    async def closed_handshake(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait (at most ``timeout`` seconds) for the close started by :meth:`close` to be
        sent and answered. Done, failed or cancelled (the handler ended under it), the close
        is over: none of these is an error here, nor does it cancel the waiter."""
        closing = self._closing
        if closing is None:
            return
        await asyncio.wait([closing], timeout=timeout)
        if closing.done() and not closing.cancelled():
            closing.exception()  # retrieved: a peer gone mid-close is not worth a log line

    async def drain(self) -> None:
        """Wait until everything queued so far is handed to the socket."""
        while self._out and not self.closed:
            await self._written()

    async def _written(self) -> None:
        """Until the next write to the socket (or the close): what flushes sets the event."""
        if self._drained is None:
            self._drained = asyncio.Event()
        self._drained.clear()
        await self._drained.wait()

    def _stop_writer(self) -> None:
        self._wake_drain_waiters()
        if self._writer is not None:
            self._writer.cancel()

    async def _write_loop(self, wakeup: asyncio.Event) -> None:
        """Only runs under backpressure: waits for the socket to drain, then flushes."""
        try:
            while True:
                await wakeup.wait()
                wakeup.clear()
                while self._out and not self.closed:
                    if self._transport is None:
                        payload = self._out.pop(0)
                        await self.ws.send_frame(payload, TEXT)
                        self._wake_drain_waiters()
                        continue
                    if self._protocol._paused:
                        await self._protocol._drain_helper()
                    self.flush()
        except (ConnectionError, RuntimeError):
            # The peer went away; the reader side notices and cleans up.
            self.closed = True
            self._wake_drain_waiters()

    async def stop(self) -> None:
        self.closed = True
        self._stop_writer()
        if self._writer is not None:
            # Waits for the writer's end without taking on its cancellation; a cancellation
            # of this handler still goes through.
            await asyncio.wait([self._writer])
        if self._closing is not None:
            # A close started by another task (a moderator's kick) while the reader waited:
            # let it send its close frame before the handler returns and the socket goes.
            await self.closed_handshake(timeout=1.0)
