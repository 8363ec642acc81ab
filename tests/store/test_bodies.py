"""Message bodies sealed at rest (issue 15, item 5), on both databases: the database alone
holds no text, the store reads it back, a rotated key still opens old bodies, a body moved
onto another row does not open, and bodies stored in clear before still read."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert, select, update

from causette.core.sealing import Keyring, RetentionKey, SealError
from causette.store import MessageRecord, SqlStore, bodies, schema
from tests.support.keys import AUDIT_KEYS

NOW = 2_000_000_000.0


def _key() -> RetentionKey:
    return RetentionKey.from_secret(os.urandom(32))


@pytest.fixture
async def sealing(database_url: str) -> AsyncIterator[tuple[SqlStore, RetentionKey]]:
    key = _key()
    store = SqlStore(
        database_url, synchronous="NORMAL", audit_keys=AUDIT_KEYS, message_keys=Keyring(key)
    )
    await store.start()
    yield store, key
    await store.close()


async def _raw(store: SqlStore) -> list[tuple[str, int, str, str | None]]:
    m = schema.messages

    def q(conn):  # type: ignore[no-untyped-def]
        stmt = select(m.c.channel, m.c.id, m.c.text, m.c.key_id).order_by(m.c.channel, m.c.id)
        return [tuple(r) for r in conn.execute(stmt)]

    return list(await store._read(q))


async def test_bodies_are_sealed_and_read_back(sealing):
    store, key = sealing
    texts = ["mon numéro 06 12 34 56 78", "3 rue des Lilas", "salut"]
    for text in texts:
        stored = await store.append_message(MessageRecord("room:a", 0, NOW, "s1", "{}", text))
        assert stored.text == text  # the ack and the fan-out carry the clear text
    raw = await _raw(store)
    assert [r[3] for r in raw] == [key.id] * 3
    assert not any(text in r[2] or "Lilas" in r[2] for r in raw for text in texts)
    assert [r.text for r in await store.messages_before("room:a", None, 10)] == texts
    assert [r.text for r in await store.messages_after("room:a", 1, 10)] == texts[1:]


async def test_a_rotated_key_still_opens_and_a_moved_body_does_not(database_url):
    old = _key()
    first = SqlStore(
        database_url, synchronous="NORMAL", audit_keys=AUDIT_KEYS, message_keys=Keyring(old)
    )
    await first.start()
    await first.append_message(MessageRecord("room:a", 0, NOW, "s1", "{}", "avant"))
    await first.close()
    new = _key()
    rotated = SqlStore(
        database_url, synchronous="NORMAL", audit_keys=AUDIT_KEYS, message_keys=Keyring(new, (old,))
    )
    await rotated.start()
    try:
        await rotated.append_message(MessageRecord("room:a", 0, NOW + 1, "s1", "{}", "après"))
        assert [r[3] for r in await _raw(rotated)] == [old.id, new.id]
        assert [r.text for r in await rotated.messages_before("room:a", None, 10)] == [
            "avant",
            "après",
        ]
        # The first body copied onto the second row: it is bound to its own row.
        raw = await _raw(rotated)
        m = schema.messages
        await rotated._submit(
            lambda c: c.execute(
                update(m).where(m.c.id == 2).values(text=raw[0][2], key_id=raw[0][3])
            )
        )
        with pytest.raises(SealError):
            await rotated.messages_before("room:a", None, 10)
    finally:
        await rotated.close()


async def test_clear_bodies_of_before_still_read(sealing):
    """A row written before migration 0010 (key_id NULL) is read as it is."""
    store, _ = sealing
    row = {
        "channel": "room:b",
        "id": 1,
        "ts": NOW,
        "sender_id": "s1",
        "sender": "{}",
        "text": "ancien",
        "key_id": None,
    }
    await store._submit(lambda c: c.execute(insert(schema.messages).values(**row)))
    assert [r.text for r in await store.messages_before("room:b", None, 10)] == ["ancien"]


async def test_without_the_key_a_sealed_body_refuses_to_open(sealing, database_url):
    store, _ = sealing
    await store.append_message(MessageRecord("room:c", 0, NOW, "s1", "{}", "secret"))
    bare = SqlStore(database_url, synchronous="NORMAL", audit_keys=AUDIT_KEYS)
    await bare.start()
    try:
        with pytest.raises(SealError):
            await bare.messages_before("room:c", None, 10)

        def opened(conn):  # type: ignore[no-untyped-def]
            return [bodies.record_of(conn, r) for r in conn.execute(select(*bodies.columns()))]

        with pytest.raises(SealError):
            await bare._read(opened)
    finally:
        await bare.close()
