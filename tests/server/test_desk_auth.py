"""Moderators' login and sessions: separate from chatters', throttled, audited."""

from __future__ import annotations

import aiohttp
import pytest

from causette.core.roles import GRANTS, Role
from causette.server.desk import DESK
from tests.support.desk import PASSWORD, DeskClient


async def _login(
    base_url: str, name: str, password: str
) -> tuple[int, dict, aiohttp.ClientResponse]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base_url}api/desk/login", json={"name": name, "password": password}) as resp,
    ):
        return resp.status, await resp.json(), resp


async def test_login_gives_a_session_cookie_for_the_desk_only(make_moderator, base_url):
    await make_moderator("modo")
    status, body, resp = await _login(base_url, "modo", PASSWORD)
    assert status == 200 and body["moderator"]["role"] == "moderator"
    cookie = resp.cookies["causette_desk"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/api/desk"
    desk = DeskClient(base_url, body["token"], body["moderator"])
    try:
        assert (await desk.get("/api/desk/me"))["moderator"]["name"] == "modo"
    finally:
        await desk.close()


@pytest.mark.parametrize(
    ("role", "has", "lacks"),
    [
        ("moderator", {"queue_read", "sanction", "preserve"}, {"requisition", "operate"}),
        ("admin", {"sanction", "operate", "audit_read"}, {"requisition", "preserve_release"}),
        ("legal", {"requisition", "preserve_release", "emergency"}, {"sanction", "queue_read"}),
    ],
)
async def test_me_lists_what_the_role_may_do(make_moderator, role, has, lacks):
    """docs/desk-api.md: the console reads the permissions to show only what a click can do."""
    desk = await make_moderator(f"who-{role}", role)
    moderator = (await desk.get("/api/desk/me"))["moderator"]
    assert moderator["role"] == role
    assert moderator["permissions"] == sorted(p.value for p in GRANTS[Role(role)])
    assert has <= set(moderator["permissions"]) and not lacks & set(moderator["permissions"])


async def test_wrong_password_and_unknown_name_answer_alike(make_moderator, base_url):
    await make_moderator("modo")
    for name, password in (("modo", "wrong password!"), ("nobody", PASSWORD)):
        status, body, _ = await _login(base_url, name, password)
        assert status == 401 and body["error"]["code"] == "login_failed"


async def test_failed_logins_are_throttled_even_with_the_right_password(
    make_moderator, base_url, server
):
    await make_moderator("modo")
    limit = server.app[DESK].settings.desk_login_failures
    for _ in range(limit):
        status, _, _ = await _login(base_url, "modo", "guess guess guess")
        assert status == 401
    status, body, resp = await _login(base_url, "modo", PASSWORD)
    assert status == 429 and body["error"]["code"] == "login_throttled"
    assert int(resp.headers["Retry-After"]) > 0


JSON = {"Content-Type": "application/json"}


async def test_bad_login_bodies_are_refused_cleanly(base_url):
    async with aiohttp.ClientSession() as http:
        for data in (b"not json", b"[]", b'{"name": 3, "password": []}'):
            async with http.post(f"{base_url}api/desk/login", data=data, headers=JSON) as resp:
                assert resp.status in (400, 401)
                assert (await resp.json())["error"]["code"] in ("bad_json", "login_failed")


async def test_a_chatter_session_opens_nothing_at_the_desk(make_client, base_url):
    alice = await make_client("Alice")
    async with aiohttp.ClientSession() as http:
        for path in ("me", "alerts", "reports", "held"):
            async with http.get(
                f"{base_url}api/desk/{path}", headers={"Authorization": f"Bearer {alice.token}"}
            ) as resp:
                assert resp.status == 401, path


async def test_logout_ends_the_session(make_moderator):
    desk = await make_moderator("modo")
    await desk.post("/api/desk/logout", expect=204)
    status, body = await desk.call("GET", "/api/desk/me", expect=None)
    assert status == 401 and body["error"]["code"] == "not_authenticated"


async def test_disabled_moderator_is_logged_out_and_cannot_log_in(make_moderator, base_url, server):
    desk_client = await make_moderator("modo")
    desk = server.app[DESK]
    moderator = await desk.moderators.by_name("modo")
    assert moderator is not None
    await desk.moderators.disable(moderator.id, desk.clock(), "test")
    status, _ = await desk_client.call("GET", "/api/desk/me", expect=None)
    assert status == 401
    status, _, _ = await _login(base_url, "modo", PASSWORD)
    assert status == 401


async def test_logins_are_audited(make_moderator, base_url, server):
    await make_moderator("modo")
    await _login(base_url, "modo", "nope nope nope")
    entries = await server.app[DESK].audit.entries()
    actions = [e.action for e in entries]
    assert actions == ["moderator.create", "desk.login", "desk.login_failed"]
    assert (await server.app[DESK].audit.verify()).ok
