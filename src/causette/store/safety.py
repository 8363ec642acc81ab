"""What the safety layer keeps: held messages, moderators' alerts, chatter flags and the
engine's state. Writes go through the same group-commit writer as everything else.

Held messages' text, alerts' context and the engine's snapshots quote what chatters wrote:
they are sealed at rest like message bodies, in the writer's thread (store/bodies.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, or_, select, update

from causette.core.sealing import associated_data
from causette.core.text import flood_key
from causette.store import bodies, schema
from causette.store.sql import SqlStore, flags_of


def _engine_bound(key: str, updated_at: float) -> bytes:
    """What binds an engine snapshot to its row (store/bodies.py)."""
    return associated_data("engine", key, None, None, updated_at)


@dataclass(frozen=True, slots=True)
class HeldMessage:
    id: str
    channel: str
    sender_id: str
    sender: str
    text: str
    ts: float
    reasons: list[dict[str, Any]]
    status: str


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    ts: float
    kind: str
    severity: int
    channel: str | None
    subject_id: str | None
    context: dict[str, Any]
    status: str


# The status of an alert that joined an open case of the same kind and channel
# (``merged_into``); it is closed with that case.
MERGED = "merged"


def _alerts(conn: Connection, stmt: Any) -> list[Alert]:
    return [
        Alert(
            r["id"],
            r["ts"],
            r["kind"],
            r["severity"],
            r["channel"],
            r["subject_id"],
            orjson.loads(bodies.open_row(conn, bodies.ALERT, r)),
            r["status"],
        )
        for r in conn.execute(stmt).mappings()
    ]


class SafetyStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    # -- held messages ------------------------------------------------------------------
    async def hold(
        self,
        channel: str,
        sender_id: str,
        sender: str,
        text: str,
        ts: float,
        reasons: list[dict[str, Any]],
    ) -> str:
        held_id = secrets.token_hex(8)
        row = {
            "id": held_id,
            "channel": channel,
            "sender_id": sender_id,
            "sender": sender,
            "text": text,
            "ts": ts,
            "reasons": orjson.dumps(reasons).decode(),
            "status": "pending",
        }
        # Sealed in the writer's thread, bound to its row (store/bodies.py).
        await self.store.write(
            lambda conn: conn.execute(
                insert(schema.held_messages), bodies.seal_row(conn, bodies.HELD, row)
            )
        )
        return held_id

    async def held(
        self,
        status: str | None = "pending",
        held_id: str | None = None,
        *,
        sender_id: str | None = None,
        channel: str | None = None,
    ) -> list[HeldMessage]:
        """Held messages with this status (any with None), oldest first; or just one; or
        those of one sender in one channel."""
        t = schema.held_messages

        def q(conn: Connection) -> list[HeldMessage]:
            stmt = select(*bodies.held_columns("sender", "reasons", "status")).order_by(t.c.ts)
            if status is not None:
                stmt = stmt.where(t.c.status == status)
            if held_id is not None:
                stmt = stmt.where(t.c.id == held_id)
            if sender_id is not None:
                stmt = stmt.where(t.c.sender_id == sender_id)
            if channel is not None:
                stmt = stmt.where(t.c.channel == channel)
            return [
                HeldMessage(
                    r["id"],
                    r["channel"],
                    r["sender_id"],
                    r["sender"],
                    bodies.open_row(conn, bodies.HELD, r),
                    r["ts"],
                    orjson.loads(r["reasons"]),
                    r["status"],
                )
                for r in conn.execute(stmt).mappings()
            ]

        return await self.store.read(q)

    async def pending_copies(self, held_id: str) -> list[HeldMessage]:
        """The other pending held messages with the same text as ``held_id`` (same
        ``flood_key``): one flood, one case. Bodies are sealed, so compared once opened."""
        pending = await self.held()
        source = next((h for h in pending if h.id == held_id), None)
        if source is None:
            return []
        key = flood_key(source.text)
        return [h for h in pending if h.id != held_id and flood_key(h.text) == key]

    async def decide_held(self, held_id: str, status: str, by: str, now: float) -> bool:
        """Mark a pending held message approved/rejected; False if it was not pending."""
        t = schema.held_messages
        stmt = (
            update(t)
            .where(t.c.id == held_id, t.c.status == "pending")
            .values(status=status, decided_at=now, decided_by=by)
        )
        result = await self.store.write(lambda conn: conn.execute(stmt).rowcount)
        return bool(result)

    # -- alerts ----------------------------------------------------------------------------
    async def add_alert(
        self,
        kind: str,
        severity: int,
        ts: float,
        context: dict[str, Any],
        channel: str | None = None,
        subject_id: str | None = None,
    ) -> str:
        """A new alert, a case of its own."""
        alert_id, _ = await self.add_alert_to_case(
            kind, severity, ts, context, channel, subject_id, merge_within_s=0.0
        )
        return alert_id

    async def add_alert_to_case(
        self,
        kind: str,
        severity: int,
        ts: float,
        context: dict[str, Any],
        channel: str | None = None,
        subject_id: str | None = None,
        *,
        merge_within_s: float,
    ) -> tuple[str, str | None]:
        """The new alert's id, and the open case it joined (None: it opens one).

        An alert of the same ``kind`` in the same ``channel``, or about the same subject, as
        an open alert raised at most ``merge_within_s`` seconds before joins it (status
        ``merged``, ``merged_into`` the open one), in the same transaction as the look-up:
        fifty bots threatening in one room are one case with a count, not fifty, and one bot
        threatening five people in private is one case about it, not five. The window runs
        from the case's first alert, so a flood that goes on opens a new case every window.
        An alert without a channel, or with a window of 0, is a case of its own. Two
        processes raising the first alerts of a flood at once may open two cases (as
        reports may)."""
        alert_id = secrets.token_hex(8)
        t = schema.alerts
        row = {
            "id": alert_id,
            "ts": ts,
            "kind": kind,
            "severity": severity,
            "channel": channel,
            "subject_id": subject_id,
            "context": orjson.dumps(context).decode(),
            "status": "open",
            "merged_into": None,
        }

        def op(conn: Connection) -> str | None:
            head = None
            if channel is not None and merge_within_s > 0:
                same = t.c.channel == channel
                if subject_id is not None:
                    same = or_(same, t.c.subject_id == subject_id)
                head = conn.execute(
                    select(t.c.id)
                    .where(
                        same,
                        t.c.kind == kind,
                        t.c.status == "open",
                        t.c.ts >= ts - merge_within_s,
                    )
                    .order_by(t.c.ts)
                    .limit(1)
                ).scalar()
            if head is not None:
                row.update(status=MERGED, merged_into=head)
            # Its context quotes messages: sealed like them, bound to its row (store/bodies.py).
            conn.execute(insert(t), bodies.seal_row(conn, bodies.ALERT, row))
            return None if head is None else str(head)

        head: str | None = await self.store.write(op)
        return alert_id, head

    async def merged_alerts(self, head_id: str) -> list[Alert]:
        """The alerts merged into the case ``head_id`` (any status), oldest first."""
        t = schema.alerts
        stmt = select(t).where(t.c.merged_into == head_id).order_by(t.c.ts)
        return await self.store.read(lambda conn: _alerts(conn, stmt))

    async def merged_alert_subjects(self) -> dict[str, list[str | None]]:
        """The subjects of the alerts that joined each open case, oldest first (cases of
        one alert: absent)."""
        t = schema.alerts

        def q(conn: Connection) -> dict[str, list[str | None]]:
            stmt = (
                select(t.c.merged_into, t.c.subject_id).where(t.c.status == MERGED).order_by(t.c.ts)
            )
            found: dict[str, list[str | None]] = {}
            for head, subject_id in conn.execute(stmt):
                found.setdefault(str(head), []).append(subject_id)
            return found

        return await self.store.read(q)

    async def has_alert(self, kind: str, subject_id: str) -> bool:
        """Whether ``subject_id`` was ever the subject of a ``kind`` alert (any status): the
        once-per-chatter alerts hold across processes and restarts."""
        t = schema.alerts
        stmt = select(t.c.id).where(t.c.kind == kind, t.c.subject_id == subject_id).limit(1)
        return await self.store.read(lambda conn: conn.execute(stmt).first() is not None)

    async def alerts(self, status: str | None = "open") -> list[Alert]:
        t = schema.alerts
        stmt = select(t).order_by(t.c.severity.desc(), t.c.ts)
        if status is not None:
            stmt = stmt.where(t.c.status == status)
        return await self.store.read(lambda conn: _alerts(conn, stmt))

    # -- chatter flags ---------------------------------------------------------------------
    async def set_flag(self, session_id: str, flag: str, now: float) -> None:
        t = schema.chatter_flags

        def op(conn: Connection) -> None:
            found = conn.execute(
                select(t.c.flag).where(t.c.session_id == session_id, t.c.flag == flag)
            ).first()
            if found is None:
                conn.execute(insert(t).values(session_id=session_id, flag=flag, created_at=now))

        await self.store.write(op)

    async def clear_flag(self, session_id: str, flag: str) -> None:
        t = schema.chatter_flags
        stmt = delete(t).where(t.c.session_id == session_id, t.c.flag == flag)
        await self.store.write(lambda conn: conn.execute(stmt))

    async def flags(self, session_id: str) -> frozenset[str]:
        return await self.store.read(lambda conn: flags_of(conn, session_id))

    # -- engine state ------------------------------------------------------------------------
    async def save_state(
        self, data: dict[str, Any] | bytes, now: float, key: str = "engine"
    ) -> None:
        """Save one process's engine state (a dict, or its JSON) under its own key
        (``engine`` alone, or ``engine:<node>`` in a cluster, so processes never overwrite
        each other)."""
        t = schema.safety_state
        blob = (data if isinstance(data, bytes) else orjson.dumps(data)).decode()

        def op(conn: Connection) -> None:
            # It remembers each sender's previous message (to read text split across
            # messages): sealed like message bodies, bound to its key and time.
            stored, key_id = bodies.seal_text(bodies.keys_of(conn), blob, _engine_bound(key, now))
            conn.execute(delete(t).where(t.c.key == key))
            conn.execute(insert(t).values(key=key, data=stored, updated_at=now, key_id=key_id))

        await self.store.write(op)

    async def load_states(self, since: float) -> list[dict[str, Any]]:
        """Every engine snapshot saved since ``since``, oldest first (a process merges them
        all at start, so a chatter's state follows them to whichever process they reach)."""
        t = schema.safety_state

        def q(conn: Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                select(t.c.key, t.c.data, t.c.updated_at, t.c.key_id)
                .where(t.c.key.startswith("engine"), t.c.updated_at >= since)
                .order_by(t.c.updated_at)
            )
            keys = bodies.keys_of(conn)
            return [
                dict(orjson.loads(bodies.open_text(keys, data, key_id, _engine_bound(key, at))))
                for key, data, at, key_id in rows
            ]

        return await self.store.read(q)
