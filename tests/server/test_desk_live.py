"""The console's live stream (server/desk/live.py): ``GET /api/desk/events`` over real HTTP,
on one process and, in cluster mode, across two processes sharing Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestServer

from causette.server.app import build_app
from causette.server.desk import DESK, live
from causette.settings import Settings
from tests.support.desk import DeskClient

EVENT_TIMEOUT_S = 5.0


class EventStream:
    """One open ``/api/desk/events`` response, read event by event."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = EVENT_TIMEOUT_S) -> dict[str, Any] | None:
        """The next ``data:`` event, or None when the server ended the stream."""

        async def read() -> dict[str, Any] | None:
            while True:
                line = await self.response.content.readline()
                if not line:
                    return None
                if line.startswith(b"data: "):
                    event: dict[str, Any] = orjson.loads(line[6:])
                    return event

        return await asyncio.wait_for(read(), timeout)

    async def until(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Skip events until one of type ``kind`` with these fields."""
        while True:
            event = await self.next()
            assert event is not None, f"stream ended before a {kind} event"
            if event["type"] == kind and all(event.get(k) == v for k, v in fields.items()):
                return event


@pytest.fixture
async def open_stream() -> AsyncIterator[Any]:
    opened: list[aiohttp.ClientResponse] = []

    async def open_(desk: DeskClient, base_url: str | None = None) -> EventStream:
        url = f"{(base_url or desk.base_url).rstrip('/')}/api/desk/events"
        response = await desk.http.get(url, timeout=aiohttp.ClientTimeout(total=None))
        opened.append(response)
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        stream = EventStream(response)
        hello = await stream.next()
        assert hello is not None and hello["type"] == "hello"
        assert hello["role"] == desk.moderator["role"]
        return stream

    yield open_
    for response in opened:
        response.close()


async def test_a_published_change_reaches_an_open_console(server, make_moderator, open_stream):
    """What the desk publishes arrives as one SSE event, without polling."""
    mod = await make_moderator("modo")
    stream = await open_stream(mod)
    server.app[DESK].publish("queue", change="added", item_kind="report", id="r-1")
    event = await stream.until("queue")
    assert event == {"type": "queue", "change": "added", "item_kind": "report", "id": "r-1"}


async def test_a_chatters_report_reaches_the_console_live(make_client, make_moderator, open_stream):
    """A report filed in the chat shows up on an open console as a queue event."""
    mod = await make_moderator("modo")
    stream = await open_stream(mod)
    alice = await make_client("Alice")
    await make_client("Relou99", gender="m")
    ack = await alice.request(
        {"type": "report", "category": "harassment", "pseudonym": "Relou99"}, "report_ack"
    )
    event = await stream.until("queue", item_kind="report")
    assert event["id"] == ack["report_id"] and event["change"] == "added"


async def test_roles_receive_only_their_events(server, make_moderator, open_stream):
    """A legal officer's stream skips the queue's events but gets the legal ones and resync;
    a moderator's stream skips the requisitions'."""
    legal = await open_stream(await make_moderator("juriste", "legal"))
    mod = await open_stream(await make_moderator("modo"))
    desk = server.app[DESK]
    desk.publish("queue", change="added", item_kind="alert", id="a-1")
    desk.publish("requisition", change="added", id="q-1")
    desk.publish("resync")
    assert (await legal.next()) == {"type": "requisition", "change": "added", "id": "q-1"}
    assert (await legal.next()) == {"type": "resync"}
    assert (await mod.next()) == {
        "type": "queue",
        "change": "added",
        "item_kind": "alert",
        "id": "a-1",
    }
    assert (await mod.next()) == {"type": "resync"}


async def test_the_stream_refuses_without_a_desk_session(base_url, make_client):
    """No session, a made-up token or a chatter's session: 401 before any event."""
    chatter = await make_client("Alice")
    url = f"{base_url.rstrip('/')}/api/desk/events"
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"Authorization": "Bearer nope"}):
            async with http.get(url, headers=headers) as answer:
                assert answer.status == 401
                body = await answer.json()
                assert body["error"]["code"] == "not_authenticated"
        async with http.get(url, headers={"Authorization": f"Bearer {chatter.token}"}) as answer:
            assert answer.status == 401


async def test_a_logout_ends_the_stream(
    make_moderator, open_stream, monkeypatch: pytest.MonkeyPatch
):
    """The session is checked again at the keep-alive: after logout the stream says so and
    ends."""
    monkeypatch.setattr(live, "KEEPALIVE_S", 0.2)
    mod = await make_moderator("modo")
    stream = await open_stream(mod)
    await mod.call("POST", "/api/desk/logout", expect=204)
    assert (await stream.next()) == {"type": "logged_out"}
    assert (await stream.next()) is None


async def test_a_slow_console_gets_one_resync(server):
    """A console that does not read gets ``resync`` instead of an unbounded backlog."""
    desk = server.app[DESK]
    queue = desk.watch()
    try:
        # The local fan-out is what is under test (publish also puts each on the bus).
        for n in range(1000):
            desk.deliver({"type": "queue", "change": "added", "item_kind": "report", "id": str(n)})
        events = [queue.get_nowait() for _ in range(queue.qsize())]
    finally:
        desk.unwatch(queue)
    assert len(events) == queue.maxsize
    assert events[-1] == {"type": "resync"}
    assert events[0]["id"] == "0"


@pytest.mark.parametrize("backend", ["cluster"], indirect=True)
async def test_events_reach_consoles_on_another_process(
    backend: str, settings: Settings, server, make_moderator, open_stream
):
    """Cluster mode only: a change published on one process reaches a console open on
    another (a second app on the same PostgreSQL and Redis), exactly once."""
    second = TestServer(build_app(settings), host="127.0.0.1")
    await second.start_server()
    try:
        mod = await make_moderator("modo")
        other_url = str(second.make_url("/"))
        remote = await open_stream(mod, other_url)
        local = await open_stream(mod)
        server.app[DESK].publish("queue", change="removed", item_kind="held", id="h-9")
        expected = {"type": "queue", "change": "removed", "item_kind": "held", "id": "h-9"}
        assert (await remote.next()) == expected
        assert (await local.next()) == expected
        server.app[DESK].publish("resync")
        # Exactly once: the next event on the remote console is the next publication.
        assert (await remote.next()) == {"type": "resync"}
    finally:
        await second.close()


async def test_a_burst_of_queue_changes_is_one_event_then_the_latest(
    server, make_moderator, open_stream, monkeypatch
):
    """Issue 17 (a bot flood): each held copy is a queue change, and the console re-reads
    the whole queue on each event. A stream passes the first at once, then only the latest
    of those that came within QUEUE_EVENTS_EVERY_S; other events are not held back."""
    monkeypatch.setattr(live, "QUEUE_EVENTS_EVERY_S", 0.5)
    mod = await make_moderator("modo")
    stream = await open_stream(mod)
    desk = server.app[DESK]
    desk.publish("queue", change="added", item_kind="held", id="h-0")
    assert (await stream.next())["id"] == "h-0"
    for n in range(1, 50):
        desk.publish("queue", change="added", item_kind="held", id=f"h-{n}")
    desk.publish("resync")  # not a queue event: not held back
    assert await stream.next() == {"type": "resync"}
    assert await stream.next() == {
        "type": "queue",
        "change": "added",
        "item_kind": "held",
        "id": "h-49",
    }
    desk.publish("resync")  # a barrier: nothing else was held back in between
    assert await stream.next() == {"type": "resync"}
