"""Blocking: the blocked chatter's messages vanish everywhere and their PMs stop."""

from __future__ import annotations


async def test_blocked_chatter_disappears_from_rooms_and_pms(make_client):
    """After a block, the blocker no longer receives the blocked one's room messages or PMs."""
    alice = await make_client("Alice")
    relou = await make_client("Relou99", gender="m")
    await alice.enter("general")
    await relou.enter("general")
    await relou.post("general", "avant le blocage")
    await alice.expect("message", channel="room:general", text="avant le blocage")
    blocked = await alice.request({"type": "block", "pseudonym": "relou99"}, "blocked")
    assert blocked["pseudonym"] == "Relou99"
    await relou.post("general", "après le blocage")
    await alice.post("general", "témoin")
    await alice.expect("message", channel="room:general", text="témoin")
    assert "après le blocage" not in [m["text"] for m in alice.messages()]
    assert (await relou.pm("Alice", "pourquoi ?"))["code"] == "pm_refused"
    users = await alice.request({"type": "users", "room": "general"}, "users")
    assert "Relou99" not in [u["pseudonym"] for u in users["users"]]
    # History and a fresh join hide them too.
    joined = await alice.enter("general")
    assert "après le blocage" not in [m["text"] for m in joined["history"]]
    assert "avant le blocage" not in [m["text"] for m in joined["history"]]


async def test_block_from_a_request_closes_the_conversation(make_client):
    """Blocking a PM request closes it and refuses later PMs."""
    alice = await make_client("Alice")
    relou = await make_client("Relou99")
    await relou.pm("Alice", "salut")
    conv = (await alice.expect("conversation"))["conversation"]
    await alice.send({"type": "pm_respond", "conversation": conv["id"], "decision": "block"})
    closed = await relou.expect("conversation")
    while closed["conversation"]["state"] == "pending_out":
        closed = await relou.expect("conversation")
    assert closed["conversation"]["state"] == "closed"
    assert (await relou.pm("Alice", "allo"))["code"] == "pm_refused"
    again = await relou.request({"type": "pm", "conversation": conv["id"], "text": "allo"}, "ack")
    assert again["code"] == "pm_refused"


async def test_unblock_restores_messages(make_client):
    """Unblocking lets the chatter's room messages through again."""
    alice = await make_client("Alice")
    bob = await make_client("Bob")
    await alice.enter("general")
    await bob.enter("general")
    await alice.request({"type": "block", "pseudonym": "Bob"}, "blocked")
    assert (await alice.request({"type": "unblock", "pseudonym": "Bob"}, "unblocked"))["type"] == (
        "unblocked"
    )
    await bob.post("general", "de retour")
    await alice.expect("message", text="de retour")


async def test_blocked_by_does_not_leak_to_blocked_user_in_search(make_client):
    """A blocked chatter is not found by the blocker's search."""
    alice = await make_client("Alice")
    await make_client("Bobby")
    await alice.request({"type": "block", "pseudonym": "Bobby"}, "blocked")
    found = await alice.request({"type": "search", "q": "bob"}, "search")
    assert found["users"] == []
