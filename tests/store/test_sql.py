"""The SQL store's message ids: per channel, unique and gapless with several writers."""

from __future__ import annotations

import asyncio

from causette.store import MessageRecord, SqlStore


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
