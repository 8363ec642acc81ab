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
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from aiohttp import web

from causette.core.errors import ChatError
from causette.core.roles import Permission, allowed
from causette.server.desk.auth import current_moderator
from causette.server.desk.service import DESK
from causette.store.moderators import Moderator

KEEPALIVE_S = 15.0
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
    try:
        await send(f"retry: {RETRY_MS}\n\n".encode())
        await send(_frame({"type": "hello", "role": moderator.role.value}))
        while True:
            try:
                async with asyncio.timeout(KEEPALIVE_S):
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
            if event is None:
                await send(b": keep-alive\n\n")
            elif visible(moderator, event):
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
