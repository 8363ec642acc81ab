"""A device remembers an under-15 refusal, a move-out and the space it is in, for 24 h, in
the store: a new form with another age does not undo them (issue 13, item 13).

The clock is the server's, injected (tests/support/clock.py): expiry is proven by moving
it, never by waiting.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from causette.core.pow import solve
from causette.server.app import build_app
from causette.settings import Settings
from tests.support.client import ChatClient, JoinRefused, closed_with, connected
from tests.support.clock import Clock
from tests.support.desk import DeskClient, chatter_id

DAY = 24 * 3600.0


@pytest.fixture
def clock(server: TestServer, server_clock: Clock) -> Clock:
    """The server's clock, stopped now and moved by the test."""
    server_clock.now = server_clock()
    return server_clock


async def refused(base_url: str, pseudonym: str, **profile: Any) -> dict[str, Any]:
    """Join, expecting a refusal: the error body."""
    client = ChatClient(base_url)
    try:
        with pytest.raises(JoinRefused) as caught:
            await client.join(pseudonym, **profile)
    finally:
        await client.close()
    body: dict[str, Any] = caught.value.body["error"]
    body["status"] = caught.value.status
    return body


async def logout(client: ChatClient) -> None:
    async with client.http.post(
        f"{client.base_url}/api/logout", headers={"Authorization": f"Bearer {client.token}"}
    ) as resp:
        assert resp.status == 204
    await client.close()


async def test_an_under_15_refusal_holds_whatever_the_next_form_says(base_url, clock):
    """14, then the same form as 18 a few seconds later from the same browser: refused,
    kindly, with when it may come back; another device is not concerned; 24 h later the
    device may join."""
    first = await refused(base_url, "Lilou", age=14, device="family-pc")
    assert first["code"] == "age_too_young"
    clock.now += 18
    again = await refused(base_url, "Lilou", age=18, device="family-pc", lang="en")
    assert again["code"] == "device_paused" and again["status"] == 403
    assert again["reason"] == "under_15"
    assert again["retry_after"] == pytest.approx(DAY - 18, abs=2)
    assert "under 15" in again["message"] and "UTC" in again["message"]
    # Any age, any space.
    assert (await refused(base_url, "Lilou16", age=16, device="family-pc"))["reason"] == (
        "under_15"
    )
    other = await connected(base_url, "Voisine", age=18, device="another-pc")
    await other.close()
    clock.now += DAY
    back = await connected(base_url, "Lilou18", age=18, device="family-pc")
    await back.close()


async def test_a_browser_without_a_device_cookie_gets_one_with_the_refusal(base_url, server):
    """The first visit has no device cookie: the refusal sets it, so the browser's next
    form is recognised."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}api/pow") as resp:
            challenge = await resp.json()
        form = {
            "pseudonym": "Petit",
            "age": 13,
            "gender": "m",
            "department": "75",
            "pow": {
                "challenge": challenge["challenge"],
                "nonce": solve(challenge["challenge"], challenge["difficulty"]),
            },
        }
        async with http.post(f"{base_url}api/join", json=form) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"]["code"] == "age_too_young"
            cookie = resp.cookies["causette_device"]
    assert cookie.value and cookie["httponly"]
    assert (await refused(base_url, "Grand", age=25, device=cookie.value))["code"] == (
        "device_paused"
    )


async def test_a_refusal_without_a_valid_proof_of_work_is_not_remembered(base_url):
    """Remembering costs a proof of work, like a join: a refusal without one is answered the
    same and leaves nothing behind."""
    async with aiohttp.ClientSession() as http:
        form = {"pseudonym": "Bot", "age": 12, "gender": "m", "department": "75"}
        async with http.post(
            f"{base_url}api/join", json=form, headers={"Cookie": "causette_device=bot-pc"}
        ) as resp:
            assert (await resp.json())["error"]["code"] == "age_too_young"
    client = await connected(base_url, "PasUnBot", age=30, device="bot-pc")
    await client.close()


async def test_a_live_teen_session_keeps_the_device_out_of_the_adult_space(base_url, clock):
    """A device holding a teen session cannot open an adult one (nor the other way), for
    24 h after its last activity there; same-space joins stay open."""
    teen = await connected(base_url, "Ado16", age=16, device="teen-phone")
    paused = await refused(base_url, "Adulte35", age=35, device="teen-phone")
    assert paused["code"] == "device_paused" and paused["reason"] == "other_space"
    assert paused["space"] == "teen" and "ados" in paused["message"]
    sibling = await connected(base_url, "Ado17", age=17, device="teen-phone")
    adult = await connected(base_url, "Parent", age=45, device="parent-laptop")
    assert (await refused(base_url, "Faux15", age=15, device="parent-laptop"))["space"] == ("adult")
    for client in (teen, sibling):
        await logout(client)
    clock.now += DAY - 60
    assert (await refused(base_url, "Adulte35", age=35, device="teen-phone"))["code"] == (
        "device_paused"
    )
    clock.now += 120
    grown = await connected(base_url, "Adulte35", age=35, device="teen-phone")
    await grown.close()
    await adult.close()


async def test_a_move_out_of_the_teen_space_is_remembered(base_url, server, make_moderator):
    """Moved out of the teen space by a moderator, logged out, back as 16 on the same
    device: refused; the adult space, where they were sent, is open."""
    mod: DeskClient = await make_moderator("modo")
    suspect = await connected(base_url, "Faux16", age=16, gender="m", device="suspect-pc")
    subject_id = chatter_id(server, "Faux16")
    await mod.post(
        "/api/desk/actions",
        {
            "action": "move_out",
            "subject_id": subject_id,
            "rule": "adult_in_teen_space",
            "reason": "Adulte dans l'espace ados",
        },
    )
    await suspect.expect("sanction")
    await logout(suspect)
    paused = await refused(base_url, "Vrai16", age=16, gender="m", device="suspect-pc")
    assert paused["code"] == "device_paused" and paused["reason"] == "moved_out"
    assert paused["space"] == "teen"
    adult = await connected(base_url, "Adulte", age=30, gender="m", device="suspect-pc")
    await adult.close()


async def test_a_minor_out_of_adults_reach_cannot_come_back_as_an_adult(base_url):
    """An adult-space chatter who said "j'ai 16 ans" (taken out of adults' reach) logs out
    and comes back as 19: refused; as 16, the teen space is open."""
    zoe = await connected(base_url, "Zoe", age=19, device="zoe-phone")
    await zoe.enter("general")
    await zoe.post("general", "j'ai 16 ans")
    await zoe.expect("error", code="adults_out_of_reach")
    await logout(zoe)
    paused = await refused(base_url, "Zoe19", age=19, device="zoe-phone")
    assert paused["code"] == "device_paused" and paused["reason"] == "moved_out"
    assert paused["space"] == "adult"
    teen = await connected(base_url, "Zoe16", age=16, device="zoe-phone")
    await teen.close()


async def test_a_session_ended_for_being_under_15_is_remembered(base_url):
    """ "en vrai j'ai 13 ans" ends the session (4011); the device cannot come back as 18."""
    kid = await connected(base_url, "Petit_Lu", age=15, gender="m", device="lu-tablet")
    await kid.enter("ados-general")
    await kid.send({"type": "post", "room": "ados-general", "text": "en vrai j'ai 13 ans"})
    await kid.expect("error", code="age_too_young")
    await closed_with(kid, 4011)
    await kid.close()
    paused = await refused(base_url, "Grand_Lu", age=18, gender="m", device="lu-tablet")
    assert paused["code"] == "device_paused" and paused["reason"] == "under_15"


async def test_the_memory_is_in_the_store_for_every_process(settings: Settings, base_url):
    """Refused on one process (or before a restart), refused on another app on the same
    database: SQLite file, or PostgreSQL + Redis."""
    assert (await refused(base_url, "Lilou", age=14, device="shared-pc"))["code"] == (
        "age_too_young"
    )
    other = TestServer(build_app(settings), host="127.0.0.1")
    await other.start_server()
    try:
        paused = await refused(str(other.make_url("/")), "Lilou", age=19, device="shared-pc")
        assert paused["code"] == "device_paused" and paused["reason"] == "under_15"
    finally:
        await other.close()
