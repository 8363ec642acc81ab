"""The WebSocket endpoint: read frames, validate, dispatch to the chat service, reply.

Rules:
- The first frame is ``hello``; until it authenticates, nothing else is handled.
- While a hello is answered (the session read, the replay), the socket is read beside it:
  what the client sends is kept and answered after ``synced``, in order; a close stops
  the resume at its next step, before it attaches (issue 17: resumes of clients who had
  given up took most of a storm's reads, then the session from the client's new socket).
- Every frame gets exactly one outcome: its reply, or an ``error`` with a stable code.
  Nothing a client sends can crash the handler: a bug answers ``internal`` and is logged.
- Frames of one connection are handled in order; posts are pipelined (a bounded number in
  flight) so a fast sender is not held back by the commit of its previous message, and
  their acks still come back in order because ids and commits are ordered.
- Every handler running is held in ``Handlers`` (one per application): a graceful stop
  cancels the ones still running after the drain and waits for them, bounded, before the
  store and the bus they use are closed. A handler never outlives the stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMessage, WSMsgType, web

from causette.core.errors import ChatError, ErrorCode
from causette.server import events as ev
from causette.server import protocol
from causette.server.chat import ChatService
from causette.server.chatter import Chatter
from causette.server.connection import Connection
from causette.server.keys import SERVICE, WS_HANDLERS
from causette.server.protocol import CloseCode
from causette.server.retention import source_of
from causette.server.sessions import credentials
from causette.store.own_data import BY_AUTHOR
from causette.store.readers import reads_since
from causette.tasks import TaskOwner

log = logging.getLogger(__name__)

HARD_FRAME_LIMIT = 64 * 1024
HELLO_TIMEOUT_S = 30.0
POSTS_IN_FLIGHT = 64

Handler = Callable[[ChatService, Chatter, ev.Event, str | None], Awaitable[bytes | None]]


async def _join(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Join)
    await s.join_room(c, e.room)
    return None


async def _leave(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Leave)
    await s.leave_room(c, e.room)
    return protocol.left_reply(e.room, ref)


async def _post(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Post)
    await s.post(c, e.room, e.text, ref)
    return None


async def _pm(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Pm)
    await s.pm(c, e.to, e.conversation, e.text, ref)
    return None


async def _pm_respond(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.PmRespond)
    await s.pm_respond(c, e.conversation, e.decision)
    return None


async def _pm_policy(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.PmPolicyEvent)
    await s.set_pm_policy(c, e.policy)
    return protocol.pm_policy_ack(ref, e.policy)


async def _block(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Block)
    return protocol.blocked_reply(await s.block(c, e.pseudonym), ref)


async def _unblock(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Unblock)
    return protocol.unblocked_reply(await s.unblock(c, e.pseudonym), ref)


async def _users(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Users)
    return protocol.users(e.room, s.users(c, e.room), ref)


async def _rooms(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    return protocol.rooms(s.rooms(c), ref)


async def _search(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Search)
    return protocol.search(e.q, s.search(c, e.q), ref)


async def _history(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.History)
    messages = await s.history(c, e.channel, e.before, e.limit)
    return protocol.history(e.channel, messages, ref)


async def _report(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Report)
    return protocol.report_ack(await s.reports.file(c, e), ref)


async def _delete(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Delete)
    # Kept as evidence or not, the author gets the same answer: that is the desk's business.
    await s.own.delete_message(c, e.channel, e.id)
    return protocol.deleted(e.channel, e.id, BY_AUTHOR, ref)


async def _ping(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    return protocol.pong(ref)


async def _typing(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.Typing)
    await s.typing(c, e.conversation)
    return None  # no answer: a typing notice is best effort


async def _age_answer(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    assert isinstance(e, ev.AgeAnswer)
    await s.screening.on_age_answer(c, under=e.under)
    return protocol.age_answer_ack(ref, e.under)


async def _hello_again(s: ChatService, c: Chatter, e: ev.Event, ref: str | None) -> bytes | None:
    raise ChatError(ErrorCode.BAD_EVENT)


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.Hello: _hello_again,
    ev.Join: _join,
    ev.Leave: _leave,
    ev.Post: _post,
    ev.Pm: _pm,
    ev.PmRespond: _pm_respond,
    ev.PmPolicyEvent: _pm_policy,
    ev.Block: _block,
    ev.Unblock: _unblock,
    ev.Users: _users,
    ev.Rooms: _rooms,
    ev.Search: _search,
    ev.History: _history,
    ev.Report: _report,
    ev.Delete: _delete,
    ev.Ping: _ping,
    ev.Typing: _typing,
    ev.AgeAnswer: _age_answer,
}


class _Session:
    """One authenticated socket: reads frames and answers them, in order."""

    __slots__ = ("_in_flight", "chatter", "conn", "frame_limit", "service", "tasks")

    def __init__(self, service: ChatService, chatter: Chatter, conn: Connection) -> None:
        self.service = service
        self.chatter = chatter
        self.conn = conn
        self.frame_limit = service.settings.frame_max_bytes
        # Made at the first post: most of a crowd reads and never posts (memory, issue 8).
        self._in_flight: asyncio.Semaphore | None = None
        self.tasks: TaskOwner | None = None

    @property
    def in_flight(self) -> asyncio.Semaphore:
        if self._in_flight is None:
            self._in_flight = asyncio.Semaphore(POSTS_IN_FLIGHT)
        return self._in_flight

    async def handle_text(self, data: str) -> None:
        if len(data) * 4 > self.frame_limit and len(data.encode()) > self.frame_limit:
            self.conn.send(protocol.error(ChatError(ErrorCode.FRAME_TOO_BIG), self.chatter.lang))
            return
        try:
            event, ref = ev.parse_event(data)
        except ChatError as exc:
            self.conn.send(protocol.error(exc, self.chatter.lang, exc.ref))
            return
        handler = HANDLERS[type(event)]
        if isinstance(event, ev.Post | ev.Pm):
            await self.in_flight.acquire()
            if self.tasks is None:
                self.tasks = TaskOwner(f"session-{self.chatter.id}")
            self.tasks.spawn(self._run(handler, event, ref, release=True), name="post")
        else:
            await self._run(handler, event, ref)

    async def _run(
        self, handler: Handler, event: ev.Event, ref: str | None, *, release: bool = False
    ) -> None:
        try:
            reply = await handler(self.service, self.chatter, event, ref)
            if reply is not None:
                self.conn.send(reply)
        except ChatError as exc:
            self.conn.send(protocol.error(exc, self.chatter.lang, ref))
        except Exception:
            log.exception("handler failed for %s", type(event).__name__)
            self.conn.send(protocol.error(ChatError(ErrorCode.INTERNAL), self.chatter.lang, ref))
        finally:
            if release:
                self.in_flight.release()


def _close_code(exc: ChatError, refusal: CloseCode) -> CloseCode:
    """The close code for a refused connection: ``refusal``, unless the database is away
    for a moment, when the session is still good and the client should just retry later
    (not be sent back to the join form)."""
    return CloseCode.TRY_LATER if exc.code is ErrorCode.STORE_UNAVAILABLE else refusal


async def _refuse(
    ws: web.WebSocketResponse, exc: ChatError, close_code: CloseCode, lang: str
) -> None:
    await ws.send_str(protocol.error(exc, lang).decode())
    await ws.close(code=close_code, message=exc.code.value.encode())


async def _first_frame(ws: web.WebSocketResponse) -> WSMessage | None:
    """The first data frame (pings before it are answered), or None after a timeout."""
    while True:
        try:
            msg = await ws.receive(timeout=HELLO_TIMEOUT_S)
        except TimeoutError:
            return None
        if msg.type is WSMsgType.PING:
            await ws.pong(msg.data)
        elif msg.type is not WSMsgType.PONG:
            return msg


async def _hello(ws: web.WebSocketResponse) -> ev.Hello | None:
    """Read and check the hello; on anything else, refuse and return None (a socket that
    closed before saying anything is just gone)."""
    first = await _first_frame(ws)
    if first is not None and first.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        return None
    try:
        if first is None or first.type is not WSMsgType.TEXT:
            raise ChatError(ErrorCode.HELLO_REQUIRED)
        hello, _ = ev.parse_event(first.data)
        if not isinstance(hello, ev.Hello):
            raise ChatError(ErrorCode.HELLO_REQUIRED)
    except ChatError as exc:
        await _refuse(ws, exc, CloseCode.HELLO_REQUIRED, "fr")
        return None
    return hello


_LEFT = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


class _Arrivals:
    """While a hello is answered (the session read, sanctions checked, the replay): what
    the client sends meanwhile, kept in order for the session, and whether it left.

    A client that gives up on a slow resume closes its socket and tries again, elsewhere
    or here. Its resume is then worth nothing: not the reads still ahead of it (in a resume
    storm, nine tenths of the reads were for sockets already closed), and above all not the
    takeover of a session the client has since resumed on another socket (closed with 4009,
    which the web client takes as "opened elsewhere" and stops). Each step of the resume
    looks whether its client is still there (issue 17).
    """

    __slots__ = ("_task", "conn", "frames", "left", "since")

    def __init__(self, ws: web.WebSocketResponse, tasks: TaskOwner) -> None:
        self.since = time.monotonic()  # the hello's arrival: its reads' age
        self.frames: list[WSMessage] = []
        self.left = False
        self.conn: Connection | None = None  # once made: aborted if the client leaves
        self._task: asyncio.Future[None] | None = tasks.spawn(self._read(ws), name="hello")

    async def _read(self, ws: web.WebSocketResponse) -> None:
        while True:
            msg = await ws.receive()
            if msg.type in _LEFT:
                self.left = True
                if self.conn is not None:
                    self.conn.abort()
                return
            self.frames.append(msg)

    def attach(self, conn: Connection) -> None:
        self.conn = conn
        if self.left:
            conn.abort()

    async def stop(self) -> None:
        """Stop reading (cancelling a read loses no frame: it stays in aiohttp's queue)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _authenticate(
    service: ChatService,
    ws: web.WebSocketResponse,
    request: web.Request,
    hello: ev.Hello,
    arrivals: _Arrivals,
) -> tuple[Chatter, list[bytes], dict[str, int]] | None:
    """Session and sanctions: the chatter, the statements it missed, its last ids; None
    when refused or when the client left meanwhile.

    A function of its own so the hello's objects are freed once it returns: the handler's
    frame lives as long as the connection (issue 8's memory per idle chatter).
    """
    lang = hello.lang or "fr"
    token, device = (hello.token, None) if hello.token else credentials(request)
    try:
        chatter = await service.live.authenticate(token, device)
    except ChatError as exc:
        await arrivals.stop()
        await _refuse(ws, exc, _close_code(exc, CloseCode.NOT_AUTHENTICATED), lang)
        return None
    if arrivals.left:
        return None
    if hello.lang:
        chatter.lang = hello.lang
    try:
        missed = await service.sanctions.check_hello(chatter, away_since=chatter.last_seen)
    except ChatError as exc:
        await arrivals.stop()
        await _refuse(ws, exc, _close_code(exc, CloseCode.SANCTIONED), chatter.lang)
        return None
    if arrivals.left:
        return None
    return chatter, missed, hello.last_ids


async def _receive(
    session: _Session, ws: web.WebSocketResponse, msg: WSMessage, now: float
) -> bool:
    """One frame of an authenticated socket; False once the socket is done."""
    conn = session.conn
    conn.heard(now)
    if msg.type is WSMsgType.TEXT:
        await session.handle_text(msg.data)
    elif msg.type is WSMsgType.PING:
        await ws.pong(msg.data)
    elif msg.type is WSMsgType.BINARY:
        conn.send(protocol.error(ChatError(ErrorCode.BINARY_UNSUPPORTED), session.chatter.lang))
    elif msg.type is WSMsgType.ERROR:
        return False
    return not conn.closed


def _cap_send_buffer(request: web.Request, size: int) -> None:
    """Cap the kernel's send buffer of this socket (``send_buffer_bytes``). Left to its
    autotuning, Linux grows it up to 4 MB for a peer that stops reading, before the send
    queue gets a single frame: 5,000 silent sockets held 565 MB and none was cut with 4008
    (bench/bench_silent.py, issue 17)."""
    transport = request.transport
    sock = transport.get_extra_info("socket") if transport is not None else None
    if size <= 0 or sock is None:
        return
    with contextlib.suppress(OSError):  # not a TCP socket (a test's pipe): nothing to cap
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)


async def websocket_handler(request: web.Request) -> web.StreamResponse:
    handlers = request.app[WS_HANDLERS]
    if handlers.stopping:
        raise web.HTTPServiceUnavailable(text="server restarting")
    task = asyncio.current_task()
    assert task is not None
    handlers.add(task)
    try:
        return await _websocket(request)
    finally:
        handlers.discard(task)


async def _websocket(request: web.Request) -> web.StreamResponse:
    service = request.app[SERVICE]
    # No aiohttp heartbeat: pings are ours (server/keepalive.py), one sweep for all sockets.
    ws = web.WebSocketResponse(
        max_msg_size=HARD_FRAME_LIMIT, compress=False, heartbeat=None, autoping=False
    )
    _cap_send_buffer(request, service.settings.send_buffer_bytes)
    await ws.prepare(request)
    hello = await _hello(ws)
    if hello is None:
        return ws
    arrivals = _Arrivals(ws, service.tasks)
    try:
        with reads_since(arrivals.since):
            authenticated = await _authenticate(service, ws, request, hello, arrivals)
        del hello
        if authenticated is not None:
            chatter, missed, last_ids = authenticated
            resume = [missed, last_ids]
            del authenticated, missed, last_ids
            await _serve(service, ws, request, arrivals, chatter, resume)
    finally:
        await arrivals.stop()
    return ws


async def _serve(
    service: ChatService,
    ws: web.WebSocketResponse,
    request: web.Request,
    arrivals: _Arrivals,
    chatter: Chatter,
    resume: list[Any],
) -> None:
    """Attach, replay, then read the socket until it closes. ``resume`` (the statements
    the chatter missed, its last ids) is emptied once sent: the caller's frame, like this
    one, lives as long as the connection."""
    missed: list[bytes] = resume.pop(0)
    last_ids: dict[str, int] = resume.pop(0)
    session: _Session | None = None
    conn = Connection(
        ws,
        chatter.id,
        queue_max=service.settings.send_queue_max,
        tasks=service.tasks,
        close_grace=service.settings.close_grace_s,
    )
    arrivals.attach(conn)
    try:
        try:
            # Its reads go ahead of those of the resumes that came after it (a storm's
            # resumes end in their order of arrival, store/readers.py).
            with reads_since(arrivals.since):
                await service.live.connect(chatter, conn, last_ids)
        except ChatError as exc:
            await conn.stop()
            await arrivals.stop()
            await _refuse(ws, exc, _close_code(exc, CloseCode.NAME_TAKEN), chatter.lang)
            return
        await arrivals.stop()
        if arrivals.left:
            return
        # Statements of reasons of sanctions taken while away (DSA art. 17).
        for statement in missed:
            conn.send(statement)
        del missed, last_ids
        source = source_of(request, service.settings.trusted_proxies, service.clock())
        await service.retention.connected(chatter, source)
        del source
        session = _Session(service, chatter, conn)
        clock = asyncio.get_running_loop().time
        # What the client sent during the resume first, in order; then the socket.
        for msg in arrivals.frames:
            if not await _receive(session, ws, msg, clock()):
                break
        arrivals.frames.clear()
        if not conn.closed:
            async for msg in ws:
                if not await _receive(session, ws, msg, clock()):
                    break
        if session.tasks is not None:
            # Every post in flight ends (acknowledged or refused) before the last drain.
            await session.tasks.join()
        await conn.drain()
    finally:
        if session is not None and session.tasks is not None:
            # Already over, unless the handler was cancelled: then none runs on without it.
            await session.tasks.close()
        await conn.stop()
        service.live.disconnect(chatter, conn)
