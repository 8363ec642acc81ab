"""Appeals (DSA art. 20): filed with the statement's token, decided by another moderator,
the chatter told of the decision."""

from __future__ import annotations

from typing import Any

from tests.server.test_desk_actions import chatter_id
from tests.support.client import ChatClient


async def _post(client: ChatClient, path: str, body: Any) -> tuple[int, Any]:
    async with client.http.post(f"{client.base_url}{path}", json=body) as resp:
        return resp.status, await resp.json()


async def test_an_upheld_appeal_is_told_to_the_chatter(make_client, make_moderator, server):
    first, second = await make_moderator("modo"), await make_moderator("modo2")
    bob = await make_client("Bob", gender="m")
    await bob.enter("general")
    await first.post(
        "/api/desk/actions",
        {
            "action": "mute",
            "subject_id": chatter_id(server, "Bob"),
            "rule": "spam",
            "reason": "Flood",
            "duration_s": 3600,
        },
    )
    token = (await bob.expect("sanction"))["statement"]["appeal_token"]
    status, filed = await _post(bob, "/api/appeals", {"token": token, "text": "Pas moi"})
    assert status == 201
    status, again = await _post(bob, "/api/appeals", {"token": token, "text": "Encore"})
    assert status == 409 and again["error"]["code"] == "already_decided"
    listed = (await second.get("/api/desk/appeals"))["appeals"]
    assert listed[0]["id"] == filed["appeal_id"] and listed[0]["status"] == "open"
    assert listed[0]["sanction"]["action"] == "mute"
    await second.post(
        f"/api/desk/appeals/{filed['appeal_id']}/decide",
        {"decision": "uphold", "text": "Le flood est avéré"},
    )
    decided = await bob.expect("appeal_decided")
    assert decided["decision"] == "uphold" and decided["text"] == "Le flood est avéré"
    assert (await bob.post("general", "toujours muet"))["code"] == "muted"


async def test_a_reversed_mute_lets_the_chatter_write_again(make_client, make_moderator, server):
    first, second = await make_moderator("modo"), await make_moderator("modo2")
    bob = await make_client("Bob", gender="m")
    await bob.enter("general")
    await first.post(
        "/api/desk/actions",
        {
            "action": "mute",
            "subject_id": chatter_id(server, "Bob"),
            "rule": "spam",
            "reason": "Flood",
            "duration_s": 3600,
        },
    )
    token = (await bob.expect("sanction"))["statement"]["appeal_token"]
    assert (await bob.post("general", "test"))["code"] == "muted"
    _, filed = await _post(bob, "/api/appeals", {"token": token, "text": "Erreur"})
    await second.post(f"/api/desk/appeals/{filed['appeal_id']}/decide", {"decision": "reverse"})
    assert (await bob.expect("appeal_decided"))["decision"] == "reverse"
    assert (await bob.post("general", "merci"))["type"] == "ack"


async def test_bad_tokens_and_texts_are_refused(make_client):
    bob = await make_client("Bob", gender="m")
    status, body = await _post(bob, "/api/appeals", {"token": "nope", "text": "x"})
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await _post(bob, "/api/appeals", {"token": 5, "text": "x"})
    assert status == 404
    async with bob.http.get(f"{bob.base_url}/api/appeals/nope") as resp:
        assert resp.status == 404
