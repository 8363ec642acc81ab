"""The audit log in the database: appended in order by concurrent writers, and a row
changed behind the application's back is detected by ``verify``."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from causette.store import schema
from causette.store.audit import AuditStore
from causette.store.sql import SqlStore


async def test_concurrent_appends_form_one_chain_and_tampering_is_found(database_url):
    store = SqlStore(database_url, synchronous="NORMAL")
    await store.start()
    try:
        audit = AuditStore(store)
        await asyncio.gather(
            *(audit.append(100.0 + i, "moderator:a", "case.read", f"report:{i}") for i in range(50))
        )
        report = await audit.verify()
        assert report.ok and report.entries == 50
        assert [e.seq for e in await audit.entries(limit=100)] == list(range(1, 51))

        def tamper(conn: sa.Connection) -> None:
            t = schema.audit_log
            conn.execute(sa.update(t).where(t.c.seq == 17).values(actor="moderator:b"))

        await store._submit(tamper)
        report = await audit.verify()
        assert not report.ok and report.first_broken == 17
    finally:
        await store.close()


async def test_a_second_store_on_the_same_database_continues_the_chain(database_url):
    first = SqlStore(database_url, synchronous="NORMAL")
    second = SqlStore(database_url, synchronous="NORMAL")
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
