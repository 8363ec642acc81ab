"""A ban on a device key or an IP prefix ends every live session it covers, at once, on
every process: not only the subject's (issue 13, item 14)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from causette.core.pow import solve
from causette.server.app import build_app
from causette.server.keys import SERVICE
from causette.server.protocol import CloseCode
from causette.settings import Settings
from tests.support.client import ChatClient, JoinRefused, closed_with, connected
from tests.support.desk import DeskClient, chatter_id


@pytest.fixture
async def mod(make_moderator) -> DeskClient:
    return await make_moderator("modo")


async def still_chatting(client: ChatClient) -> None:
    ack = await client.post("general", "toujours là")
    assert ack["type"] == "ack", ack


async def test_device_ban_ends_the_devices_other_live_sessions(make_client, server, mod):
    """Two pseudonyms of one browser are online; a device ban on one closes both, each
    with the statement in their own language, and frees the other's name and places now
    (no grace period); a chatter on another device keeps chatting."""
    alice = await make_client("Alice")
    first = await connected(alice.base_url, "Multi1", device="shared-browser")
    second = await connected(alice.base_url, "Multi2", device="shared-browser", lang="en")
    for client in (alice, first, second):
        await client.enter("general")
    second_id = chatter_id(server, "Multi2")

    answer = await mod.post(
        "/api/desk/actions",
        {
            "action": "ban",
            "subject_id": chatter_id(server, "Multi1"),
            "rule": "spam",
            "reason": "Comptes multiples",
            "scope": "device",
        },
    )
    (sanction,) = answer["sanctions"]
    for client in (first, second):
        statement = (await client.expect("sanction", timeout=10.0))["statement"]
        assert statement["sanction_id"] == sanction["id"] and statement["scope"] == "device"
    assert "Access suspended" in statement["text"]  # Multi2 joined in English
    for client in (first, second):
        await closed_with(client, CloseCode.SANCTIONED)
    # Gone from the room at once, not after the grace period.
    service = server.app[SERVICE]
    assert not service.presence.is_online(second_id)
    left = await alice.expect("presence", timeout=10.0, left="Multi2")
    assert left["room"] == "general"
    await still_chatting(alice)
    # Its hello is refused while the ban holds.
    second.ws = await second.http.ws_connect(f"{second.base_url}/ws")
    await second.send({"type": "hello", "token": second.token})
    assert (await second.expect("error"))["code"] == "banned"
    for client in (first, second):
        await client.close()


async def _join_from(base_url: str, pseudonym: str, address: str) -> ChatClient:
    """A chatter whose address (behind the trusted test proxy) is ``address``."""
    client = ChatClient(base_url)
    async with client.http.get(f"{client.base_url}/api/pow") as resp:
        challenge = await resp.json()
    body = {
        "pseudonym": pseudonym,
        "age": 30,
        "gender": "m",
        "department": "75",
        "pow": {
            "challenge": challenge["challenge"],
            "nonce": solve(challenge["challenge"], challenge["difficulty"]),
        },
    }
    async with client.http.post(
        f"{client.base_url}/api/join", json=body, headers={"X-Forwarded-For": address}
    ) as resp:
        answer = await resp.json()
        if resp.status != 201:
            raise JoinRefused(resp.status, answer)
    client.token, client.me = answer["token"], answer["me"]
    await client.connect()
    await client.expect("synced")
    return client


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The test client is the trusted proxy: X-Forwarded-For says where each chatter is.
    return settings.model_copy(update={"trusted_proxies": "127.0.0.1"})


async def test_ip_ban_ends_every_session_of_the_prefix(make_client, server, mod):
    """A ban on an IPv6 /64 closes every session from it (two devices, two addresses of
    the same /64), and no other."""
    first = await _join_from(server.make_url("/").human_repr(), "Foyer1", "2001:db8:1:2::10")
    second = await _join_from(server.make_url("/").human_repr(), "Foyer2", "2001:db8:1:2::99")
    other = await _join_from(server.make_url("/").human_repr(), "Voisin", "2001:db8:1:3::10")
    await other.enter("general")
    try:
        await mod.post(
            "/api/desk/actions",
            {
                "action": "ban",
                "subject_id": chatter_id(server, "Foyer1"),
                "rule": "harassment",
                "reason": "Insultes",
                "scope": "ip",
            },
        )
        for client in (first, second):
            assert (await client.expect("sanction", timeout=10.0))["statement"]["scope"] == "ip"
            await closed_with(client, CloseCode.SANCTIONED)
        await still_chatting(other)
    finally:
        for client in (first, second, other):
            await client.close()


@pytest.mark.parametrize("backend", ["cluster"], indirect=True)
async def test_device_ban_reaches_the_device_on_another_process(
    backend: str, settings: Settings, server, make_client, mod
):
    """Cluster mode: the subject on one process, another pseudonym of the same browser on
    a second process (same PostgreSQL and Redis): the ban closes that one too, at once."""
    second_app = TestServer(build_app(settings), host="127.0.0.1")
    await second_app.start_server()
    clients: list[ChatClient] = []
    try:
        here = await connected(str(server.make_url("/")), "Ici1", device="one-browser")
        there = await connected(str(second_app.make_url("/")), "LaBas2", device="one-browser")
        watcher = await connected(str(second_app.make_url("/")), "Temoin")
        clients += [here, there, watcher]
        for client in (there, watcher):
            await client.enter("general")
        await mod.post(
            "/api/desk/actions",
            {
                "action": "ban",
                "subject_id": chatter_id(server, "Ici1"),
                "rule": "spam",
                "reason": "Comptes multiples",
                "scope": "device",
            },
        )
        assert (await there.expect("sanction", timeout=10.0))["statement"]["scope"] == "device"
        await closed_with(there, CloseCode.SANCTIONED)
        assert not second_app.app[SERVICE].presence.is_online(chatter_id(second_app, "LaBas2"))
        await watcher.expect("presence", timeout=10.0, left="LaBas2")
        await still_chatting(watcher)
        await closed_with(here, CloseCode.SANCTIONED)
    finally:
        # Every socket closed before the second app stops (it waits for open handlers).
        for client in clients:
            await client.close()
        await second_app.close()
