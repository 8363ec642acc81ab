"""Preservations, requisitions and emergency notifications, each change audited with it.

Rules:
- Every write here appends its audit entry in the same transaction (``append_in``): a
  preservation, a requisition or a notification never exists without its trace.
- A preservation is active until released (``released_at``); the purge keeps what it covers
  (store/retention.py). Releasing twice answers False.
- A requisition moves recorded -> running -> done (or failed); its progress (0..1) is in its
  row so any process, and the legal officer polling, sees it.
- The lookups used by the export read sessions and messages in batches by key; an
  emergency notification reads its alert or report case here too.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, func, insert, or_, select, tuple_, update

from causette.store import bodies, schema
from causette.store.audit import append_in
from causette.store.records import MessageRecord
from causette.store.sql import SqlStore

RECORDED, RUNNING, DONE, FAILED = "recorded", "running", "done", "failed"
READY, SENT = "ready", "sent"


@dataclass(frozen=True, slots=True)
class Preservation:
    id: str
    ts: float
    created_by: str
    reason: str
    subject_id: str | None
    channel: str | None
    from_ts: float
    to_ts: float
    source_kind: str | None
    source_id: str | None
    released_at: float | None
    released_by: str | None


@dataclass(frozen=True, slots=True)
class Requisition:
    id: str
    ts: float
    created_by: str
    authority: str
    reference: str
    legal_basis: str
    scope: dict[str, Any]
    status: str
    progress: float
    archive_path: str | None
    archive_sha256: str | None
    signature: str | None
    finished_at: float | None
    error: str | None

    @property
    def public(self) -> dict[str, Any]:
        """What the legal officer sees (the archive's place on disk stays on the server)."""
        return {
            "id": self.id,
            "ts": self.ts,
            "created_by": self.created_by,
            "authority": self.authority,
            "reference": self.reference,
            "legal_basis": self.legal_basis,
            "scope": self.scope,
            "status": self.status,
            "progress": self.progress,
            "archive_sha256": self.archive_sha256,
            "finished_at": self.finished_at,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Notification:
    id: str
    ts: float
    alert_id: str | None
    report_id: str | None
    created_by: str
    recipient: str
    body: dict[str, Any]
    status: str
    sent_at: float | None
    sent_by: str | None
    sent_via: dict[str, Any] | None


_PRESERVATION_COLUMNS = Preservation.__slots__
_REQUISITION_COLUMNS = Requisition.__slots__
_NOTIFICATION_COLUMNS = Notification.__slots__


def _requisition(row: Sequence[Any]) -> Requisition:
    values = list(row)
    values[6] = orjson.loads(values[6])
    return Requisition(*values)


def _notification(row: Sequence[Any]) -> Notification:
    values = list(row)
    values[6] = orjson.loads(values[6])
    values[10] = None if values[10] is None else orjson.loads(values[10])
    return Notification(*values)


def new_id() -> str:
    return secrets.token_hex(8)


class LegalStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    # -- preservations ----------------------------------------------------------------------
    async def preserve(
        self,
        *,
        ts: float,
        actor: str,
        reason: str,
        subject_id: str | None,
        channel: str | None,
        from_ts: float,
        to_ts: float,
        source_kind: str | None = None,
        source_id: str | None = None,
    ) -> Preservation:
        record = Preservation(
            new_id(), ts, actor, reason, subject_id, channel, from_ts, to_ts,
            source_kind, source_id, None, None,
        )  # fmt: skip
        row = dict(
            zip(
                _PRESERVATION_COLUMNS,
                (getattr(record, c) for c in _PRESERVATION_COLUMNS),
                strict=True,
            )
        )

        def op(conn: Connection) -> None:
            conn.execute(insert(schema.preservations), row)
            detail = {
                "subject_id": subject_id,
                "channel": channel,
                "from_ts": from_ts,
                "to_ts": to_ts,
                "reason": reason,
                "source": f"{source_kind}:{source_id}" if source_kind else None,
            }
            append_in(conn, ts, actor, "preservation.create", f"preservation:{record.id}", detail)

        await self.store.write(op)
        return record

    async def preservations(self, active_only: bool = True) -> list[Preservation]:
        t = schema.preservations

        def q(conn: Connection) -> list[Preservation]:
            stmt = select(*[t.c[c] for c in _PRESERVATION_COLUMNS]).order_by(t.c.ts.desc())
            if active_only:
                stmt = stmt.where(t.c.released_at.is_(None))
            return [Preservation(*row) for row in conn.execute(stmt)]

        return await self.store.read(q)

    async def release(self, preservation_id: str, actor: str, now: float) -> bool:
        t = schema.preservations

        def op(conn: Connection) -> bool:
            changed = conn.execute(
                update(t)
                .where(t.c.id == preservation_id, t.c.released_at.is_(None))
                .values(released_at=now, released_by=actor)
            ).rowcount
            if changed:
                append_in(
                    conn, now, actor, "preservation.release", f"preservation:{preservation_id}"
                )
            return bool(changed)

        released: bool = await self.store.write(op)
        return released

    # -- requisitions -----------------------------------------------------------------------
    async def record_requisition(
        self,
        *,
        ts: float,
        actor: str,
        created_by: str,
        authority: str,
        reference: str,
        legal_basis: str,
        scope: dict[str, Any],
    ) -> Requisition:
        record = Requisition(
            new_id(), ts, created_by, authority, reference, legal_basis, scope,
            RECORDED, 0.0, None, None, None, None, None,
        )  # fmt: skip
        row = {c: getattr(record, c) for c in _REQUISITION_COLUMNS}
        row["scope"] = orjson.dumps(scope).decode()

        def op(conn: Connection) -> None:
            conn.execute(insert(schema.requisitions), row)
            detail = {"authority": authority, "reference": reference, "legal_basis": legal_basis,
                      "scope": scope}  # fmt: skip
            append_in(conn, ts, actor, "requisition.record", f"requisition:{record.id}", detail)

        await self.store.write(op)
        return record

    async def requisition(self, requisition_id: str) -> Requisition | None:
        t = schema.requisitions

        def q(conn: Connection) -> Requisition | None:
            stmt = select(*[t.c[c] for c in _REQUISITION_COLUMNS]).where(t.c.id == requisition_id)
            row = conn.execute(stmt).first()
            return None if row is None else _requisition(row)

        return await self.store.read(q)

    async def requisitions(self) -> list[Requisition]:
        t = schema.requisitions

        def q(conn: Connection) -> list[Requisition]:
            stmt = select(*[t.c[c] for c in _REQUISITION_COLUMNS]).order_by(t.c.ts.desc())
            return [_requisition(row) for row in conn.execute(stmt)]

        return await self.store.read(q)

    async def start_export(self, requisition_id: str, actor: str, now: float) -> bool:
        """recorded/done/failed -> running, audited; False if it is running already."""
        t = schema.requisitions

        def op(conn: Connection) -> bool:
            changed = conn.execute(
                update(t)
                .where(t.c.id == requisition_id, t.c.status != RUNNING)
                .values(status=RUNNING, progress=0.0, error=None, finished_at=None)
            ).rowcount
            if changed:
                append_in(
                    conn, now, actor, "requisition.export_start", f"requisition:{requisition_id}"
                )
            return bool(changed)

        started: bool = await self.store.write(op)
        return started

    async def set_progress(self, requisition_id: str, progress: float) -> None:
        t = schema.requisitions
        stmt = update(t).where(t.c.id == requisition_id, t.c.status == RUNNING)
        stmt = stmt.values(progress=round(min(max(progress, 0.0), 1.0), 4))
        await self.store.write(lambda conn: conn.execute(stmt))

    async def finish_export(
        self,
        requisition_id: str,
        *,
        actor: str,
        now: float,
        archive_path: str,
        archive_sha256: str,
        signature: str,
        counts: dict[str, int],
    ) -> None:
        t = schema.requisitions

        def op(conn: Connection) -> None:
            conn.execute(
                update(t)
                .where(t.c.id == requisition_id)
                .values(
                    status=DONE,
                    progress=1.0,
                    archive_path=archive_path,
                    archive_sha256=archive_sha256,
                    signature=signature,
                    finished_at=now,
                )
            )
            detail = {"counts": counts, "archive_sha256": archive_sha256}
            append_in(
                conn,
                now,
                actor,
                "requisition.export_finish",
                f"requisition:{requisition_id}",
                detail,
            )

        await self.store.write(op)

    async def fail_export(self, requisition_id: str, actor: str, now: float, error: str) -> None:
        t = schema.requisitions

        def op(conn: Connection) -> None:
            conn.execute(
                update(t)
                .where(t.c.id == requisition_id)
                .values(status=FAILED, error=error, finished_at=now)
            )
            append_in(
                conn,
                now,
                actor,
                "requisition.export_fail",
                f"requisition:{requisition_id}",
                {"error": error},
            )

        await self.store.write(op)

    async def fail_interrupted(self, actor: str, now: float) -> int:
        """Exports left running by a process that stopped: failed, so they can be restarted."""
        t = schema.requisitions

        def op(conn: Connection) -> int:
            ids = [i for (i,) in conn.execute(select(t.c.id).where(t.c.status == RUNNING))]
            for requisition_id in ids:
                conn.execute(
                    update(t)
                    .where(t.c.id == requisition_id)
                    .values(status=FAILED, error="interrupted by a restart", finished_at=now)
                )
                target = f"requisition:{requisition_id}"
                append_in(conn, now, actor, "requisition.export_fail", target,
                          {"error": "interrupted by a restart"})  # fmt: skip
            return len(ids)

        count: int = await self.store.write(op)
        return count

    # -- notifications (DSA art. 18) --------------------------------------------------------
    async def notify(
        self,
        *,
        ts: float,
        actor: str,
        created_by: str,
        recipient: str,
        body: dict[str, Any],
        alert_id: str | None,
        report_id: str | None,
    ) -> Notification:
        record = Notification(
            new_id(), ts, alert_id, report_id, created_by, recipient, body, READY, None, None, None
        )
        row = {c: getattr(record, c) for c in _NOTIFICATION_COLUMNS}
        row["body"] = orjson.dumps(body).decode()

        def op(conn: Connection) -> None:
            conn.execute(insert(schema.notifications), row)
            detail = {"recipient": recipient, "alert_id": alert_id, "report_id": report_id}
            append_in(conn, ts, actor, "emergency.prepare", f"notification:{record.id}", detail)

        await self.store.write(op)
        return record

    async def notifications(self) -> list[Notification]:
        t = schema.notifications

        def q(conn: Connection) -> list[Notification]:
            stmt = select(*[t.c[c] for c in _NOTIFICATION_COLUMNS]).order_by(t.c.ts.desc())
            return [_notification(row) for row in conn.execute(stmt)]

        return await self.store.read(q)

    async def mark_sent(
        self,
        notification_id: str,
        *,
        actor: str,
        sent_by: str,
        now: float,
        via: str,
        reference: str,
    ) -> bool:
        """ready -> sent, with how and the authority's reference; False if not ready."""
        t = schema.notifications
        sent_via = orjson.dumps({"via": via, "reference": reference}).decode()

        def op(conn: Connection) -> bool:
            changed = conn.execute(
                update(t)
                .where(t.c.id == notification_id, t.c.status == READY)
                .values(status=SENT, sent_at=now, sent_by=sent_by, sent_via=sent_via)
            ).rowcount
            if changed:
                detail = {"via": via, "reference": reference}
                append_in(
                    conn, now, actor, "emergency.sent", f"notification:{notification_id}", detail
                )
            return bool(changed)

        done: bool = await self.store.write(op)
        return done

    # -- what an emergency notification cites -------------------------------------------------
    async def alert(self, alert_id: str) -> dict[str, Any] | None:
        """An alert's row, its context (JSON) opened (store/bodies.py)."""
        return await self.store.read(lambda conn: bodies.alert_row(conn, alert_id))

    async def report_case(self, report_id: str, before: int, after: int) -> dict[str, Any] | None:
        """A report, the people it involves and the messages around it (``report_case``)."""
        return await self.store.read(lambda conn: report_case(conn, report_id, before, after))

    async def audit(
        self, ts: float, actor: str, action: str, target: str, detail: dict[str, Any] | None = None
    ) -> None:
        await self.store.write(lambda conn: append_in(conn, ts, actor, action, target, detail))


# -- reads for an emergency notification and for the export (in the reader pool) -----------------
def report_case(conn: Connection, report_id: str, before: int, after: int) -> dict[str, Any] | None:
    """A report with the people it involves and the messages around it (``before`` and
    ``after`` ids of its message), bodies opened: what an emergency notification cites."""
    r, s, m = schema.reports, schema.sessions, schema.messages
    report = conn.execute(select(r).where(r.c.id == report_id)).mappings().first()
    if report is None:
        return None
    people = []
    for role, session_id in (
        ("subject", report["subject_id"]),
        ("reporter", report["reporter_id"]),
    ):
        if not session_id:
            continue
        row = conn.execute(select(s).where(s.c.id == session_id)).mappings().first()
        if row is not None:
            people.append(
                {
                    "role": role,
                    "pseudonym": row["pseudonym"],
                    "declared_age": row["age"],
                    "gender": row["gender"],
                    "department": row["department"],
                    "space": row["space"],
                    "session_id": row["id"],
                }
            )
    evidence = []
    if report["channel"] and report["message_id"]:
        around = conn.execute(
            select(*bodies.columns())
            .where(
                m.c.channel == report["channel"],
                m.c.id >= report["message_id"] - before,
                m.c.id <= report["message_id"] + after,
            )
            .order_by(m.c.id)
        )
        for found in around:
            message = bodies.record_of(conn, found)  # the body opened for the legal officer
            evidence.append(
                {
                    "id": message.id,
                    "ts": message.ts,
                    "from": orjson.loads(message.sender),
                    "text": message.text,
                }
            )
    return {"report": dict(report), "people": people, "evidence": evidence}


_SESSION_EXPORT_COLUMNS = (
    "id", "pseudonym", "age", "gender", "department", "space", "lang",
    "created_at", "last_seen", "ended_at", "device_key",
)  # fmt: skip


def sessions_by(
    conn: Connection, *, ids: Sequence[str] = (), pseudonyms: Sequence[str] = (),
    device_keys: Sequence[str] = (),
) -> list[dict[str, Any]]:  # fmt: skip
    """Sessions with these ids, pseudonyms (exact, case-insensitive) or device keys."""
    s = schema.sessions
    found: dict[str, dict[str, Any]] = {}
    columns = [s.c[c] for c in _SESSION_EXPORT_COLUMNS]
    conditions: list[ColumnElement[bool]] = []
    if ids:
        conditions.append(s.c.id.in_(list(ids)))
    if pseudonyms:
        conditions.append(func.lower(s.c.pseudonym).in_([p.lower() for p in pseudonyms]))
    if device_keys:
        conditions.append(s.c.device_key.in_(list(device_keys)))
    for condition in conditions:
        for row in conn.execute(select(*columns).where(condition)):
            found[row[0]] = dict(zip(_SESSION_EXPORT_COLUMNS, row, strict=True))
    return sorted(found.values(), key=lambda r: (r["created_at"], r["id"]))


def sessions_with_rows(
    conn: Connection, session_ids: Sequence[str], from_ts: float, to_ts: float
) -> set[str]:
    """Which of these sessions have connection data in the window."""
    if not session_ids:
        return set()
    t = schema.connection_log
    stmt = (
        select(t.c.session_id)
        .where(t.c.session_id.in_(list(session_ids)), t.c.ts >= from_ts, t.c.ts <= to_ts)
        .distinct()
    )
    return {sid for (sid,) in conn.execute(stmt)}


def messages_of_senders(
    conn: Connection,
    sender_ids: Sequence[str],
    from_ts: float,
    to_ts: float,
    after: tuple[str, int] | None,
    limit: int,
) -> list[MessageRecord]:
    """Messages these sessions sent in the window, by (channel, id), after a key."""
    m = schema.messages
    stmt = select(*bodies.columns()).where(
        m.c.sender_id.in_(list(sender_ids)), m.c.ts >= from_ts, m.c.ts <= to_ts
    )
    if after is not None:
        stmt = stmt.where(tuple_(m.c.channel, m.c.id) > tuple_(*after))
    stmt = stmt.order_by(m.c.channel, m.c.id).limit(limit)
    return [bodies.record_of(conn, row) for row in conn.execute(stmt)]


def removed_messages(
    conn: Connection,
    sender_ids: Sequence[str],
    wanted: set[tuple[str, int]],
    from_ts: float,
    to_ts: float,
) -> list[MessageRecord]:
    """Messages moderators removed from the chat (kept among held messages, status
    ``removed``) that these sessions sent, or that ``wanted`` names, in the window."""
    h = schema.held_messages
    wanted_channels = {channel for channel, _ in wanted}
    stmt = select(*bodies.held_columns("reasons", "sender")).where(
        h.c.status == "removed",
        h.c.ts >= from_ts,
        h.c.ts <= to_ts,
        or_(h.c.sender_id.in_(list(sender_ids)), h.c.channel.in_(list(wanted_channels))),
    )
    found: list[MessageRecord] = []
    for row in conn.execute(stmt).mappings():
        channel, sender_id = row["channel"], row["sender_id"]
        message_id = int(orjson.loads(row["reasons"])[0]["removed"]["message_id"])
        if sender_id in sender_ids or (channel, message_id) in wanted:
            text = bodies.open_row(conn, bodies.HELD, row)  # opened for the requisition's export
            found.append(
                MessageRecord(channel, message_id, row["ts"], sender_id, row["sender"], text)
            )
    return sorted(found, key=lambda r: (r.channel, r.id))


def messages_by_ids(
    conn: Connection, wanted: Sequence[tuple[str, int]], from_ts: float, to_ts: float
) -> list[MessageRecord]:
    if not wanted:
        return []
    m = schema.messages
    stmt = select(*bodies.columns()).where(
        tuple_(m.c.channel, m.c.id).in_(list(wanted)), m.c.ts >= from_ts, m.c.ts <= to_ts
    )
    rows = conn.execute(stmt.order_by(m.c.channel, m.c.id))
    return [bodies.record_of(conn, row) for row in rows]


def count_messages_of(
    conn: Connection, sender_ids: Sequence[str], from_ts: float, to_ts: float
) -> int:
    """How many messages these sessions sent in the window (the export's progress)."""
    m = schema.messages
    stmt = (
        select(func.count())
        .select_from(m)
        .where(m.c.sender_id.in_(list(sender_ids)), m.c.ts >= from_ts, m.c.ts <= to_ts)
    )
    return int(conn.execute(stmt).scalar_one())


def count_connections_of(
    conn: Connection, session_ids: Sequence[str], from_ts: float, to_ts: float
) -> int:
    """How many connection rows these sessions have in the window (the export's progress)."""
    t = schema.connection_log
    stmt = (
        select(func.count())
        .select_from(t)
        .where(t.c.session_id.in_(list(session_ids)), t.c.ts >= from_ts, t.c.ts <= to_ts)
    )
    return int(conn.execute(stmt).scalar_one())
