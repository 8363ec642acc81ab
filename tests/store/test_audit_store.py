"""The audit log in the database: appended in order by concurrent writers; a row changed,
a chain rewritten with recomputed hashes or newest rows removed behind the application's
back are all detected by ``verify``."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from causette.core.audit import entry_hash
from causette.store import schema
from causette.store.audit import AUDIT_HEAD, AuditStore
from causette.store.sql import SqlStore
from tests.support.keys import AUDIT_KEYS


def _store(url: str) -> SqlStore:
    return SqlStore(url, synchronous="NORMAL", audit_keys=AUDIT_KEYS)


async def _bans(store: SqlStore, count: int) -> AuditStore:
    audit = AuditStore(store)
    for i in range(count):
        await audit.append(float(i), "moderator:a", "sanction.ban", f"t{i}")
    return audit


async def test_concurrent_appends_form_one_chain_and_tampering_is_found(database_url):
    store = _store(database_url)
    await store.start()
    try:
        audit = AuditStore(store)
        await asyncio.gather(
            *(audit.append(100.0 + i, "moderator:a", "case.read", f"report:{i}") for i in range(50))
        )
        report = await audit.verify()
        assert report.ok and report.entries == 50
        assert [e.seq for e in await audit.entries(limit=100)] == list(range(1, 51))
        assert {e.key_id for e in await audit.entries(limit=100)} == {AUDIT_KEYS.current.id}

        def tamper(conn: sa.Connection) -> None:
            t = schema.audit_log
            conn.execute(sa.update(t).where(t.c.seq == 17).values(actor="moderator:b"))

        await store.write(tamper)
        report = await audit.verify()
        assert not report.ok and report.first_broken == 17
    finally:
        await store.close()


async def test_a_second_store_on_the_same_database_continues_the_chain(database_url):
    first, second = _store(database_url), _store(database_url)
    await first.start()
    await second.start()
    try:
        await asyncio.gather(
            *(
                AuditStore(s).append(1.0, f"p{i}", "x", "y")
                for i in range(20)
                for s in (first, second)
            )
        )
        report = await AuditStore(first).verify()
        assert report.ok and report.entries == 40
    finally:
        await first.close()
        await second.close()


async def test_removing_the_newest_entries_is_caught_by_the_head_counter(database_url):
    """Issue 15 item 6: deleting the newest rows used to leave a chain that verified."""
    store = _store(database_url)
    await store.start()
    try:
        audit = await _bans(store, 10)
        saved = await audit.head()
        assert saved is not None and saved.seq == 10

        def truncate(conn: sa.Connection) -> None:
            conn.execute(sa.delete(schema.audit_log).where(schema.audit_log.c.seq > 7))

        await store.write(truncate)
        report = await audit.verify()
        assert report.first_broken == 8 and "head counter is at 10" in (report.problem or "")

        def reset_counter(conn: sa.Connection) -> None:
            t = schema.channel_heads
            conn.execute(sa.update(t).where(t.c.channel == AUDIT_HEAD).values(head=7))

        await store.write(reset_counter)
        assert (await audit.verify()).ok  # the database alone can no longer tell
        report = await audit.verify(anchors=(saved,))  # the head written down outside can
        assert report.first_broken == 8 and "signed head names entry 10" in (report.problem or "")
    finally:
        await store.close()


async def test_a_rewrite_with_recomputed_plain_hashes_is_caught(database_url):
    """The forger edits an entry and recomputes every later hash the old way (sha256)."""
    store = _store(database_url)
    await store.start()
    try:
        audit = await _bans(store, 6)
        entries = await audit.entries()

        def rewrite(conn: sa.Connection) -> None:
            t = schema.audit_log
            prev = entries[2].hash
            for e in entries[3:]:
                actor = "moderator:b" if e.seq == 4 else e.actor
                digest = entry_hash(prev, e.seq, e.ts, actor, e.action, e.target, e.detail)
                conn.execute(
                    sa.update(t)
                    .where(t.c.seq == e.seq)
                    .values(actor=actor, prev_hash=prev, hash=digest)
                )
                prev = digest

        await store.write(rewrite)
        report = await audit.verify()
        assert report.first_broken == 4 and report.problem == "content does not match its hash"
    finally:
        await store.close()


async def test_a_store_without_an_audit_key_refuses_to_append(database_url):
    store = SqlStore(database_url, synchronous="NORMAL")
    await store.start()
    try:
        with pytest.raises(RuntimeError, match="no audit key"):
            await AuditStore(store).append(1.0, "a", "x", "y")
        assert await AuditStore(store).head() is None
    finally:
        await store.close()
