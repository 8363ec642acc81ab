"""The safety engine switched off (``safety_enabled=False``): the chat passes messages
through (server/pass_through.py) and every other rule still holds."""

from __future__ import annotations

import pytest

from causette.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"safety_enabled": False})


async def test_messages_pass_through_and_the_core_rules_still_hold(make_client) -> None:
    ana = await make_client("Ana")
    bob = await make_client("Bob", gender="m")
    for client in (ana, bob):
        await client.enter("general")
    # What the engine would hold is delivered as written: nothing judges it.
    ack = await ana.post("general", "je vais te tuer")
    assert ack["type"] == "ack"
    got = await bob.expect("message", channel="room:general", id=ack["id"])
    assert got["text"] == "je vais te tuer"
    # Consent still holds: a first private message is a request, a second one waits.
    first = await ana.pm("Bob", "salut")
    assert first["type"] == "ack"
    assert (await ana.pm("Bob", "tu es là ?"))["code"] == "pm_pending"
    # An age answer is acknowledged and changes nothing.
    answered = await ana.request({"type": "age_answer", "under": True}, "ack")
    assert answered["age_answer"] is True
    again = await ana.post("general", "toujours là")
    assert again["type"] == "ack"
