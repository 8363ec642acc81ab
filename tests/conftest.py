"""Shared fixtures: a real server on a real socket, and chat clients to talk to it."""

from __future__ import annotations

import os
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from causette.server.app import build_app
from causette.server.desk import DESK
from causette.server.desk.service import new_moderator
from causette.settings import Settings
from tests.support.client import ChatClient
from tests.support.clock import Clock
from tests.support.desk import PASSWORD, DeskClient

TEST_SETTINGS: dict[str, Any] = {
    "pow_difficulty": 4,
    "joins_per_ip_per_hour": 10_000,
    "presence_grace_s": 5.0,
    "secret": "test-secret",
    "sqlite_synchronous": "NORMAL",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def settings(tmp_path: pathlib.Path) -> Settings:
    return Settings(data_dir=tmp_path, **TEST_SETTINGS)


@pytest.fixture
def server_clock() -> Clock:
    """The clock the server is built with: real time until a test sets ``now``."""
    return Clock()


@pytest.fixture
async def server(settings: Settings, server_clock: Clock) -> AsyncIterator[TestServer]:
    srv = TestServer(build_app(settings, clock=server_clock), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def base_url(server: TestServer) -> str:
    return str(server.make_url("/"))


@pytest.fixture
async def make_client(base_url: str) -> AsyncIterator[Callable[..., Awaitable[ChatClient]]]:
    clients: list[ChatClient] = []

    async def make(
        pseudonym: str | None = None, *, connect: bool = True, **profile: Any
    ) -> ChatClient:
        client = ChatClient(base_url)
        clients.append(client)
        if pseudonym is not None:
            await client.join(pseudonym, **profile)
            if connect:
                await client.connect()
                await client.expect("synced")
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def make_moderator(
    server: TestServer, base_url: str
) -> AsyncIterator[Callable[..., Awaitable[DeskClient]]]:
    """A moderator account on the test server, logged in: ``await make_moderator("mod")``."""
    desks: list[DeskClient] = []

    async def make(name: str = "modo", role: str = "moderator") -> DeskClient:
        desk = server.app[DESK]
        await desk.moderators.create(new_moderator(name, role, PASSWORD, desk.clock()), "test")
        client = await DeskClient.login(base_url, name)
        desks.append(client)
        return client

    yield make
    for client in desks:
        await client.close()
