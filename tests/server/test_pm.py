"""Private messages with consent, over a real WebSocket."""

from __future__ import annotations

import pytest


async def test_request_accepted_then_conversation(make_client):
    """A first PM is a request; once accepted both sides write freely."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    ack = await alice.pm("Bob", "salut, ça va ?")
    assert ack["type"] == "ack" and ack["channel"].startswith("pm:")
    request = await bob.expect("conversation")
    conv = request["conversation"]
    assert conv["state"] == "pending_in" and conv["with"]["pseudonym"] == "Alice"
    first = await bob.expect("message", channel=ack["channel"])
    assert first["text"] == "salut, ça va ?"
    # The requester cannot insist before an answer.
    again = await alice.pm("Bob", "tu es là ?")
    assert again["code"] == "pm_pending"
    await bob.send({"type": "pm_respond", "conversation": conv["id"], "decision": "accept"})
    accepted = await alice.expect("conversation", timeout=5)
    while accepted["conversation"]["state"] != "accepted":
        accepted = await alice.expect("conversation")
    reply = await bob.request(
        {"type": "pm", "conversation": conv["id"], "text": "oui et toi ?"}, "ack"
    )
    assert reply["id"] == 2
    got = await alice.expect("message", channel=ack["channel"], id=2)
    assert got["text"] == "oui et toi ?" and got["from"]["pseudonym"] == "Bob"
    more = await alice.pm("Bob", "super")
    assert more["type"] == "ack" and more["id"] == 3


async def test_replying_accepts_the_request(make_client):
    """Writing back to a request accepts it."""
    alice = await make_client("Alice")
    bob = await make_client("Bob")
    await alice.pm("Bob", "hello")
    await bob.expect("conversation")
    reply = await bob.pm("Alice", "hello toi")
    assert reply["type"] == "ack"
    states = [f["conversation"]["state"] for f in await _conversations(alice)]
    assert "accepted" in states


async def _conversations(client):
    await client.settle()
    return [f for f in client.frames if f["type"] == "conversation"]


async def test_ignored_request_is_silent_and_blocks_nothing_else(make_client):
    """Ignoring a request tells the requester nothing and keeps them waiting."""
    alice = await make_client("Alice")
    bob = await make_client("Bob")
    ack = await alice.pm("Bob", "hello")
    conv = (await bob.expect("conversation"))["conversation"]
    await bob.send({"type": "pm_respond", "conversation": conv["id"], "decision": "ignore"})
    mine = await bob.expect("conversation")
    assert mine["conversation"]["state"] == "ignored"
    await alice.settle()
    states = [f["conversation"]["state"] for f in alice.frames if f["type"] == "conversation"]
    assert states == ["pending_out"]
    assert (await alice.pm("Bob", "allo ?"))["code"] == "pm_pending"
    assert ack["type"] == "ack"


@pytest.mark.parametrize("policy", ["nobody", "rooms"])
async def test_policy_refuses_new_conversations(make_client, policy):
    """`nobody` refuses every new PM; `rooms` refuses people with no room in common."""
    alice = await make_client("Alice")
    bob = await make_client("Bob")
    assert (await bob.request({"type": "pm_policy", "policy": policy}, "ack"))["type"] == "ack"
    refused = await alice.pm("Bob", "salut")
    assert refused["code"] == "pm_refused"
    if policy == "rooms":
        await alice.enter("general")
        await bob.enter("general")
        assert (await alice.pm("Bob", "salut"))["type"] == "ack"


async def test_teen_default_policy_is_rooms(make_client):
    """Teens only get requests from people sharing a room with them, by default."""
    lea = await make_client("Lea", age=16)
    tom = await make_client("Tom", age=17, gender="m")
    assert (await tom.pm("Lea", "salut"))["code"] == "pm_refused"
    await lea.enter("ados-general")
    await tom.enter("ados-general")
    assert (await tom.pm("Lea", "salut"))["type"] == "ack"


async def test_new_conversation_cap(make_client, settings):
    """New PM conversations per hour are capped with pm_rate_limited."""
    settings.new_pm_per_hour = 2
    alice = await make_client("Alice")
    for name in ("Bob", "Carl", "Dan"):
        await make_client(name, gender="m")
    assert (await alice.pm("Bob", "hi"))["type"] == "ack"
    assert (await alice.pm("Carl", "hi"))["type"] == "ack"
    capped = await alice.pm("Dan", "hi")
    assert capped["code"] == "pm_rate_limited" and capped["retry_after"] > 0


async def test_unknown_recipient_and_self(make_client):
    """Writing to nobody online, or to oneself, is user_unknown."""
    alice = await make_client("Alice")
    assert (await alice.pm("Personne", "hi"))["code"] == "user_unknown"
    assert (await alice.pm("Alice", "hi"))["code"] == "user_unknown"
    bad = await alice.request({"type": "pm", "conversation": "nope", "text": "x"}, "ack")
    assert bad["code"] == "conversation_unknown"


async def test_typing_reaches_the_other_side_of_an_accepted_conversation_only(make_client):
    """A typing notice goes only once the conversation is accepted, to the other side, at
    most once per interval, and carries no text."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    ack = await alice.pm("Bob", "salut")
    conv = (await bob.expect("conversation"))["conversation"]
    await alice.send({"type": "typing", "conversation": conv["id"]})  # a request: nothing
    await bob.send({"type": "pm_respond", "conversation": conv["id"], "decision": "accept"})
    accepted = await alice.expect("conversation")
    while accepted["conversation"]["state"] != "accepted":
        accepted = await alice.expect("conversation")
    for _ in range(3):  # a burst: one notice
        await alice.send({"type": "typing", "conversation": conv["id"]})
    notice = await bob.expect("typing")
    assert notice == {"type": "typing", "channel": ack["channel"], "pseudonym": "Alice"}
    await alice.pm("Bob", "voilà")  # after the burst: once it is there, the rest was too
    await bob.expect("message", channel=ack["channel"], text="voilà")
    assert [f["type"] for f in bob.frames].count("typing") == 1
    assert not [f for f in alice.frames if f["type"] == "typing"]
    # Not someone else's conversation.
    carol = await make_client("Carol")
    await carol.send({"type": "typing", "conversation": conv["id"], "ref": "t1"})
    refused = await carol.expect("error", ref="t1")
    assert refused["code"] == "conversation_unknown"
