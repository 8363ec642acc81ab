"""Connection data kept for the law (LCEN, décret 2021-1362), sealed at rest; and the purge.

Rules:
- A ``connection_log`` row shows in clear only what the purge and a requisition need to
  find it: time, kind, session, channel, message id and key id. What identifies the source
  (address, source port, connection time, pseudonym, device key) is sealed (core/sealing.py),
  bound to its row by the associated data.
- Rows go through the group-commit writer; a message's row is written in the message's own
  transaction (``message_sidecar`` for ``SqlStore.append_message``), so a stored message
  always has its connection data and sealing never waits on the event loop.
- ``open_connection`` is the only way to read a row's sealed part; the requisition export
  (server/desk/exports.py, role legal) is its only caller. No moderator endpoint reads it.
- The purge deletes what is past its time in chunks (each chunk one write of its own, so
  the chat's writes go between them), keeps whatever an active preservation covers, and
  audits its run (dry runs too) in the same transaction as its last chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnClause

from causette.core.sealing import Keyring, associated_data, open_sealed, seal
from causette.store import schema
from causette.store.audit import append_in
from causette.store.records import MessageRecord
from causette.store.sql import Sidecar, SqlStore, insert_rows

# Kinds of row: a chat session created, a WebSocket connected, a message stored.
JOIN, CONNECT, MESSAGE = "join", "connect", "message"
PURGE_CHUNK = 2000
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Source:
    """Where a connection comes from, as the server saw it (after trusted proxies)."""

    ip: str
    port: int | None
    connected_at: float


@dataclass(frozen=True, slots=True)
class ConnectionEntry:
    kind: str
    session_id: str
    ts: float
    channel: str | None
    message_id: int | None
    ip: str
    port: int | None
    connected_at: float
    pseudonym: str
    device_key: str


def _sealed_part(entry: ConnectionEntry) -> bytes:
    return orjson.dumps(
        {
            "ip": entry.ip,
            "port": entry.port,
            "connected_at": entry.connected_at,
            "pseudonym": entry.pseudonym,
            "device_key": entry.device_key,
        }
    )


def connection_row(keyring: Keyring, entry: ConnectionEntry) -> dict[str, Any]:
    """The ``connection_log`` row of an entry, its identifying fields sealed."""
    associated = associated_data(
        entry.kind, entry.session_id, entry.channel, entry.message_id, entry.ts
    )
    return {
        "ts": entry.ts,
        "kind": entry.kind,
        "session_id": entry.session_id,
        "channel": entry.channel,
        "message_id": entry.message_id,
        "key_id": keyring.current.id,
        "sealed": seal(keyring.current, _sealed_part(entry), associated),
    }


def message_sidecar(keyring: Keyring, source: Source, pseudonym: str, device_key: str) -> Sidecar:
    """The connection row of a message, made in the writer once the message has its id."""

    def row(record: MessageRecord) -> tuple[Any, dict[str, Any]]:
        entry = ConnectionEntry(
            MESSAGE,
            record.sender_id,
            record.ts,
            record.channel,
            record.id,
            source.ip,
            source.port,
            source.connected_at,
            pseudonym,
            device_key,
        )
        return schema.connection_log, connection_row(keyring, entry)

    return row


@dataclass(frozen=True, slots=True)
class SealedRow:
    id: int
    ts: float
    kind: str
    session_id: str
    channel: str | None
    message_id: int | None
    key_id: str
    sealed: bytes


_SEALED_COLUMNS = ("id", "ts", "kind", "session_id", "channel", "message_id", "key_id", "sealed")


def open_connection(keyring: Keyring, row: SealedRow) -> ConnectionEntry:
    """A row with its sealed part opened; ``SealError`` if it does not open."""
    associated = associated_data(row.kind, row.session_id, row.channel, row.message_id, row.ts)
    part = orjson.loads(open_sealed(keyring, row.key_id, bytes(row.sealed), associated))
    return ConnectionEntry(
        row.kind,
        row.session_id,
        row.ts,
        row.channel,
        row.message_id,
        str(part["ip"]),
        part["port"],
        float(part["connected_at"]),
        str(part["pseudonym"]),
        str(part["device_key"]),
    )


def connection_rows(
    conn: Connection,
    *,
    session_ids: Sequence[str] | None = None,
    messages: Sequence[tuple[str, int]] | None = None,
    from_ts: float,
    to_ts: float,
    after_id: int = 0,
    limit: int = 1000,
) -> list[SealedRow]:
    """Sealed rows in a window, of these sessions or of these messages, by row id."""
    t = schema.connection_log
    stmt = select(*[t.c[c] for c in _SEALED_COLUMNS]).where(
        t.c.id > after_id, t.c.ts >= from_ts, t.c.ts <= to_ts
    )
    if session_ids is not None:
        stmt = stmt.where(t.c.session_id.in_(list(session_ids)))
    if messages is not None:
        stmt = stmt.where(
            t.c.kind == MESSAGE, tuple_(t.c.channel, t.c.message_id).in_(list(messages))
        )
    return [SealedRow(*row) for row in conn.execute(stmt.order_by(t.c.id).limit(limit))]


class RetentionStore:
    def __init__(self, store: SqlStore, keyring: Keyring) -> None:
        self.store = store
        self.keyring = keyring

    async def log(self, entry: ConnectionEntry) -> None:
        row = connection_row(self.keyring, entry)
        await self.store.write(lambda conn: insert_rows(conn, schema.connection_log, [row]))

    def sidecar(self, source: Source, pseudonym: str, device_key: str) -> Sidecar:
        return message_sidecar(self.keyring, source, pseudonym, device_key)

    async def purge(
        self, policy: RetentionPolicy, now: float, actor: str, *, dry_run: bool = False
    ) -> dict[str, int]:
        """Delete (or count, with ``dry_run``) what is past its time; the count per table."""
        counts: dict[str, int] = {}
        for target in purge_targets(policy, now):
            if dry_run:
                counts[target.name] = await self.store.read(target.count)
                continue
            total = 0
            while True:
                deleted: int = await self.store.write(target.delete_chunk)
                total += deleted
                if deleted < PURGE_CHUNK:
                    break
            counts[target.name] = total
        action = "retention.purge_dry_run" if dry_run else "retention.purge"
        detail = {"counts": counts, "policy_days": policy.days()}
        await self.store.write(
            lambda conn: append_in(conn, now, actor, action, "retention", detail)
        )
        return counts


# -- the purge ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each kind of data is kept, in seconds (from the operator's settings)."""

    connection_s: float
    session_s: float
    room_s: float
    pm_s: float
    moderation_s: float

    @classmethod
    def from_days(
        cls, connection: float, session: float, room: float, pm: float, moderation: float
    ) -> RetentionPolicy:
        return cls(connection * DAY, session * DAY, room * DAY, pm * DAY, moderation * DAY)

    def days(self) -> dict[str, float]:
        return {
            "connection": self.connection_s / DAY,
            "session": self.session_s / DAY,
            "room": self.room_s / DAY,
            "pm": self.pm_s / DAY,
            "moderation": self.moderation_s / DAY,
        }


def preserved(
    ts: ColumnElement[Any],
    subject: ColumnElement[Any] | None,
    channel: ColumnElement[Any] | None,
) -> ColumnElement[bool]:
    """True for a row an active preservation covers: inside its window, and of its subject,
    of its channel, or of anything when it names neither."""
    p = schema.preservations
    covers: list[ColumnElement[bool]] = [and_(p.c.subject_id.is_(None), p.c.channel.is_(None))]
    if subject is not None:
        covers.append(p.c.subject_id == subject)
    if channel is not None:
        covers.append(p.c.channel == channel)
    return exists().where(
        p.c.released_at.is_(None), ts >= p.c.from_ts, ts <= p.c.to_ts, or_(*covers)
    )


def subject_preserved(session_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """A session an active preservation names, or that wrote in a preserved channel's
    window (its messages are kept: who sent them must stay known)."""
    p, m = schema.preservations, schema.messages
    named = exists().where(p.c.released_at.is_(None), p.c.subject_id == session_id)
    wrote = exists().where(
        p.c.released_at.is_(None),
        p.c.channel.is_not(None),
        m.c.channel == p.c.channel,
        m.c.sender_id == session_id,
        m.c.ts >= p.c.from_ts,
        m.c.ts <= p.c.to_ts,
    )
    return or_(named, wrote)


@dataclass(frozen=True, slots=True)
class PurgeTarget:
    name: str
    table: Table
    keys: tuple[ColumnClause[Any], ...]
    where: ColumnElement[bool]
    # Rows of other tables that go with a deleted key (a session's memberships...).
    cascade: Callable[[Connection, list[Any]], None] | None = None

    def count(self, conn: Connection) -> int:
        table = self.table
        return int(
            conn.execute(select(func.count()).select_from(table).where(self.where)).scalar_one()
        )

    def delete_chunk(self, conn: Connection) -> int:
        table = self.table
        rows = conn.execute(select(*self.keys).where(self.where).limit(PURGE_CHUNK)).all()
        if not rows:
            return 0
        if len(self.keys) == 1:
            keys = [r[0] for r in rows]
            conn.execute(delete(table).where(self.keys[0].in_(keys)))
            if self.cascade is not None:
                self.cascade(conn, keys)
        else:
            conn.execute(delete(table).where(tuple_(*self.keys).in_([tuple(r) for r in rows])))
        return len(rows)


def _session_cascade(conn: Connection, ids: list[Any]) -> None:
    conn.execute(delete(schema.memberships).where(schema.memberships.c.session_id.in_(ids)))
    b = schema.blocks
    conn.execute(delete(b).where(or_(b.c.blocker_id.in_(ids), b.c.blocked_id.in_(ids))))
    conn.execute(delete(schema.chatter_flags).where(schema.chatter_flags.c.session_id.in_(ids)))


def purge_targets(policy: RetentionPolicy, now: float) -> list[PurgeTarget]:
    c, m, s = schema.connection_log, schema.messages, schema.sessions
    held, alerts, reports = schema.held_messages, schema.alerts, schema.reports
    sanctions, appeals = schema.sanctions, schema.appeals
    conversations, desk_sessions = schema.conversations, schema.desk_sessions
    moderation_cutoff = now - policy.moderation_s
    return [
        PurgeTarget(
            "connection_log",
            c,
            (c.c.id,),
            and_(
                c.c.ts < now - policy.connection_s,
                ~preserved(c.c.ts, c.c.session_id, c.c.channel),
            ),
        ),
        PurgeTarget(
            "messages_room",
            m,
            (m.c.channel, m.c.id),
            and_(
                m.c.channel.like("room:%"),
                m.c.ts < now - policy.room_s,
                ~preserved(m.c.ts, m.c.sender_id, m.c.channel),
            ),
        ),
        PurgeTarget(
            "messages_pm",
            m,
            (m.c.channel, m.c.id),
            and_(
                m.c.channel.like("pm:%"),
                m.c.ts < now - policy.pm_s,
                ~preserved(m.c.ts, m.c.sender_id, m.c.channel),
            ),
        ),
        # A tombstone only matters while a client may still show the message it stands for.
        PurgeTarget(
            "message_tombstones",
            schema.message_tombstones,
            (schema.message_tombstones.c.channel, schema.message_tombstones.c.id),
            schema.message_tombstones.c.deleted_at < now - max(policy.room_s, policy.pm_s),
        ),
        PurgeTarget(
            "held_messages",
            held,
            (held.c.id,),
            and_(
                held.c.status != "pending",
                held.c.ts < moderation_cutoff,
                ~preserved(held.c.ts, held.c.sender_id, held.c.channel),
            ),
        ),
        PurgeTarget(
            "alerts",
            alerts,
            (alerts.c.id,),
            and_(
                alerts.c.status != "open",
                alerts.c.ts < moderation_cutoff,
                ~preserved(alerts.c.ts, alerts.c.subject_id, alerts.c.channel),
            ),
        ),
        PurgeTarget(
            "reports",
            reports,
            (reports.c.id,),
            and_(
                reports.c.status != "open",
                reports.c.ts < moderation_cutoff,
                ~preserved(reports.c.ts, reports.c.subject_id, reports.c.channel),
            ),
        ),
        PurgeTarget(
            "appeals",
            appeals,
            (appeals.c.id,),
            and_(appeals.c.decided_at.is_not(None), appeals.c.decided_at < moderation_cutoff),
        ),
        # A sanction goes once it ended (or was reversed, or was never timed: a warning, a
        # deletion) more than the moderation period ago; permanent bans and mutes stay.
        PurgeTarget(
            "sanctions",
            sanctions,
            (sanctions.c.id,),
            and_(
                sanctions.c.ts < moderation_cutoff,
                or_(
                    and_(sanctions.c.until.is_not(None), sanctions.c.until < moderation_cutoff),
                    sanctions.c.reversed_at.is_not(None),
                    sanctions.c.action.not_in(("ban", "mute")),
                ),
                ~preserved(sanctions.c.ts, sanctions.c.subject_id, sanctions.c.channel),
            ),
        ),
        PurgeTarget(
            "conversations",
            conversations,
            (conversations.c.id,),
            conversations.c.updated_at < now - max(policy.pm_s, policy.session_s),
        ),
        PurgeTarget(
            "sessions",
            s,
            (s.c.id,),
            and_(s.c.last_seen < now - policy.session_s, ~subject_preserved(s.c.id)),
            _session_cascade,
        ),
        # A device's under-15 refusal is kept only while it counts (core/devices.py).
        PurgeTarget(
            "device_memory",
            schema.device_memory,
            (schema.device_memory.c.device_hash, schema.device_memory.c.kind),
            schema.device_memory.c.until < now,
        ),
        PurgeTarget(
            "desk_sessions",
            desk_sessions,
            (desk_sessions.c.token_hash,),
            desk_sessions.c.expires_at < now,
        ),
    ]
