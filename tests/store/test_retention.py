"""The retention store on both databases: a message's connection row in its transaction,
and a purge that deletes by age, per table, and keeps whatever a preservation covers."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import func, insert, select

from causette.core.sealing import Keyring, RetentionKey
from causette.store import MessageRecord, SessionRecord, SqlStore, schema
from causette.store.legal import LegalStore
from causette.store.retention import (
    ConnectionEntry,
    RetentionPolicy,
    RetentionStore,
    SealedRow,
    Source,
    connection_rows,
    open_connection,
)

NOW = 2_000_000_000.0
DAY = 86400.0
POLICY = RetentionPolicy.from_days(365, 365, 90, 90, 730)


def _keyring() -> Keyring:
    return Keyring(RetentionKey.from_secret(os.urandom(32)))


async def test_a_message_and_its_connection_row_commit_together(store: SqlStore):
    keyring = _keyring()
    retention = RetentionStore(store, keyring)
    sidecar = retention.sidecar(Source("2001:db8::7", 51234, NOW - 5), "Alice", "dk1")
    records = await asyncio.gather(
        *[
            store.append_message(MessageRecord("room:a", 0, NOW, "s1", "{}", f"t{i}"), sidecar)
            for i in range(20)
        ]
    )
    rows = await store.read(
        lambda c: connection_rows(c, session_ids=["s1"], from_ts=0, to_ts=NOW + 1, limit=100)
    )
    assert sorted(r.message_id for r in rows) == sorted(r.id for r in records)
    entry = open_connection(keyring, rows[0])
    assert (entry.ip, entry.port, entry.pseudonym, entry.device_key) == (
        "2001:db8::7",
        51234,
        "Alice",
        "dk1",
    )
    assert entry.connected_at == NOW - 5 and entry.channel == "room:a"


async def _seed(store: SqlStore, retention: RetentionStore) -> None:
    """Two chatters, each with old and recent messages and connection rows."""
    for sid, name in (("old1", "Alice"), ("old2", "Bob")):
        await store.create_session(
            SessionRecord(
                sid,
                f"t{sid}",
                "d",
                name,
                30,
                "f",
                "75",
                "adult",
                "fr",
                "open",
                NOW - 500 * DAY,
                NOW - 400 * DAY,
            )
        )
        for age_days in (400, 100, 1):
            ts = NOW - age_days * DAY
            for channel in ("room:a", f"pm:{sid}"):
                stored = await store.append_message(
                    MessageRecord(channel, 0, ts, sid, "{}", f"{name} {age_days}")
                )
                await retention.log(
                    ConnectionEntry(
                        "message", sid, ts, channel, stored.id, "198.51.100.1", 1234, ts, name, "dk"
                    )
                )
    await store.add_membership("old1", "a")


async def _count(store: SqlStore, table) -> int:  # type: ignore[no-untyped-def]
    return await store.read(
        lambda c: int(c.execute(select(func.count()).select_from(table)).scalar_one())
    )


async def test_purge_by_age_and_preservation(store: SqlStore):
    retention = RetentionStore(store, _keyring())
    legal = LegalStore(store)
    await _seed(store, retention)
    # Alice's data around 400 days ago are frozen (by subject); so is Bob's private channel.
    await legal.preserve(ts=NOW, actor="test", reason="r", subject_id="old1", channel=None,
                         from_ts=NOW - 401 * DAY, to_ts=NOW - 399 * DAY)  # fmt: skip
    await legal.preserve(ts=NOW, actor="test", reason="r", subject_id=None, channel="pm:old2",
                         from_ts=NOW - 500 * DAY, to_ts=NOW)  # fmt: skip
    dry = await retention.purge(POLICY, NOW, "test", dry_run=True)
    # Connection rows past 365 days: Alice's 2 preserved, Bob's room one goes, pm one stays.
    assert dry["connection_log"] == 1
    # Room messages past 90 days: Alice 400 (kept), Alice 100, Bob 400, Bob 100 -> 3.
    assert dry["messages_room"] == 3
    # Private messages past 90 days: Alice 400 (kept), Alice 100; Bob's channel frozen -> 1.
    assert dry["messages_pm"] == 1
    # Sessions unseen for 400 days: both preserved (Alice by name, Bob wrote in a frozen PM).
    assert dry["sessions"] == 0
    assert await _count(store, schema.messages) == 12
    done = await retention.purge(POLICY, NOW, "test")
    assert done == dry
    left = await store.read(
        lambda c: sorted(
            (row.channel, row.text)
            for row in c.execute(select(schema.messages.c.channel, schema.messages.c.text))
        )
    )
    assert left == sorted(
        [
            ("room:a", "Alice 400"), ("room:a", "Alice 1"), ("room:a", "Bob 1"),
            ("pm:old1", "Alice 400"), ("pm:old1", "Alice 1"),
            ("pm:old2", "Bob 400"), ("pm:old2", "Bob 100"), ("pm:old2", "Bob 1"),
        ]
    )  # fmt: skip
    # Released, the rest goes, sessions and their memberships with it.
    for p in await legal.preservations():
        assert await legal.release(p.id, "legal", NOW)
    assert not await legal.release(p.id, "legal", NOW)
    again = await retention.purge(POLICY, NOW, "test")
    assert again["sessions"] == 2 and again["messages_room"] == 1 and again["messages_pm"] == 3
    assert again["connection_log"] == 3
    assert await _count(store, schema.memberships) == 0
    assert await _count(store, schema.sessions) == 0
    actions = await store.read(
        lambda c: [a for (a,) in c.execute(select(schema.audit_log.c.action))]
    )
    assert actions.count("retention.purge") == 2 and actions.count("retention.purge_dry_run") == 1


async def test_purge_works_in_chunks(store: SqlStore, monkeypatch: pytest.MonkeyPatch):
    from causette.store import retention as module

    monkeypatch.setattr(module, "PURGE_CHUNK", 7)
    retention = RetentionStore(store, _keyring())
    rows = [
        {"ts": NOW - 400 * DAY, "kind": "join", "session_id": f"s{i}", "channel": None,
         "message_id": None, "key_id": "k", "sealed": b"x"}
        for i in range(30)
    ]  # fmt: skip
    await store.write(lambda c: c.execute(insert(schema.connection_log), rows))
    counts = await retention.purge(POLICY, NOW, "test")
    assert counts["connection_log"] == 30
    assert await _count(store, schema.connection_log) == 0
    assert SealedRow  # the row type the export opens
