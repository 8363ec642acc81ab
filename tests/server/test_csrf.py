"""Cross-site request forgery (issue 15 item 13): SameSite=Strict cookies were the only
defence. A state-changing request that a browser sends from another site is refused
(403 ``origin_refused``) before anything happens, and a body that is not JSON is refused
(415 ``unsupported_content_type``): an HTML form on another site can send neither."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from causette.core.pow import solve
from causette.server.keys import SERVICE
from tests.support.client import ChatClient
from tests.support.desk import DeskClient

EVIL = "https://evil.example"


def _own_origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


async def _send(
    base_url: str, method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        kwargs: dict[str, Any] = {"headers": headers}
        if isinstance(body, bytes):
            kwargs["data"] = body
        elif body is not None:
            kwargs["json"] = body
        async with http.request(method, f"{base_url}{path}", **kwargs) as resp:
            answer = await resp.json() if resp.content_type == "application/json" else None
            return resp.status, answer


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["other-site", "null", "look-alike", "fetch-metadata"],
)
async def test_cross_site_state_changes_are_refused_before_anything_happens(
    server: TestServer,
    base_url: str,
    make_client: Any,
    make_moderator: Any,
    headers: dict[str, str],
) -> None:
    alice: ChatClient = await make_client("Alice")
    await make_client("Bob", gender="m")
    mod: DeskClient = await make_moderator("modo")
    service = server.app[SERVICE]
    sessions_before = len(service.chatters)
    [bob_id] = [i for i, c in service.chatters.items() if c.profile.pseudonym == "Bob"]
    form = {"pseudonym": "Mallory", "age": 30, "gender": "m", "department": "75"}
    status, body = await _send(base_url, "POST", "api/join", form, **headers)
    assert (status, body["error"]["code"]) == (403, "origin_refused")
    assert len(service.chatters) == sessions_before
    status, body = await _send(
        base_url, "POST", "api/logout", None, Authorization=f"Bearer {alice.token}", **headers
    )
    assert (status, body["error"]["code"]) == (403, "origin_refused")
    assert await alice.request({"type": "ping"}, "pong")  # still in
    action = {
        "action": "ban",
        "subject_id": bob_id,
        "rule": "spam",
        "reason": "forged",
    }
    status, body = await _send(
        base_url, "POST", "api/desk/actions", action, Authorization=f"Bearer {mod.token}", **headers
    )
    assert (status, body["error"]["code"]) == (403, "origin_refused")
    assert (await mod.get(f"/api/desk/chatters/{bob_id}"))["sanctions"] == []
    status, body = await _send(
        base_url, "POST", "api/desk/login", {"name": "modo", "password": "x"}, **headers
    )
    assert (status, body["error"]["code"]) == (403, "origin_refused")
    # A WebSocket opened from another site (cross-site WebSocket hijacking) too.
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{base_url}ws", headers=headers)
        assert refused.value.status == 403


async def test_same_site_and_non_browser_requests_go_through(
    base_url: str, make_client: Any
) -> None:
    await make_client("Alice")  # the support client sends no Origin (not a browser)
    own = _own_origin(base_url)
    form = {"pseudonym": "Bruno", "age": 30, "gender": "m", "department": "75"}
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}api/pow") as resp:
        challenge = await resp.json()

    form["pow"] = {
        "challenge": challenge["challenge"],
        "nonce": solve(challenge["challenge"], challenge["difficulty"]),
    }
    status, body = await _send(
        base_url, "POST", "api/join", form, Origin=own, **{"Sec-Fetch-Site": "same-origin"}
    )
    assert status == 201, body
    # A GET is not a state change: another site's Origin does not matter there.
    status, _ = await _send(base_url, "GET", "api/meta", None, Origin=EVIL)
    assert status == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_that_is_not_json_is_refused(
    base_url: str, make_moderator: Any, content_type: str
) -> None:
    mod: DeskClient = await make_moderator("modo")
    raw = b'{"pseudonym": "Mallory", "age": 30, "gender": "m", "department": "75"}'
    status, body = await _send(base_url, "POST", "api/join", raw, **{"Content-Type": content_type})
    assert (status, body["error"]["code"]) == (415, "unsupported_content_type")
    raw = b'{"action": "warn", "subject_id": "x", "rule": "spam", "reason": "r"}'
    status, body = await _send(
        base_url,
        "POST",
        "api/desk/actions",
        raw,
        Authorization=f"Bearer {mod.token}",
        **{"Content-Type": content_type},
    )
    assert (status, body["error"]["code"]) == (415, "unsupported_content_type")
    # No body, no type needed (logout, approve, export…).
    status, _ = await _send(
        base_url, "POST", "api/desk/logout", b"", Authorization=f"Bearer {mod.token}"
    )
    assert status == 204
