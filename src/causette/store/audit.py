"""The audit log in the database: appended in the writer's transaction, never updated.

Rules:
- ``append_in(conn, …)`` writes one entry inside the caller's transaction, so an action and
  its audit entry commit together or not at all (stores of the desk call it from their own
  write operations).
- The sequence number is taken from the ``channel_heads`` row ``audit:`` (locked until the
  commit, as message ids are): several processes on one PostgreSQL append one chain.
- Entries are keyed (HMAC, core/audit.py) with the audit keyring the store was given
  (``SqlStore(audit_keys=…)``, carried to every connection as the execution option
  ``AUDIT_KEYS``): a store without one refuses to append rather than write an unkeyed entry.
- Nothing in the application updates or deletes an entry; ``verify`` re-reads the chain
  and compares its end with the head counter.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, insert, select

from causette.core.audit import AuditEntry, ChainReport, Head, next_entry, verify
from causette.core.sealing import Keyring
from causette.store import schema
from causette.store.sql import AUDIT_KEYS, SqlStore, reserve_ids

AUDIT_HEAD = "audit:"
_COLUMNS = ("seq", "ts", "actor", "action", "target", "detail", "prev_hash", "hash", "key_id")


def keyring_of(conn: Connection) -> Keyring:
    keys = conn.get_execution_options().get(AUDIT_KEYS)
    if not isinstance(keys, Keyring):
        raise RuntimeError("this store has no audit key: SqlStore(audit_keys=…)")
    return keys


def append_in(
    conn: Connection,
    ts: float,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    key = keyring_of(conn).current
    head = reserve_ids(conn, _one_audit_id())[AUDIT_HEAD]
    t = schema.audit_log
    previous = None
    if head > 0:
        row = conn.execute(select(*[t.c[c] for c in _COLUMNS]).where(t.c.seq == head)).first()
        previous = None if row is None else AuditEntry(*row)
    entry = next_entry(previous, ts, actor, action, target, detail or {}, key)
    if entry.seq != head + 1:
        raise RuntimeError(f"audit chain head {head} has no entry")
    conn.execute(insert(t).values(dict(zip(_COLUMNS, _astuple(entry), strict=True))))
    return entry


def _one_audit_id() -> Counter[str]:
    return Counter({AUDIT_HEAD: 1})


def _astuple(entry: AuditEntry) -> tuple[Any, ...]:
    return tuple(getattr(entry, c) for c in _COLUMNS)


def iter_entries(conn: Connection, batch: int = 1000, first: int = 1) -> Iterator[AuditEntry]:
    t = schema.audit_log
    after = first - 1
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


def head_counter(conn: Connection) -> int:
    t = schema.channel_heads
    head = conn.execute(select(t.c.head).where(t.c.channel == AUDIT_HEAD)).scalar()
    return 0 if head is None else int(head)


def verify_chain(
    conn: Connection, anchors: tuple[Head, ...] = (), start: Head | None = None
) -> ChainReport:
    """The chain checked link by link (from ``start`` when given), then against the head
    counter and ``anchors`` (signed heads written down outside the database)."""
    counter = head_counter(conn)
    entries = iter_entries(conn, first=1 if start is None else start.seq)
    return verify(entries, keyring_of(conn), counter=counter, anchors=anchors, start=start)


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
        entry: AuditEntry = await self.store.write(
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

        return await self.store.read(q)

    async def verify(
        self, anchors: tuple[Head, ...] = (), start: Head | None = None
    ) -> ChainReport:
        return await self.store.read(lambda conn: verify_chain(conn, anchors, start))

    async def head(self) -> Head | None:
        """The newest entry's place in the chain, or None while the chain is empty."""
        t = schema.audit_log

        def q(conn: Connection) -> Head | None:
            row = conn.execute(select(t.c.seq, t.c.hash).order_by(t.c.seq.desc()).limit(1)).first()
            return None if row is None else Head(int(row[0]), str(row[1]))

        return await self.store.read(q)

    async def last_is_plain(self) -> bool:
        """True when the newest entry predates the keyed chain (the chain needs anchoring)."""
        t = schema.audit_log

        def q(conn: Connection) -> bool:
            stmt = select(t.c.key_id).order_by(t.c.seq.desc()).limit(1)
            row = conn.execute(stmt).first()
            return row is not None and row[0] is None

        return await self.store.read(q)
