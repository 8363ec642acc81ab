"""Several real ``causette serve`` processes on one PostgreSQL and one Redis.

Each test gets its own PostgreSQL schema and Redis key prefix (tests/support/services.py);
``servers(n)`` starts n processes on free ports, stopped at the end of the test.
"""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

import pytest

from tests.support.client import ChatClient, JoinRefused
from tests.support.process import ServerProcess
from tests.support.services import REDIS_URL, pg_schema, redis_prefix
from tests.support.waits import eventually


@pytest.fixture
def cluster_env() -> Iterator[dict[str, str]]:
    with pg_schema() as database_url, redis_prefix() as prefix:
        yield {
            "CAUSETTE_DATABASE_URL": database_url,
            "CAUSETTE_REDIS_URL": REDIS_URL,
            "CAUSETTE_REDIS_PREFIX": prefix,
            "CAUSETTE_PRESENCE_GRACE_S": "5",
            "CAUSETTE_MSG_BURST": "100000",
            "CAUSETTE_CLUSTER_TTL_S": "6",
        }


@pytest.fixture
def servers(
    tmp_path: pathlib.Path, cluster_env: dict[str, str]
) -> Iterator[Callable[..., list[ServerProcess]]]:
    started: list[ServerProcess] = []

    def start(n: int, **env: str) -> list[ServerProcess]:
        procs = [ServerProcess(tmp_path, **{**cluster_env, **env}) for _ in range(n)]
        for proc in procs:
            proc.start()
            started.append(proc)
        return procs

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
async def client_on() -> AsyncIterator[Callable[..., Awaitable[ChatClient]]]:
    clients: list[ChatClient] = []

    async def make(server: ServerProcess, pseudonym: str, **profile: Any) -> ChatClient:
        client = ChatClient(server.url)
        clients.append(client)
        await client.join(pseudonym, **profile)
        await client.connect()
        await client.expect("synced")
        return client

    yield make
    for client in clients:
        await client.close()


__all__ = ["JoinRefused", "eventually"]


async def everyone_read(acked: list[int], readers: Sequence[Any], within: float = 60) -> None:
    """Wait until every reader (anything with ``ids``, the ids it read in order) has the
    last acknowledged id; then each has every acknowledged id, once, in order."""
    last = max(acked)
    deadline = asyncio.get_running_loop().time() + within
    while any((r.ids[-1] if r.ids else 0) < last for r in readers):
        assert asyncio.get_running_loop().time() < deadline, "a reader never caught up"
        await asyncio.sleep(0.1)
    for reader in readers:
        ids = reader.ids
        assert ids == sorted(set(ids)), "a reader got a message twice or out of order"
        missing = set(acked) - set(ids)
        assert not missing, f"{len(missing)} acknowledged messages lost"


class Reader:
    """Reads a recipient's socket all along, keeping the general room's ids in ``ids``;
    when its process goes away, notes the close code and calls ``resume`` (which
    reconnects the client somewhere, from its last ids)."""

    def __init__(self, client: ChatClient, resume: Callable[[ChatClient], Awaitable[None]]) -> None:
        self.client = client
        self.resume = resume
        self.ids: list[int] = []
        self.close_codes: list[int | None] = []
        self.task = asyncio.create_task(self._run())

    @property
    def resumed(self) -> int:
        return len(self.close_codes)

    async def _run(self) -> None:
        client = self.client
        while True:
            try:
                frame = await client.recv(timeout=30)
            except (ConnectionError, TimeoutError):
                self.close_codes.append(client.close_code)
                await self.resume(client)
                continue
            if frame["type"] == "message" and frame["channel"] == "room:general":
                self.ids.append(frame["id"])
            client.frames.clear()
