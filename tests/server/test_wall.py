"""The teen/adult wall: nothing of one space is visible to or reachable from the other, by
any path (room list, join, user list, search, presence, PM, history, resume)."""

from __future__ import annotations

import pytest

from causette.server.keys import SERVICE
from tests.support.client import JoinRefused


async def test_teen_and_adult_cannot_see_or_reach_each_other(make_client, base_url, server):
    """Every path between a teen and an adult answers as if the other did not exist."""
    adult = await make_client("Marc", age=34, gender="m")
    teen = await make_client("Lea", age=16)

    # Room lists are per space.
    adult_rooms = {r["slug"] for r in (await adult.request({"type": "rooms"}, "rooms"))["rooms"]}
    teen_rooms = {r["slug"] for r in (await teen.request({"type": "rooms"}, "rooms"))["rooms"]}
    assert adult_rooms and teen_rooms and adult_rooms.isdisjoint(teen_rooms)

    # Joining a room of the other space is room_unknown.
    assert (await adult.enter("ados-general"))["code"] == "room_unknown"
    assert (await teen.enter("general"))["code"] == "room_unknown"
    assert (await adult.request({"type": "users", "room": "ados-general"}, "users"))["code"] == (
        "room_unknown"
    )
    history = await adult.request(
        {"type": "history", "channel": "room:ados-general", "limit": 10}, "history"
    )
    assert history["code"] == "room_unknown"

    # Search and PM.
    assert (await adult.request({"type": "search", "q": "Le"}, "search"))["users"] == []
    assert (await teen.request({"type": "search", "q": "Ma"}, "search"))["users"] == []
    assert (await adult.pm("Lea", "salut"))["code"] == "user_unknown"
    assert (await teen.pm("Marc", "salut"))["code"] == "user_unknown"
    assert (await adult.request({"type": "block", "pseudonym": "Lea"}, "blocked"))["code"] == (
        "user_unknown"
    )

    # Presence and counts: the teen's room activity never reaches the adult (in a room of
    # their own, so the adult space's counts change and are pushed to them).
    await adult.enter("general")
    await teen.enter("ados-general")
    await teen.post("ados-general", "coucou les ados")
    # The counts push, now rather than at its next tick, then a barrier: what the teen's
    # acknowledged actions and the push sent the adult has been read.
    await server.app[SERVICE].live.broadcast_counts()
    await adult.settle()
    assert any(f["type"] == "counts" for f in adult.frames)
    for frame in adult.frames:
        assert "Lea" not in str(frame)
        assert "ados" not in str(frame.get("counts", {}))
        assert frame.get("channel") != "room:ados-general"

    # Resume: naming the other space's channel replays nothing.
    await adult.disconnect()
    await adult.connect({"room:ados-general": 0})
    synced = await adult.expect("synced")
    assert "room:ados-general" not in synced["channels"]
    assert not [m for m in adult.messages() if m["channel"] == "room:ados-general"]

    # HTTP room list too.
    async with adult.http.get(
        f"{base_url}api/rooms", headers={"Authorization": f"Bearer {adult.token}"}
    ) as resp:
        body = await resp.json()
    assert {r["space"] for r in body["rooms"]} == {"adult"}


async def test_name_uniqueness_does_not_reveal_the_other_space(make_client):
    """A pseudonym is unique across the service, but nothing else of the holder shows."""
    await make_client("Lea", age=16)
    adult = await make_client()
    with pytest.raises(JoinRefused) as refused:
        await adult.join("Lea", age=30)
    assert refused.value.code == "pseudonym_taken"
