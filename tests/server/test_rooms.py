"""Rooms over a real WebSocket: list, join, post, history, presence, leave."""

from __future__ import annotations

import asyncio

from causette.server.live import counts_interval


async def test_two_chatters_talk_in_a_room(make_client):
    """A message posted in a room is acked with an id and reaches every member once."""
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m", department="13")
    await alice.enter("general")
    joined = await bob.enter("general")
    assert {u["pseudonym"] for u in joined["users"]} == {"Alice", "Bob"}
    ack = await alice.post("general", "salut tout le monde")
    assert ack["type"] == "ack", ack
    assert ack["channel"] == "room:general" and ack["id"] == 1
    got = await bob.expect("message", channel="room:general")
    assert got["text"] == "salut tout le monde" and got["id"] == 1
    assert got["from"] == {
        "pseudonym": "Alice",
        "age": 25,
        "gender": "f",
        "region": "Île-de-France",
    }
    mine = await alice.expect("message", channel="room:general")
    assert mine["id"] == ack["id"]


async def test_user_list_shows_only_public_fields(make_client):
    """The user list carries pseudonym, age, gender and region and nothing else."""
    alice = await make_client("Alice", department="2A")
    await alice.enter("general")
    users = await alice.request({"type": "users", "room": "general"}, "users")
    assert users["users"] == [{"pseudonym": "Alice", "age": 25, "gender": "f", "region": "Corse"}]


async def test_history_on_join_is_the_last_50_in_order(make_client, settings):
    """Joining a room returns its last 50 messages, oldest first."""
    settings.msg_burst = 100
    alice = await make_client("Alice")
    await alice.enter("musique")
    for i in range(60):
        await alice.post("musique", f"message {i}")
    bob = await make_client("Bob")
    joined = await bob.enter("musique")
    texts = [m["text"] for m in joined["history"]]
    assert texts == [f"message {i}" for i in range(10, 60)]
    assert [m["id"] for m in joined["history"]] == list(range(11, 61))


async def test_rooms_list_has_live_counts_and_only_own_space(make_client):
    """The room list is the caller's space only, with member counts that move."""
    alice = await make_client("Alice")
    bob = await make_client("Bob")
    await alice.enter("general")
    await bob.enter("general")
    rooms = (await alice.request({"type": "rooms"}, "rooms"))["rooms"]
    general = next(r for r in rooms if r["slug"] == "general")
    assert general["count"] == 2 and general["joined"] is True
    assert {r["space"] for r in rooms} == {"adult"}
    await bob.request({"type": "leave", "room": "general"}, "left")
    rooms = (await alice.request({"type": "rooms"}, "rooms"))["rooms"]
    assert next(r for r in rooms if r["slug"] == "general")["count"] == 1


async def test_presence_events_on_join_and_leave(make_client):
    """Members see who joins and who leaves, with the new count."""
    alice = await make_client("Alice")
    await alice.enter("amitie")
    bob = await make_client("Bob")
    await bob.enter("amitie")
    joined = await alice.expect("presence", room="amitie")
    assert joined["joined"]["pseudonym"] == "Bob" and joined["count"] == 2
    await bob.request({"type": "leave", "room": "amitie"}, "left")
    left = await alice.expect("presence", room="amitie", left="Bob")
    assert left["count"] == 1


async def test_several_rooms_at_once(make_client):
    """A chatter in several rooms receives each room's messages on its own channel."""
    alice = await make_client("Alice")
    bob = await make_client("Bob")
    for room in ("general", "musique", "jeux-video"):
        await alice.enter(room)
        await bob.enter(room)
    for room in ("general", "musique", "jeux-video"):
        await bob.post(room, f"dans {room}")
    for room in ("general", "musique", "jeux-video"):
        got = await alice.expect("message", channel=f"room:{room}")
        assert got["text"] == f"dans {room}"


async def test_post_requires_membership(make_client):
    """Posting to a room one has not joined is refused and stores nothing."""
    alice = await make_client("Alice")
    err = await alice.post("general", "coucou")
    assert err["type"] == "error" and err["code"] == "not_in_room"
    bob = await make_client("Bob")
    joined = await bob.enter("general")
    assert joined["history"] == []


async def test_text_limits(make_client):
    """Empty and over-500-character texts are refused with their own codes."""
    alice = await make_client("Alice")
    await alice.enter("general")
    assert (await alice.post("general", "   "))["code"] == "text_empty"
    assert (await alice.post("general", "x" * 501))["code"] == "text_too_long"
    assert (await alice.post("general", "x" * 500))["type"] == "ack"


async def test_message_rate_limit(make_client, settings):
    """Past the burst, posts are refused with rate_limited and a retry delay."""
    settings.msg_burst = 3
    settings.msg_per_minute = 1
    alice = await make_client("Alice")
    await alice.enter("general")
    replies = [await alice.post("general", f"m{i}") for i in range(5)]
    assert [r["type"] for r in replies[:3]] == ["ack"] * 3
    assert replies[3]["code"] == "rate_limited" and replies[3]["retry_after"] >= 1


async def test_history_request_pages_backwards(make_client, settings):
    """`history` returns the messages before an id, oldest first."""
    settings.msg_burst = 100
    alice = await make_client("Alice")
    await alice.enter("general")
    for i in range(20):
        await alice.post("general", f"h{i}")
    page = await alice.request(
        {"type": "history", "channel": "room:general", "before": 11, "limit": 5}, "history"
    )
    assert [m["id"] for m in page["messages"]] == [6, 7, 8, 9, 10]


async def test_counts_are_pushed(make_client):
    """Room counts of one's space are pushed when they change."""
    alice = await make_client("Alice")
    bob = await make_client("Bob")
    await bob.enter("lgbt")
    counts = await alice.expect("counts", timeout=5)
    assert counts["counts"]["lgbt"] == 1
    assert not any(slug.startswith("ados") for slug in counts["counts"])
    await asyncio.sleep(0)


def test_count_pushes_slow_down_with_the_crowd():
    """Every 2 s for a small chat; at most ~2,000 count writes per second for a crowd."""
    assert counts_interval(0) == counts_interval(4000) == 2.0
    assert counts_interval(18000) == 9.0
    assert counts_interval(100_000) == 10.0
    for online in (5000, 10_000, 18_000):
        assert online / counts_interval(online) <= 2000
