"""Sanctions, appeals and the outcome of queue items, as the database keeps them.

Rules:
- A moderator's action is one transaction: its sanctions, the queue item it closes (with
  the report's outcome), the message it deletes and its audit entries commit together or
  not at all. A queue item already closed refuses the whole action (``already_decided``).
- An appeal is decided in one transaction with its audit entry; the check that the decider
  is not the sanction's author runs inside it, so two decisions cannot race.
- Nothing here deletes a sanction: a reversal marks it ``reversed`` with the time.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update

from causette.core.errors import ChatError, ErrorCode
from causette.core.sanctions import LASTING, Sanction, Status
from causette.store import bodies, schema
from causette.store.audit import append_in
from causette.store.sql import SqlStore


@dataclass(frozen=True, slots=True)
class SanctionRecord:
    id: str
    ts: float
    subject_id: str | None
    pseudonym: str
    device_key: str | None
    ip_key: str | None
    action: str
    scope: str | None
    until: float | None
    rule: str
    reason: str
    automated: bool
    decided_by: str | None
    source_kind: str | None
    source_id: str | None
    channel: str | None
    message_id: int | None
    status: str
    appeal_token_hash: str | None
    reversed_at: float | None

    def core(self) -> Sanction:
        return Sanction(
            self.id,
            self.ts,
            self.action,
            self.scope,
            self.until,
            self.rule,
            self.reason,
            self.automated,
            self.status,
        )

    def public(self) -> dict[str, Any]:
        """What the desk shows (never the device or IP key, never the token's hash)."""
        return {
            "id": self.id,
            "ts": self.ts,
            "subject_id": self.subject_id,
            "pseudonym": self.pseudonym,
            "action": self.action,
            "scope": self.scope,
            "until": self.until,
            "rule": self.rule,
            "reason": self.reason,
            "automated": self.automated,
            "decided_by": self.decided_by,
            "source": (
                {"kind": self.source_kind, "id": self.source_id} if self.source_kind else None
            ),
            "channel": self.channel,
            "message_id": self.message_id,
            "status": self.status,
            "reversed_at": self.reversed_at,
        }


@dataclass(frozen=True, slots=True)
class AppealRecord:
    id: str
    ts: float
    sanction_id: str
    text: str
    status: str
    decided_by: str | None
    decided_at: float | None
    decision: str | None


@dataclass(frozen=True, slots=True)
class Audit:
    """An audit entry to write in the same transaction."""

    actor: str
    action: str
    target: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a queue item is closed: the report's outcome for its reporter."""

    kind: str
    id: str
    outcome: str
    text: str
    decided_by: str
    also: tuple[str, ...] = ()  # held ids decided with it: a case's copies, a ban's waiting


_S = [f.name for f in fields(SanctionRecord)]
_A = [f.name for f in fields(AppealRecord)]


def new_sanction_id() -> str:
    return secrets.token_hex(12)


def _sanction(row: Sequence[Any]) -> SanctionRecord:
    values = dict(zip(_S, row, strict=True))
    values["automated"] = bool(values["automated"])
    return SanctionRecord(**values)


def _select_sanctions() -> Any:
    t = schema.sanctions
    return select(*[t.c[c] for c in _S])


@functools.cache
def _bans_on() -> Any:
    """The bans of a device or a network, built once (bound by name): every join reads them,
    and building the statement cost the event loop ~0.2 ms per join."""
    t = schema.sanctions
    return _select_sanctions().where(
        t.c.status == Status.ACTIVE.value,
        t.c.action == "ban",
        or_(t.c.until.is_(None), t.c.until > bindparam("now")),
        or_(
            and_(t.c.scope == "device", t.c.device_key == bindparam("device_key")),
            and_(t.c.scope == "ip", t.c.ip_key == bindparam("ip_key")),
        ),
    )


def _close_item(conn: Connection, outcome: Outcome, now: float) -> None:
    """Close an open queue item, or refuse the whole transaction."""
    decided = {
        "status": "closed",
        "outcome": outcome.outcome,
        "outcome_text": outcome.text,
        "decided_at": now,
        "decided_by": outcome.decided_by,
    }
    if outcome.kind == "report":
        t = schema.reports
        stmt = update(t).where(t.c.id == outcome.id, t.c.status == "open").values(decided)
    elif outcome.kind == "alert":
        t = schema.alerts
        stmt = update(t).where(t.c.id == outcome.id, t.c.status == "open").values(status="closed")
    elif outcome.kind == "held":
        t = schema.held_messages
        stmt = (
            update(t)
            .where(t.c.id == outcome.id, t.c.status == "pending")
            .values(status="rejected", decided_at=now, decided_by=outcome.decided_by)
        )
    else:
        raise ChatError(ErrorCode.BAD_FIELD, detail="source: report, alert or held")
    if not conn.execute(stmt).rowcount:
        exists = conn.execute(select(t.c.id).where(t.c.id == outcome.id)).first()
        raise ChatError(ErrorCode.ALREADY_DECIDED if exists else ErrorCode.NOT_FOUND)
    if outcome.also:
        # The copies merged into this case (a flood), and what a banned sender had waiting,
        # are decided with it.
        t = schema.held_messages
        conn.execute(
            update(t)
            .where(t.c.id.in_(outcome.also), t.c.status == "pending")
            .values(status="rejected", decided_at=now, decided_by=outcome.decided_by)
        )
    if outcome.kind == "alert":
        # The alerts merged into this case (a flood in one channel) are closed with it.
        t = schema.alerts
        conn.execute(
            update(t)
            .where(t.c.merged_into == outcome.id, t.c.status == "merged")
            .values(status="closed")
        )
    if outcome.kind == "report":
        # The reports merged into this case are decided with it.
        t = schema.reports
        conn.execute(
            update(t).where(t.c.merged_into == outcome.id, t.c.status == "merged").values(decided)
        )


class SanctionStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store
        # Every key (chatter id, device key, IP key) some sanction names, when this process
        # records every sanction (one process, ``track_names``); None: unknown, always ask
        # the database. A hello naming none of them has no sanction to read: a reconnect
        # storm of 10,000 hellos skips 10,000 queries. A superset: nothing is ever removed.
        self._named: set[str] | None = None

    async def track_names(self) -> None:
        """Load the keys sanctions name; from now on ``record`` keeps them up to date.

        Only for a process that records every sanction of its database: with several
        processes, another one's sanctions would be missed here.
        """
        t = schema.sanctions

        def q(conn: Connection) -> set[str]:
            rows = conn.execute(select(t.c.subject_id, t.c.device_key, t.c.ip_key))
            return {key for row in rows for key in row if key}

        self._named = await self.store.read(q)

    def _may_name(self, *keys: str | None) -> bool:
        return self._named is None or any(k in self._named for k in keys if k)

    # -- writing ----------------------------------------------------------------------------
    async def record(
        self,
        now: float,
        sanctions: Sequence[SanctionRecord],
        audits: Sequence[Audit],
        close: Outcome | None = None,
        delete_message: tuple[str, int] | None = None,
    ) -> None:
        """One action: sanctions, the item it closes, the message it deletes, its audit."""
        rows = [
            {name: getattr(s, name) for name in _S} | {"automated": int(s.automated)}
            for s in sanctions
        ]
        if self._named is not None:
            # Before the commit: a hello racing with it reads the database, never skips.
            self._named.update(
                k for s in sanctions for k in (s.subject_id, s.device_key, s.ip_key) if k
            )

        def op(conn: Connection) -> None:
            if close is not None:
                _close_item(conn, close, now)
            if delete_message is not None:
                _remove_message(conn, *delete_message, now, audits[0].actor if audits else "")
            if rows:
                conn.execute(insert(schema.sanctions), rows)
            for entry in audits:
                append_in(conn, now, entry.actor, entry.action, entry.target, entry.detail)

        await self.store.write(op)

    async def add_appeal(self, sanction_id: str, text: str, now: float) -> str:
        """A new appeal; ``already_decided`` if this sanction already has one."""
        appeal_id = secrets.token_hex(8)
        t = schema.appeals

        def op(conn: Connection) -> None:
            if conn.execute(select(t.c.id).where(t.c.sanction_id == sanction_id)).first():
                raise ChatError(ErrorCode.ALREADY_DECIDED)
            conn.execute(
                insert(t).values(
                    id=appeal_id, ts=now, sanction_id=sanction_id, text=text, status="open"
                )
            )
            append_in(conn, now, "chatter", "appeal.filed", f"sanction:{sanction_id}", {})

        await self.store.write(op)
        return appeal_id

    async def decide_appeal(
        self, appeal_id: str, moderator_id: str, reverse: bool, text: str, now: float
    ) -> tuple[AppealRecord, SanctionRecord]:
        a, s = schema.appeals, schema.sanctions

        def op(conn: Connection) -> tuple[AppealRecord, SanctionRecord]:
            row = conn.execute(select(*[a.c[c] for c in _A]).where(a.c.id == appeal_id)).first()
            if row is None:
                raise ChatError(ErrorCode.NOT_FOUND)
            appeal = AppealRecord(*row)
            if appeal.status != "open":
                raise ChatError(ErrorCode.ALREADY_DECIDED)
            found = conn.execute(_select_sanctions().where(s.c.id == appeal.sanction_id)).first()
            if found is None:
                raise ChatError(ErrorCode.NOT_FOUND)
            sanction = _sanction(found)
            if sanction.decided_by == moderator_id:
                raise ChatError(ErrorCode.SAME_MODERATOR)
            status = "reversed" if reverse else "upheld"
            conn.execute(
                update(a)
                .where(a.c.id == appeal_id)
                .values(status=status, decided_by=moderator_id, decided_at=now, decision=text)
            )
            if reverse:
                conn.execute(
                    update(s)
                    .where(s.c.id == sanction.id)
                    .values(status=Status.REVERSED.value, reversed_at=now)
                )
            append_in(
                conn,
                now,
                f"moderator:{moderator_id}",
                f"appeal.{'reverse' if reverse else 'uphold'}",
                f"appeal:{appeal_id}",
                {"sanction_id": sanction.id, "subject_id": sanction.subject_id, "text": text},
            )
            decided = AppealRecord(
                appeal.id,
                appeal.ts,
                appeal.sanction_id,
                appeal.text,
                status,
                moderator_id,
                now,
                text,
            )
            if reverse:
                fields_now = {name: getattr(sanction, name) for name in _S}
                fields_now.update(status=Status.REVERSED.value, reversed_at=now)
                sanction = SanctionRecord(**fields_now)
            return decided, sanction

        result: tuple[AppealRecord, SanctionRecord] = await self.store.write(op)
        return result

    # -- reading ------------------------------------------------------------------------------
    async def at_hello(
        self,
        now: float,
        subject_id: str,
        device_key: str | None,
        ip_key: str | None,
        since: float,
    ) -> tuple[list[SanctionRecord], list[SanctionRecord]]:
        """(lasting sanctions in force on this chatter, their device or network; active
        sanctions of theirs taken after ``since``), in one query: a reconnect storm makes
        one of these per chatter."""
        if not self._may_name(subject_id, device_key, ip_key):
            return [], []
        t = schema.sanctions
        reach = [t.c.subject_id == subject_id]
        if device_key:
            reach.append(and_(t.c.scope == "device", t.c.device_key == device_key))
        if ip_key:
            reach.append(and_(t.c.scope == "ip", t.c.ip_key == ip_key))
        lasting = [a.value for a in LASTING]
        in_force = and_(
            t.c.action.in_(lasting), or_(t.c.until.is_(None), t.c.until > now), or_(*reach)
        )
        missed = and_(t.c.subject_id == subject_id, t.c.ts > since)
        found = await self._query(
            _select_sanctions()
            .where(t.c.status == Status.ACTIVE.value, or_(in_force, missed))
            .order_by(t.c.ts)
        )

        def reaches(r: SanctionRecord) -> bool:
            return (
                r.subject_id == subject_id
                or (bool(device_key) and r.scope == "device" and r.device_key == device_key)
                or (bool(ip_key) and r.scope == "ip" and r.ip_key == ip_key)
            )

        forcing = [
            r
            for r in found
            if r.action in lasting and (r.until is None or r.until > now) and reaches(r)
        ]
        new = [r for r in found if r.subject_id == subject_id and r.ts > since]
        return forcing, new

    async def bans_on(
        self, now: float, device_key: str | None, ip_key: str | None
    ) -> list[SanctionRecord]:
        """Bans that refuse a new join from this device or network."""
        if not device_key and not ip_key:
            return []
        # A key not given is bound as NULL, which equals nothing.
        params = {"now": now, "device_key": device_key or None, "ip_key": ip_key or None}
        return await self._query(_bans_on(), params)

    async def of_subject(self, subject_id: str, since: float | None = None) -> list[SanctionRecord]:
        t = schema.sanctions
        stmt = _select_sanctions().where(t.c.subject_id == subject_id)
        if since is not None:
            stmt = stmt.where(t.c.ts > since)
        return await self._query(stmt.order_by(t.c.ts))

    async def by_id(self, sanction_id: str) -> SanctionRecord | None:
        found = await self._query(_select_sanctions().where(schema.sanctions.c.id == sanction_id))
        return found[0] if found else None

    async def by_token_hash(self, digest: str) -> SanctionRecord | None:
        t = schema.sanctions
        found = await self._query(_select_sanctions().where(t.c.appeal_token_hash == digest))
        return found[0] if found else None

    async def _query(self, stmt: Any, params: dict[str, Any] | None = None) -> list[SanctionRecord]:
        def q(conn: Connection) -> list[SanctionRecord]:
            return [_sanction(row) for row in conn.execute(stmt, params)]

        return await self.store.read(q)

    async def appeals(
        self,
        status: str | None = None,
        sanction_id: str | None = None,
        appeal_id: str | None = None,
    ) -> list[tuple[AppealRecord, SanctionRecord]]:
        a, s = schema.appeals, schema.sanctions
        stmt = select(*[a.c[c] for c in _A], *[s.c[c] for c in _S]).join(
            s, s.c.id == a.c.sanction_id
        )
        if status is not None:
            stmt = stmt.where(a.c.status == status)
        if sanction_id is not None:
            stmt = stmt.where(a.c.sanction_id == sanction_id)
        if appeal_id is not None:
            stmt = stmt.where(a.c.id == appeal_id)
        stmt = stmt.order_by(a.c.ts)
        n = len(_A)

        def q(conn: Connection) -> list[tuple[AppealRecord, SanctionRecord]]:
            return [(AppealRecord(*row[:n]), _sanction(row[n:])) for row in conn.execute(stmt)]

        return await self.store.read(q)

    async def same_device(self, subject_id: str) -> list[tuple[str, str]]:
        """(id, pseudonym) of the other sessions on this chatter's device key."""
        t = schema.sessions

        def q(conn: Connection) -> list[tuple[str, str]]:
            key = conn.execute(select(t.c.device_key).where(t.c.id == subject_id)).scalar()
            if not key:
                return []
            rows = conn.execute(
                select(t.c.id, t.c.pseudonym)
                .where(t.c.device_key == key, t.c.id != subject_id)
                .order_by(t.c.created_at)
            )
            return [(r[0], r[1]) for r in rows]

        return await self.store.read(q)

    async def report(self, report_id: str) -> dict[str, Any] | None:
        t = schema.reports

        def q(conn: Connection) -> dict[str, Any] | None:
            row = conn.execute(select(t).where(t.c.id == report_id)).mappings().first()
            return None if row is None else dict(row)

        return await self.store.read(q)

    async def merged_into(self, report_id: str) -> list[tuple[str, str]]:
        """(id, reporter) of the reports merged into the case ``report_id``."""
        t = schema.reports

        def q(conn: Connection) -> list[tuple[str, str]]:
            rows = conn.execute(
                select(t.c.id, t.c.reporter_id).where(t.c.merged_into == report_id).order_by(t.c.ts)
            )
            return [(r[0], r[1]) for r in rows]

        return await self.store.read(q)

    async def alert(self, alert_id: str) -> dict[str, Any] | None:
        """An alert's row, its context (JSON) opened (store/bodies.py)."""
        return await self.store.read(lambda conn: bodies.alert_row(conn, alert_id))

    async def held(self, held_id: str) -> dict[str, Any] | None:
        """A held message's row, its text opened (store/bodies.py)."""
        t = schema.held_messages

        def q(conn: Connection) -> dict[str, Any] | None:
            row = conn.execute(select(t).where(t.c.id == held_id)).mappings().first()
            if row is None:
                return None
            found = dict(row, text=bodies.open_row(conn, bodies.HELD, row))
            del found["key_id"]
            return found

        return await self.store.read(q)


def _remove_message(conn: Connection, channel: str, message_id: int, now: float, by: str) -> None:
    """Take a message out of its channel (history, resume, search) but keep it, as evidence
    for an appeal, a preservation or a requisition, among held messages with the status
    ``removed`` (purged with moderation data, kept while preserved)."""
    m = schema.messages
    found = conn.execute(
        select(*bodies.columns()).where(m.c.channel == channel, m.c.id == message_id)
    ).first()
    if found is None:
        raise ChatError(ErrorCode.NOT_FOUND)
    row = bodies.record_of(conn, found)
    conn.execute(delete(m).where(m.c.channel == channel, m.c.id == message_id))
    # Its tombstone: a client that reconnects drops it too (store/own_data.py).
    conn.execute(
        insert(schema.message_tombstones).values(
            channel=channel, id=message_id, deleted_at=now, by="moderator"
        )
    )
    kept = {
        "id": secrets.token_hex(8),
        "channel": channel,
        "sender_id": row.sender_id,
        "sender": row.sender,
        "text": row.text,
        "ts": row.ts,
        "reasons": orjson.dumps([{"removed": {"message_id": message_id}}]).decode(),
        "status": "removed",
        "decided_at": now,
        "decided_by": by[:64],
    }
    # Sealed again, now bound to its held row (store/bodies.py).
    conn.execute(insert(schema.held_messages).values(bodies.seal_row(conn, bodies.HELD, kept)))
