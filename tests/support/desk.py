"""A moderator at the desk, over real HTTP: log in, then call ``/api/desk/*``."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from causette.server.keys import SERVICE

PASSWORD = "correct horse battery staple"


class DeskClient:
    def __init__(self, base_url: str, token: str, moderator: dict[str, Any]) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.moderator = moderator
        self.http = aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"})

    @classmethod
    async def login(cls, base_url: str, name: str, password: str = PASSWORD) -> DeskClient:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{base_url.rstrip('/')}/api/desk/login", json={"name": name, "password": password}
            ) as resp,
        ):
            body = await resp.json()
            if resp.status != 200:
                raise AssertionError(f"login {name}: {resp.status} {body}")
        return cls(base_url, body["token"], body["moderator"])

    async def call(
        self, method: str, path: str, json: Any = None, expect: int | None = 200
    ) -> tuple[int, Any]:
        """(status, body); with ``expect``, a different status fails with the body."""
        async with self.http.request(method, f"{self.base_url}{path}", json=json) as resp:
            body: Any = await resp.json() if resp.content_type == "application/json" else None
            if expect is not None and resp.status != expect:
                raise AssertionError(f"{method} {path}: {resp.status} {body}")
            return resp.status, body

    async def get(self, path: str) -> Any:
        return (await self.call("GET", path))[1]

    async def post(self, path: str, json: Any = None, expect: int | None = 200) -> Any:
        return (await self.call("POST", path, json, expect))[1]

    async def close(self) -> None:
        await self.http.close()


def chatter_id(server: TestServer, pseudonym: str) -> str:
    """The session id of an online chatter of this server, as the desk names subjects."""
    for chatter in server.app[SERVICE].chatters.values():
        if chatter.profile.pseudonym == pseudonym:
            return chatter.id
    raise AssertionError(f"no chatter {pseudonym}")
