"""One WebSocket connection's outgoing side: straight to the socket while it keeps up, else
a bounded queue drained by one writer task.

Rules:
- Frames arrive already encoded (the same bytes for every recipient).
- The hot path writes a frame synchronously when nothing is queued and the transport is not
  paused (its buffer is under the high-water mark): no task switch per recipient. Otherwise
  the frame joins the queue, which the writer drains as the socket drains, in order.
- The queue is bounded: a client that cannot keep up is closed with 4008 and resumes later;
  it never slows the room.
- Messages carry (channel, id): a connection delivers each at most once, in id order.
- While the resume replay runs (or a room's history is being sent on join), live messages of
  the channels concerned wait behind it and are then delivered without the duplicates the
  replay already sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Any

from aiohttp import WSMsgType, web

from causette.core.resume import SeenIds
from causette.server import metrics

CLOSE_SLOW_CONSUMER = 4008
TEXT = WSMsgType.TEXT


class Connection:
    def __init__(self, ws: web.WebSocketResponse, chatter_id: str, *, queue_max: int) -> None:
        self.ws = ws
        self.chatter_id = chatter_id
        self.queue_max = queue_max
        self.seen = SeenIds()
        self.closed = False
        self.close_code: int | None = None
        self._queue: deque[bytes] = deque()
        # Live messages waiting behind a replay: every channel (None) or named channels.
        self._held: dict[str | None, list[tuple[str, int, bytes]]] = {None: []}
        self._wakeup = asyncio.Event()
        self._drained = asyncio.Event()
        self._closing: asyncio.Future[bool] | None = None
        # aiohttp's own uncompressed framing and its flow-control flag; when a future aiohttp
        # moves them, every frame takes the queue (correct, only slower).
        writer = getattr(ws, "_writer", None)
        self._write_frame = getattr(writer, "_write_websocket_frame", None)
        self._protocol: Any = getattr(writer, "protocol", None)
        if self._protocol is None or not hasattr(self._protocol, "_paused"):
            self._write_frame = None
        self._writer = asyncio.create_task(self._write_loop(), name=f"writer-{chatter_id}")

    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        if not self._queue and self._write_frame is not None and not self._protocol._paused:
            try:
                self._write_frame(frame, TEXT, 0)
            except (ConnectionError, RuntimeError):
                self.closed = True
            return
        if len(self._queue) >= self.queue_max:
            self.close(CLOSE_SLOW_CONSUMER, "too slow: resume")
            return
        self._queue.append(frame)
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
        while len(self._queue) >= self.queue_max // 2 and not self.closed:
            self._drained.clear()
            await self._drained.wait()
        if self.seen.first_time(channel, message_id):
            self.send(frame)

    def hold(self, channel: str) -> None:
        """Keep live messages of one channel back until ``release(channel)``."""
        self._held.setdefault(channel, [])

    def release(self, channel: str | None = None) -> None:
        """End a replay (of one channel, or of all with None) and deliver what waited."""
        for channel_, message_id, frame in self._held.pop(channel, []):
            self.send_message(channel_, message_id, frame)

    def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        if code == CLOSE_SLOW_CONSUMER:
            metrics.SLOW_CLOSES.inc()
        self.closed = True
        self.close_code = code
        self._queue.clear()
        self._drained.set()
        self._writer.cancel()
        self._closing = asyncio.ensure_future(self.ws.close(code=code, message=reason.encode()))

    async def flush(self) -> None:
        """Wait until everything queued so far is handed to the socket."""
        while self._queue and not self.closed:
            await asyncio.sleep(0.005)

    async def _write_loop(self) -> None:
        queue, ws = self._queue, self.ws
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                while queue:
                    await ws.send_frame(queue.popleft(), TEXT)
                    if len(queue) < self.queue_max // 2:
                        self._drained.set()
        except (ConnectionError, RuntimeError):
            # The peer went away; the reader side notices and cleans up.
            self.closed = True
        except asyncio.CancelledError:
            pass

    async def stop(self) -> None:
        self.closed = True
        self._drained.set()
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
