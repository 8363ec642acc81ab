"""Live updates of the moderation console: ``GET /api/desk/events`` (Server-Sent Events).

Rules:
- Any live desk session may open the stream; each event reaches only the roles allowed to
  read what it is about (``EVENT_PERMISSION``: a legal officer does not get the queue's
  events, a moderator does not get the requisitions'). ``resync`` and ``hello`` go to all.
- Events only say *that* something changed (kind, id, change), never its content: the
  console then re-reads through the endpoints that check and audit the reads.
- Events come from ``Desk.watch()``: in cluster mode ``Desk.publish`` also carries them to
  the other processes through the bus (server/desk/service.py), so a console connected to
  any process sees every change.
- The session is checked again at every keep-alive: a stream outlives neither a logout
  nor a disabled account by more than ``KEEPALIVE_S``.
- ``queue`` events reach a stream at most once every ``QUEUE_EVENTS_EVERY_S``: the first at
  once, then the latest of those that came meanwhile when the interval is over. A console
  re-reads the whole queue on each one, so under a bot flood (dozens of held copies a
  second) an event per copy kept every open console re-reading back to back, at a cost
  that grows with the queue (issue 17: 188 reads of ~35 ms of server CPU in a minute, a
  tenth of a core per console). What the console learns from the ids it misses it finds
  by comparing the queue it reads with the one it had.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Any

import orjson
from aiohttp import web

from causette.core.errors import ChatError
from causette.core.roles import Permission, allowed
from causette.server.desk.auth import current_moderator
from causette.server.desk.service import DESK
from causette.store.moderators import Moderator

KEEPALIVE_S = 15.0
QUEUE_EVENTS_EVERY_S = 1.0
# A console that stops reading (a frozen tab, a dead link) would hold this handler in a
# blocked write, past logout and shutdown: past this, the stream is dropped (the console's
# EventSource reconnects and resyncs if it is alive).
WRITE_TIMEOUT_S = 10.0
RETRY_MS = 3000
_CLOSE: dict[str, Any] = {"type": "_close"}

# Which permission an event type needs. A type not listed goes to those who read the queue.
EVENT_PERMISSION: dict[str, Permission | None] = {
    "hello": None,
    "resync": None,
    "queue": Permission.QUEUE_READ,
    "requisition": Permission.REQUISITION,
    "export": Permission.REQUISITION,
    "preservation": Permission.PRESERVE,
    "notification": Permission.EMERGENCY,
}

_STREAMS: web.AppKey[set[asyncio.Queue[dict[str, Any]]]] = web.AppKey("desk_streams")


def visible(moderator: Moderator, event: dict[str, Any]) -> bool:
    permission = EVENT_PERMISSION.get(str(event.get("type")), Permission.QUEUE_READ)
    return permission is None or allowed(moderator.role, permission)


def _frame(event: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(event) + b"\n\n"


async def _still_open(request: web.Request) -> bool:
    try:
        await current_moderator(request)
    except ChatError:
        return False
    return True


async def events(request: web.Request) -> web.StreamResponse:
    moderator = await current_moderator(request)
    desk = request.app[DESK]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache, no-store",
            # A buffering reverse proxy would hold the events back.
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue = desk.watch()
    streams = request.app[_STREAMS]
    streams.add(queue)

    async def send(data: bytes) -> None:
        async with asyncio.timeout(WRITE_TIMEOUT_S):
            await response.write(data)

    loop = asyncio.get_running_loop()
    checked = loop.time()
    queue_sent_at = -math.inf
    held_back: dict[str, Any] | None = None  # the latest queue event not sent yet
    try:
        await send(f"retry: {RETRY_MS}\n\n".encode())
        await send(_frame({"type": "hello", "role": moderator.role.value}))
        while True:
            wait = KEEPALIVE_S
            if held_back is not None:
                wait = max(0.0, queue_sent_at + QUEUE_EVENTS_EVERY_S - loop.time())
            try:
                async with asyncio.timeout(wait):
                    event = await queue.get()
            except TimeoutError:
                event = None
            if event is _CLOSE:
                break
            # The session is checked at least every KEEPALIVE_S, busy stream or not.
            if loop.time() - checked >= KEEPALIVE_S:
                checked = loop.time()
                if not await _still_open(request):
                    await send(_frame({"type": "logged_out"}))
                    break
            if event is None and held_back is not None:
                event, held_back = held_back, None
            if event is None:
                await send(b": keep-alive\n\n")
                continue
            if not visible(moderator, event):
                continue
            if event.get("type") == "queue":
                if loop.time() - queue_sent_at < QUEUE_EVENTS_EVERY_S:
                    held_back = event
                    continue
                queue_sent_at, held_back = loop.time(), None  # this one says it all
            await send(_frame(event))
    except (ConnectionResetError, ConnectionError, TimeoutError):
        pass  # the console went away, or stopped reading
    finally:
        desk.unwatch(queue)
        streams.discard(queue)
    with contextlib.suppress(ConnectionError, TimeoutError):
        async with asyncio.timeout(WRITE_TIMEOUT_S):
            await response.write_eof()
    return response


async def _close_streams(app: web.Application) -> None:
    """Shutting down: end the streams now rather than after the shutdown timeout."""
    streams = app[_STREAMS]
    for queue in list(streams):
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(_CLOSE)


def setup_routes(app: web.Application) -> None:
    app[_STREAMS] = set()
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/api/desk/events", events)
