"""Message bodies sealed at rest (issue 15, item 5), on both databases: the database alone
holds no text, the store reads it back, a rotated key still opens old bodies, a body moved
onto another row does not open, and bodies stored in clear before still read. The same for
held messages (the moderation queue, refused and removed messages kept as evidence) and
alerts' context (it quotes the channel's recent messages)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import orjson
import pytest
from sqlalchemy import insert, select, update

from causette.core.sealing import Keyring, RetentionKey, SealError
from causette.store import MessageRecord, SqlStore, bodies, schema
from causette.store.legal import removed_messages
from causette.store.own_data import OwnDataStore
from causette.store.safety import SafetyStore
from causette.store.sanctions import SanctionStore
from causette.store.sanctions import _remove_message as remove_message
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

    return list(await store.read(q))


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
        await rotated.write(
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
    await store.write(lambda c: c.execute(insert(schema.messages).values(**row)))
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
            await bare.read(opened)
    finally:
        await bare.close()


# -- held messages: the moderation queue, refused and removed ones kept as evidence ------------
async def _raw_held(store: SqlStore) -> list[tuple[str, str, str | None]]:
    h = schema.held_messages

    def q(conn):  # type: ignore[no-untyped-def]
        stmt = select(h.c.id, h.c.text, h.c.key_id).order_by(h.c.ts)
        return [tuple(r) for r in conn.execute(stmt)]

    return list(await store.read(q))


async def test_held_messages_are_sealed_and_read_back(sealing):
    store, key = sealing
    safety, sanctions = SafetyStore(store), SanctionStore(store)
    held_id = await safety.hold("room:a", "s1", "{}", "viens 3 rue des Lilas", NOW, [{"x": 1}])
    [(raw_id, raw_text, key_id)] = await _raw_held(store)
    assert raw_id == held_id and key_id == key.id
    assert "Lilas" not in raw_text
    [held] = await safety.held()
    assert (held.id, held.text, held.reasons) == (held_id, "viens 3 rue des Lilas", [{"x": 1}])
    row = await sanctions.held(held_id)
    assert row is not None and row["text"] == "viens 3 rue des Lilas" and "key_id" not in row


async def test_a_removed_message_is_sealed_to_its_held_row(sealing):
    """A message a moderator takes out is kept among held messages, sealed again (bound to
    its held row); the desk's case view and a requisition export open it."""
    store, key = sealing
    await store.append_message(MessageRecord("room:a", 0, NOW, "s1", "{}", "06 12 34 56 78"))
    await store.write(lambda c: remove_message(c, "room:a", 1, NOW + 5, "moderator:m1"))
    [(_, raw_text, key_id)] = await _raw_held(store)
    assert key_id == key.id and "06 12" not in raw_text
    [kept] = await OwnDataStore(store).removed("room:a", 1, 1)
    assert kept["text"] == "06 12 34 56 78"

    def exported(conn):  # type: ignore[no-untyped-def]
        return removed_messages(conn, ["s1"], set(), NOW - 1, NOW + 1)

    assert [r.text for r in await store.read(exported)] == ["06 12 34 56 78"]


async def test_a_rotated_key_still_opens_a_held_message_and_a_moved_one_does_not(database_url):
    old = _key()
    first = SqlStore(
        database_url, synchronous="NORMAL", audit_keys=AUDIT_KEYS, message_keys=Keyring(old)
    )
    await first.start()
    await SafetyStore(first).hold("room:a", "s1", "{}", "avant", NOW, [])
    await first.close()
    new = _key()
    rotated = SqlStore(
        database_url, synchronous="NORMAL", audit_keys=AUDIT_KEYS, message_keys=Keyring(new, (old,))
    )
    await rotated.start()
    try:
        safety = SafetyStore(rotated)
        await safety.hold("room:a", "s1", "{}", "après", NOW + 1, [])
        raw = await _raw_held(rotated)
        assert [r[2] for r in raw] == [old.id, new.id]
        assert [h.text for h in await safety.held()] == ["avant", "après"]
        # The first text copied onto the second held row: it is bound to its own row.
        h = schema.held_messages
        await rotated.write(
            lambda c: c.execute(
                update(h).where(h.c.id == raw[1][0]).values(text=raw[0][1], key_id=raw[0][2])
            )
        )
        with pytest.raises(SealError):
            await safety.held()
    finally:
        await rotated.close()


async def test_held_messages_of_before_still_read_and_need_the_key_once_sealed(
    sealing, database_url
):
    """A held row written before migration 0013 (key_id NULL) is read as it is; a sealed one
    does not open without the key."""
    store, _ = sealing
    row = {
        "id": "0123456789abcdef",
        "channel": "room:b",
        "sender_id": "s1",
        "sender": "{}",
        "text": "ancien",
        "ts": NOW,
        "reasons": "[]",
        "status": "pending",
        "key_id": None,
    }
    await store.write(lambda c: c.execute(insert(schema.held_messages).values(**row)))
    safety = SafetyStore(store)
    assert [h.text for h in await safety.held()] == ["ancien"]
    await safety.hold("room:b", "s1", "{}", "secret", NOW + 1, [])
    bare = SqlStore(database_url, synchronous="NORMAL", audit_keys=AUDIT_KEYS)
    await bare.start()
    try:
        with pytest.raises(SealError):
            await SafetyStore(bare).held()
    finally:
        await bare.close()


# -- alerts: their context quotes the channel's recent messages --------------------------------
async def test_an_alerts_context_is_sealed_and_read_back(sealing):
    store, key = sealing
    safety, sanctions = SafetyStore(store), SanctionStore(store)
    context = {"recent": [{"id": 1, "text": "t'habites où ? 3 rue des Lilas"}], "risk": 0.9}
    alert_id = await safety.add_alert("grooming", 3, NOW, context, "room:a", "s1")
    # One from before migration 0013, in clear.
    old = {
        "id": "0123456789abcdef",
        "ts": NOW - 1,
        "kind": "spam",
        "severity": 1,
        "channel": None,
        "subject_id": None,
        "context": '{"recent": []}',
        "status": "open",
        "key_id": None,
    }
    await store.write(lambda c: c.execute(insert(schema.alerts).values(**old)))
    a = schema.alerts
    rows = await store.read(lambda c: c.execute(select(a.c.id, a.c.context, a.c.key_id)).all())
    sealed = {r[0]: r for r in rows}[alert_id]
    assert sealed[2] == key.id and "Lilas" not in sealed[1] and "recent" not in sealed[1]
    by_id = {x.id: x for x in await safety.alerts()}
    assert by_id[alert_id].context == context and by_id[old["id"]].context == {"recent": []}
    row = await sanctions.alert(alert_id)
    assert row is not None and "key_id" not in row and orjson.loads(row["context"]) == context
    # Moved onto the other alert's row, it does not open.
    await store.write(
        lambda c: c.execute(
            update(a).where(a.c.id == old["id"]).values(context=sealed[1], key_id=sealed[2])
        )
    )
    with pytest.raises(SealError):
        await sanctions.alert(str(old["id"]))


# -- the safety engine's snapshot: it remembers each sender's previous message ----------------
async def test_the_engines_snapshot_is_sealed_and_bound_to_its_row(sealing):
    store, key = sealing
    safety = SafetyStore(store)
    state = {"conversations": {"room:a": {"tails": {"s1": {"raw": "3 rue des Lilas"}}}}}
    await safety.save_state(state, 100.0, "engine:a")
    await safety.save_state({"users": {}}, 200.0, "engine:b")
    t = schema.safety_state
    rows = await store.read(
        lambda c: c.execute(select(t.c.key, t.c.data, t.c.key_id).order_by(t.c.key)).all()
    )
    assert [r[2] for r in rows] == [key.id, key.id] and "Lilas" not in rows[0][1]
    assert await safety.load_states(since=0.0) == [state, {"users": {}}]
    # One from before migration 0013, in clear, still loads.
    await store.write(
        lambda c: c.execute(update(t).where(t.c.key == "engine:b").values(data="{}", key_id=None))
    )
    assert await safety.load_states(since=150.0) == [{}]
    # A's snapshot moved onto B's row does not open.
    await store.write(
        lambda c: c.execute(
            update(t).where(t.c.key == "engine:b").values(data=rows[0][1], key_id=key.id)
        )
    )
    with pytest.raises(SealError):
        await safety.load_states(since=150.0)
