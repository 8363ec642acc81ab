"""The SQL store's message ids: per channel, unique and gapless with several writers."""

from __future__ import annotations

import asyncio

from causette.store import MessageRecord, SessionRecord, SqlStore
from causette.store.safety import SafetyStore


def _record(channel: str, text: str) -> MessageRecord:
    return MessageRecord(channel, 0, 1.0, "sender", "{}", text)


async def test_ids_follow_on_per_channel(database_url):
    """A store gives 1, 2, 3… per channel, whatever id the record carried."""
    store = SqlStore(database_url, synchronous="NORMAL")
    await store.start()
    try:
        stored = [await store.append_message(_record("room:a", f"t{i}")) for i in range(3)]
        other = await store.append_message(_record("room:b", "x"))
        assert [r.id for r in stored] == [1, 2, 3]
        assert other.id == 1
        assert await store.channel_heads() == {"room:a": 3, "room:b": 1}
    finally:
        await store.close()


async def test_two_writers_never_share_an_id(database_url):
    """Two stores (two processes' writers) on one database: ids unique and gapless."""
    stores = [SqlStore(database_url, synchronous="NORMAL") for _ in range(2)]
    for store in stores:
        await store.start()
    try:
        results = await asyncio.gather(
            *[stores[i % 2].append_message(_record("room:a", f"t{i}")) for i in range(400)]
        )
        ids = sorted(r.id for r in results)
        assert ids == list(range(1, 401))
        rows = await stores[0].messages_after("room:a", 0, 1000)
        assert [r.id for r in rows] == list(range(1, 401))
    finally:
        for store in stores:
            await store.close()


def _session(sid: str) -> SessionRecord:
    return SessionRecord(
        id=sid, token_hash=f"t-{sid}", device_hash="d", pseudonym=sid, age=30, gender="f",
        department="75", space="adult", lang="fr", pm_policy="rooms", created_at=1.0,
        last_seen=2.0,
    )  # fmt: skip


async def test_chatter_rows_read_a_session_and_what_hangs_on_it_at_once(store):
    """What a resume reads in one trip (issue 17): the session, by id or by token hash, its
    blocks both ways, its rooms, its conversations and, when asked, its safety flags;
    nothing of another session."""
    for sid in ("ana", "bea", "cyd"):
        await store.create_session(_session(sid))
    await store.add_block("ana", "bea", 1.0)
    await store.add_block("cyd", "ana", 1.0)
    await store.add_block("bea", "cyd", 1.0)  # neither is ana
    await store.add_membership("ana", "general")
    await store.add_membership("ana", "aube")
    await store.add_membership("bea", "nuit")
    await store.create_conversation("c1", "ana", "bea", "accepted", 1.0)
    await store.create_conversation("c2", "cyd", "ana", "pending", 1.0)
    await store.create_conversation("c3", "bea", "cyd", "accepted", 1.0)
    safety = SafetyStore(store)
    await safety.set_flag("ana", "minor_suspected", 1.0)
    await safety.set_flag("bea", "other", 1.0)

    by_token = await store.chatter_rows(token_hash="t-ana", flags=True)
    by_id = await store.chatter_rows(chatter_id="ana")
    assert by_token is not None and by_id is not None
    assert by_token.record == by_id.record == (await store.sessions_by_id(["ana"]))["ana"]
    for rows in (by_token, by_id):
        assert rows.blocked == {"bea"} and rows.blocked_by == {"cyd"}
        assert rows.rooms == ["aube", "general"]
        assert sorted(rows.conversations) == [
            ("c1", "ana", "bea", "accepted"),
            ("c2", "cyd", "ana", "pending"),
        ]
    assert by_token.flags == {"minor_suspected"}
    assert by_id.flags == frozenset()  # not asked for
    assert await store.chatter_rows(token_hash="t-nobody") is None
    assert await store.chatter_rows(chatter_id="nobody", flags=True) is None
