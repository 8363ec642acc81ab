"""Redis stops and comes back (a test-owned redis-server): the processes keep serving their
own clients, say so in /healthz and /metrics, and catch up when it returns."""

from __future__ import annotations

import asyncio
import urllib.request

import orjson

from tests.cluster.conftest import eventually
from tests.support.process import free_port
from tests.support.services import RedisServer


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:
        body: bytes = resp.read()
        return body


async def _health(url: str) -> dict:
    body: dict = orjson.loads(await asyncio.to_thread(_get, f"{url}healthz"))
    return body


async def test_redis_stop_and_restart(servers, client_on):
    """During the outage each process serves its own clients and reports `degraded`;
    after it, messages posted meanwhile reach the other process's clients, in order, and
    a block made meanwhile holds on the other process."""
    redis = RedisServer(free_port()).start()
    try:
        p1, p2 = servers(2, CAUSETTE_REDIS_URL=redis.url)
        alice = await client_on(p1, "Alice")
        anna = await client_on(p1, "Anna")
        bob = await client_on(p2, "Bob", gender="m")
        for client in (alice, anna, bob):
            await client.enter("general")
        await alice.post("general", "avant")
        await bob.expect("message", text="avant")
        # Anna's process now holds a copy of Bob (a pending request to him).
        assert (await anna.pm("Bob", "une question"))["type"] == "ack"

        redis.stop()

        async def degraded(url: str) -> bool:
            return (await _health(url))["status"] == "degraded"

        await eventually(lambda: degraded(p1.url), timeout=10)
        await eventually(lambda: degraded(p2.url), timeout=10)
        metrics = (await asyncio.to_thread(_get, f"{p1.url}metrics")).decode()
        assert "causette_redis_up 0.0" in metrics
        # Alice's own process still serves her and Anna.
        during = [await alice.post("general", f"pendant {i}") for i in range(5)]
        assert all(a["type"] == "ack" for a in during)
        for i in range(5):
            await anna.expect("message", text=f"pendant {i}")
        # A block made during the outage reaches nobody on the bus...
        blocked = await bob.request({"type": "block", "pseudonym": "Anna"}, "blocked")
        assert blocked["pseudonym"] == "Anna"

        redis.start()
        await eventually(lambda: _up(p1.url), timeout=15)
        await eventually(lambda: _up(p2.url), timeout=15)
        # Bob's process catches up from the store, in order, without a new message.
        for i in range(5):
            await bob.expect("message", text=f"pendant {i}", timeout=10)
        await alice.post("general", "après")
        await bob.expect("message", text="après", timeout=10)
        ids = [m["id"] for m in bob.messages("room:general")]
        assert ids == sorted(set(ids))
        assert len(ids) == 7

        # ...and holds on Anna's process once Redis is back: its copies are re-read when it
        # reconnects, which may end a moment after /healthz says "ok". Until then her
        # request is still pending, so a try delivers nothing either way.
        async def refused() -> bool:
            answer = await anna.pm("Bob", "encore")
            assert answer.get("code") in ("pm_refused", "pm_pending"), answer
            return bool(answer["code"] == "pm_refused")

        await eventually(refused, timeout=10)
    finally:
        redis.stop()


async def _up(url: str) -> bool:
    return (await _health(url))["status"] == "ok"
