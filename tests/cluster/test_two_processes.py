"""Two server processes on one PostgreSQL and one Redis behave as one chat."""

from __future__ import annotations

import pytest

from tests.cluster.conftest import eventually
from tests.support.client import ChatClient, JoinRefused, closed_with


async def _pm_when_seen(sender: ChatClient, to: str, text: str) -> dict:
    """PM as soon as the sender's process knows the recipient is online."""

    async def attempt() -> dict | None:
        reply = await sender.pm(to, text)
        return None if reply.get("code") == "user_unknown" else reply

    result: dict = await eventually(attempt)
    return result


async def test_room_and_pm_across_processes(servers, client_on):
    """Chatters on different processes talk in a room and by PM, both ways."""
    p1, p2 = servers(2)
    alice = await client_on(p1, "Alice")
    bob = await client_on(p2, "Bob", gender="m")
    await alice.enter("general")
    await bob.enter("general")
    await alice.post("general", "salut depuis p1")
    await bob.expect("message", channel="room:general", text="salut depuis p1")
    await bob.post("general", "salut depuis p2")
    await alice.expect("message", channel="room:general", text="salut depuis p2")

    async def sees_both() -> bool:
        users = await bob.request({"type": "users", "room": "general"}, "users")
        return {"Alice", "Bob"} <= {u["pseudonym"] for u in users["users"]}

    await eventually(sees_both)
    ack = await _pm_when_seen(alice, "Bob", "un mot privé")
    assert ack["type"] == "ack"
    request = await bob.expect("conversation")
    assert request["conversation"]["state"] == "pending_in"
    await bob.expect("message", channel=ack["channel"], text="un mot privé")
    conv_id = request["conversation"]["id"]
    await bob.send({"type": "pm_respond", "conversation": conv_id, "decision": "accept"})
    await alice.expect("conversation", timeout=5)
    reply = await bob.request({"type": "pm", "conversation": conv_id, "text": "réponse"}, "ack")
    assert reply["type"] == "ack"
    await alice.expect("message", channel=ack["channel"], text="réponse")
    again = await alice.request({"type": "pm", "conversation": conv_id, "text": "et toi"}, "ack")
    assert again["type"] == "ack", again
    await bob.expect("message", channel=ack["channel"], text="et toi")


async def test_pseudonym_unique_across_processes(servers, client_on):
    """A name held on one process cannot be taken, even as a look-alike, on another."""
    p1, p2 = servers(2)
    await client_on(p1, "Alice")
    for name in ("Alice", "ALICE", "A1ice"):
        client = ChatClient(p2.url)
        try:
            with pytest.raises(JoinRefused) as refused:
                await client.join(name)
            assert refused.value.code == "pseudonym_taken"
        finally:
            await client.close()


async def test_wall_and_blocks_hold_across_processes(servers, client_on):
    """A teen on one process cannot reach an adult on another; a block made on one process
    stops PMs and room messages handled by the other."""
    p1, p2 = servers(2)
    marc = await client_on(p1, "Marc", age=34, gender="m")
    lea = await client_on(p2, "Lea", age=16)
    alice = await client_on(p2, "Alice")

    async def adult_sees_alice() -> bool:
        found = await marc.request({"type": "search", "q": "Ali"}, "search")
        return bool(found["users"])

    await eventually(adult_sees_alice)
    assert (await marc.request({"type": "search", "q": "Le"}, "search"))["users"] == []
    assert (await marc.pm("Lea", "salut"))["code"] == "user_unknown"
    assert (await lea.pm("Marc", "salut"))["code"] == "user_unknown"

    await marc.enter("general")
    await alice.enter("general")
    blocked = await alice.request({"type": "block", "pseudonym": "Marc"}, "blocked")
    assert blocked["pseudonym"] == "Marc"

    # Marc's process learns of the block: his PM is refused.
    async def refused() -> bool:
        return (await marc.pm("Alice", "pourquoi ?")).get("code") == "pm_refused"

    await eventually(refused)
    await marc.post("general", "après le blocage")
    await alice.post("general", "témoin")
    await alice.expect("message", channel="room:general", text="témoin")
    await alice.drain(quiet=0.3)
    assert "après le blocage" not in [m["text"] for m in alice.messages()]


async def test_resume_on_another_process(servers, client_on):
    """A chatter leaves one process and resumes on the other: the missed messages, once."""
    p1, p2 = servers(2)
    alice = await client_on(p1, "Alice")
    bob = await client_on(p1, "Bob", gender="m")
    await alice.enter("general")
    await bob.enter("general")
    await alice.post("general", "m0")
    await bob.expect("message", text="m0")
    await bob.disconnect()
    for i in range(1, 21):
        await alice.post("general", f"m{i}")
    bob.base_url = p2.url.rstrip("/")
    replayed = await bob.resume()
    assert [m["text"] for m in replayed] == [f"m{i}" for i in range(1, 21)]
    await alice.post("general", "live")
    await bob.expect("message", text="live")
    assert [m["text"] for m in bob.messages()].count("live") == 1


async def test_join_limits_and_proofs_are_shared(servers):
    """Joins per address are counted across processes; a solved proof of work is spent
    everywhere once used."""
    import aiohttp

    from causette.core.pow import solve

    p1, p2 = servers(2, CAUSETTE_JOINS_PER_IP_PER_HOUR="2")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{p1.url}api/pow") as resp:
            challenge = await resp.json()
        pow_ = {"challenge": challenge["challenge"], "nonce": solve(challenge["challenge"], 4)}
        body = {"age": 30, "gender": "f", "department": "75", "pow": pow_}
        async with http.post(f"{p1.url}api/join", json={**body, "pseudonym": "Une"}) as resp:
            assert resp.status == 201
        async with http.post(f"{p2.url}api/join", json={**body, "pseudonym": "Deux"}) as resp:
            assert (await resp.json())["error"]["code"] == "pow_invalid"
    # One join on p1, one on p2: the third, on p1, is over the limit of 2.
    trois, quatre = ChatClient(p2.url), ChatClient(p1.url)
    try:
        await trois.join("Trois")
        with pytest.raises(JoinRefused) as refused:
            await quatre.join("Quatre")
        assert refused.value.code == "join_rate_limited"
    finally:
        await trois.close()
        await quatre.close()


async def test_logout_on_another_process_ends_the_socket(servers, client_on):
    """Logging out through one process closes the chatter's socket held by another (4001)
    and frees the name."""
    p1, p2 = servers(2)
    alice = await client_on(p1, "Alice")
    async with alice.http.post(
        f"{p2.url}api/logout", headers={"Authorization": f"Bearer {alice.token}"}
    ) as resp:
        assert resp.status == 204
    # Other frames (presence, counts) may come before the close: read through them.
    await closed_with(alice, 4001)

    async def name_free() -> bool:
        client = ChatClient(p2.url)
        try:
            await client.join("Alice")
            return True
        except JoinRefused:
            return False
        finally:
            await client.close()

    assert await eventually(name_free)


async def test_two_senders_on_two_processes_same_room_in_order(servers, client_on):
    """Posts racing from two processes into one room reach readers on both processes
    exactly once and in id order (the sequencer puts the bus's order right)."""
    import asyncio

    p1, p2 = servers(2)
    alice, carol = await client_on(p1, "Alice"), await client_on(p1, "Carol")
    bob, dave = await client_on(p2, "Bob", gender="m"), await client_on(p2, "Dave", gender="m")
    for client in (alice, bob, carol, dave):
        await client.enter("general")
    per_sender = 500

    async def stream(client: ChatClient, tag: str) -> None:
        for i in range(per_sender):
            await client.send({"type": "post", "room": "general", "text": f"{tag}{i}"})
            if i % 50 == 49:
                await client.expect("ack", timeout=10)

    async def read_all(client: ChatClient) -> list[int]:
        ids: list[int] = []
        while len(ids) < 2 * per_sender:
            frame = await client.recv(timeout=15)
            if frame["type"] == "message" and frame["channel"] == "room:general":
                ids.append(frame["id"])
            client.frames.clear()
        return ids

    readers = [asyncio.create_task(read_all(c)) for c in (carol, dave)]
    await asyncio.gather(stream(alice, "a"), stream(bob, "b"))
    for ids in await asyncio.gather(*readers):
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids) == 2 * per_sender


async def test_an_immediate_answer_on_another_process_finds_the_conversation(servers, client_on):
    """The recipient accepts the moment the request arrives, on another process than the
    initiator's: the conversation is known there already, and each side's `conversation`
    event names the other (a chatter held elsewhere is known by its presence mirror)."""
    p1, p2 = servers(2)
    alice = await client_on(p1, "Alice")
    names = [f"Bob{i}" for i in range(3)]  # a fresh account opens at most 3 conversations
    bobs = [await client_on(p2, name, gender="m") for name in names]
    for name, bob in zip(names, bobs, strict=True):
        ack = await _pm_when_seen(alice, name, "bonsoir")
        assert ack["type"] == "ack", ack
        request = await bob.expect("conversation")
        assert request["conversation"]["with"]["pseudonym"] == "Alice"
        conv_id = request["conversation"]["id"]
        await bob.send({"type": "pm_respond", "conversation": conv_id, "decision": "accept"})
        while (event := await alice.expect("conversation"))["conversation"]["state"] != "accepted":
            assert event["conversation"]["state"] == "pending_out"  # her own, first
        assert event["conversation"]["id"] == conv_id
        assert event["conversation"]["with"]["pseudonym"] == name
        mine = await bob.expect("conversation")  # the acceptance, as the recipient sees it
        assert mine["conversation"]["state"] == "accepted"
        assert mine["conversation"]["with"]["pseudonym"] == "Alice"
    for bob in bobs:
        await bob.drain()
        errors = [f for f in bob.frames if f["type"] == "error"]
        assert errors == [], errors
