"""Issue 15, items 3 and 4 on two processes: a message its author takes back leaves every
view on both, and a client resuming on the other process drops it; an erasure asked of
one process ends the session held by the other and frees the name cluster-wide."""

from __future__ import annotations

from tests.cluster.conftest import eventually
from tests.support.client import ChatClient, JoinRefused, closed_with


async def test_a_message_taken_back_leaves_every_process(servers, client_on):
    p1, p2 = servers(2)
    alice = await client_on(p1, "Alice")
    bob = await client_on(p2, "Bob", gender="m")
    carol = await client_on(p2, "Carol")
    for client in (alice, bob, carol):
        await client.enter("general")
    ack = await alice.post("general", "mon adresse : 3 rue des Lilas")
    for client in (bob, carol):
        await client.expect("message", id=ack["id"])
    await carol.disconnect()  # away, holding the message

    reply = await alice.request(
        {"type": "delete", "channel": "room:general", "id": ack["id"]}, "deleted"
    )
    assert reply["type"] == "deleted" and reply["by"] == "author"
    gone = await bob.expect("deleted", id=ack["id"])
    assert gone["channel"] == "room:general"
    history = await bob.request({"type": "history", "channel": "room:general"}, "history")
    assert ack["id"] not in [m["id"] for m in history["messages"]]

    # Carol comes back on the other process: nothing replayed, and she drops it.
    moved = ChatClient(p1.url)
    moved.token, moved.last_ids = carol.token, dict(carol.last_ids)
    try:
        assert await moved.resume() == []
        assert (await moved.expect("deleted", id=ack["id"]))["by"] == "author"
    finally:
        await moved.close()

    # Bob (on p2) cannot take back Alice's message.
    second = await alice.post("general", "encore moi")
    await bob.expect("message", id=second["id"])
    refused = await bob.request(
        {"type": "delete", "channel": "room:general", "id": second["id"]}, "deleted"
    )
    assert refused["code"] == "not_author"


async def test_erasure_on_one_process_ends_the_session_on_the_other(servers, client_on):
    p1, p2 = servers(2)
    dan = await client_on(p2, "Dan", gender="m")
    eve = await client_on(p1, "Eve")
    for client in (dan, eve):
        await client.enter("general")
    ack = await dan.post("general", "à effacer")
    await eve.expect("message", id=ack["id"])

    async with dan.http.post(
        f"{p1.url.rstrip('/')}/api/me/erase",
        json={"confirm": True},
        headers={"Authorization": f"Bearer {dan.token}"},
    ) as resp:
        assert resp.status == 200, await resp.text()
        answer = await resp.json()
    assert answer["erased"]["messages"] == 1
    await closed_with(dan, 4001)
    assert (await eve.expect("deleted", id=ack["id"]))["by"] == "erasure"

    async def name_free() -> bool:
        client = ChatClient(p1.url)
        try:
            await client.join("Dan", gender="m")
        except JoinRefused as refused:
            # A predicate polled until the name is free: refused is an answer, not a failure.
            assert refused.code == "pseudonym_taken"  # noqa: PT017
            return False
        finally:
            await client.close()
        return True

    assert await eventually(name_free, timeout=10)
