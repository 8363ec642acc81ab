"""The audit log in the database: appended in the writer's transaction, never updated.

Rules:
- ``append_in(conn, …)`` writes one entry inside the caller's transaction, so an action and
  its audit entry commit together or not at all (stores of the desk call it from their own
  write operations).
- The sequence number is taken from the ``channel_heads`` row ``audit:`` (locked until the
  commit, as message ids are): several processes on one PostgreSQL append one chain.
- Nothing in the application updates or deletes an entry; ``verify`` re-reads the chain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, insert, select

from causette.core.audit import AuditEntry, ChainReport, next_entry, verify
from causette.store import schema
from causette.store.sql import SqlStore

AUDIT_HEAD = "audit:"
_COLUMNS = ("seq", "ts", "actor", "action", "target", "detail", "prev_hash", "hash")


def append_in(
    conn: Connection,
    ts: float,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    head = SqlStore._take_ids(conn, _one_audit_id())[AUDIT_HEAD]
    t = schema.audit_log
    previous = None
    if head > 0:
        row = conn.execute(select(*[t.c[c] for c in _COLUMNS]).where(t.c.seq == head)).first()
        previous = None if row is None else AuditEntry(*row)
    entry = next_entry(previous, ts, actor, action, target, detail or {})
    if entry.seq != head + 1:
        raise RuntimeError(f"audit chain head {head} has no entry")
    conn.execute(insert(t).values(dict(zip(_COLUMNS, _astuple(entry), strict=True))))
    return entry


def _one_audit_id() -> Counter[str]:
    return Counter({AUDIT_HEAD: 1})


def _astuple(entry: AuditEntry) -> tuple[Any, ...]:
    return tuple(getattr(entry, c) for c in _COLUMNS)


def iter_entries(conn: Connection, batch: int = 1000) -> Iterator[AuditEntry]:
    t = schema.audit_log
    after = 0
    while True:
        rows = conn.execute(
            select(*[t.c[c] for c in _COLUMNS])
            .where(t.c.seq > after)
            .order_by(t.c.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield AuditEntry(*row)
        after = rows[-1][0]


def verify_chain(conn: Connection) -> ChainReport:
    return verify(iter_entries(conn))


class AuditStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def append(
        self,
        ts: float,
        actor: str,
        action: str,
        target: str,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry: AuditEntry = await self.store._submit(
            lambda conn: append_in(conn, ts, actor, action, target, detail)
        )
        return entry

    async def entries(self, after: int = 0, limit: int = 200) -> list[AuditEntry]:
        t = schema.audit_log

        def q(conn: Connection) -> list[AuditEntry]:
            stmt = (
                select(*[t.c[c] for c in _COLUMNS])
                .where(t.c.seq > after)
                .order_by(t.c.seq)
                .limit(limit)
            )
            return [AuditEntry(*row) for row in conn.execute(stmt)]

        return await self.store._read(q)

    async def verify(self) -> ChainReport:
        return await self.store._read(verify_chain)
