"""What the store holds about one chatter: read for them (GDPR art. 15 and 20), erased at
their request (art. 17), and a message of theirs taken back by them.

Rules:
- Every read selects by the chatter's own session id, nothing else: one chatter's export
  never holds another's data, except the other side's messages in the private
  conversations the chatter is part of (they were addressed to them; see
  docs/decisions/010-own-data.md).
- A message taken back (by its author, or with their erased data) leaves its channel
  (history, resume) in the transaction that writes its tombstone. Its text is kept, out of
  every chatter's sight (a held message ``removed``, which the desk reads), only when some
  evidence needs it: a report names it, or an active preservation covers it. Otherwise it
  is gone.
- Erasure is one transaction: nothing is half erased. What the law or a case needs stays:
  connection data (LCEN, sealed, never opened or erased here), preserved messages and the
  preserved session row (sealed from chatters), sanctions, appeals and reports (moderation
  records, purged with the moderation period).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    RowMapping,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from causette.core.errors import ChatError, ErrorCode
from causette.store import bodies, schema
from causette.store.records import MessageRecord
from causette.store.retention import preserved, subject_preserved
from causette.store.sql import SqlStore

# Who took a message back: its author, or the erasure of its author's data.
BY_AUTHOR, BY_ERASURE = "author", "erasure"
# A client holds at most this many messages per channel (web/js/state.js MAX_MESSAGES):
# on resume it is told of the tombstones among its last ``TOMBSTONE_SPAN`` ids.
TOMBSTONE_SPAN = 1000


@dataclass(slots=True)
class Erased:
    """What an erasure did: the messages that left their channels (to announce), how many
    of them were kept as evidence, whether the session row stays (preserved)."""

    taken_out: list[tuple[str, int]] = field(default_factory=list)
    kept_as_evidence: int = 0
    session_kept: bool = False
    conversations: list[str] = field(default_factory=list)


def _needs_keeping(conn: Connection, channel: str, message_id: int, sender: str, ts: float) -> bool:
    """A report names the message, or an active preservation covers it."""
    r = schema.reports
    reported = conn.execute(
        select(r.c.id).where(r.c.channel == channel, r.c.message_id == message_id).limit(1)
    ).first()
    if reported is not None:
        return True
    covered = select(preserved(literal(ts), literal(sender), literal(channel)))
    return bool(conn.execute(covered).scalar())


def _take_out(conn: Connection, row: MessageRecord, now: float, by: str) -> bool:
    """One message out of its channel, with its tombstone; kept as evidence if needed."""
    m = schema.messages
    keep = _needs_keeping(conn, row.channel, row.id, row.sender_id, row.ts)
    conn.execute(delete(m).where(m.c.channel == row.channel, m.c.id == row.id))
    conn.execute(
        insert(schema.message_tombstones).values(
            channel=row.channel, id=row.id, deleted_at=now, by=by
        )
    )
    if keep:
        kept = {
            "id": secrets.token_hex(8),
            "channel": row.channel,
            "sender_id": row.sender_id,
            "sender": row.sender,
            "text": row.text,
            "ts": row.ts,
            # The shape of a moderator's removal (store/sanctions.py), which requisition
            # exports read (store/legal.py ``removed_messages``), and who took it out.
            "reasons": orjson.dumps([{"removed": {"message_id": row.id, "by": by}}]).decode(),
            "status": "removed",
            "decided_at": now,
            "decided_by": f"chatter:{by}",
        }
        # Sealed again, now bound to its held row (store/bodies.py).
        conn.execute(insert(schema.held_messages).values(bodies.seal_row(conn, bodies.HELD, kept)))
    return keep


class OwnDataStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    # -- a message taken back ------------------------------------------------------------
    async def retract(self, channel: str, message_id: int, author_id: str, now: float) -> bool:
        """Take the author's message out of its channel; True when kept as evidence.
        ``message_unknown`` when it is not there (any more), ``not_author`` when it is
        someone else's."""
        m = schema.messages

        def op(conn: Connection) -> bool:
            found = conn.execute(
                select(*bodies.columns()).where(m.c.channel == channel, m.c.id == message_id)
            ).first()
            if found is None:
                raise ChatError(ErrorCode.MESSAGE_UNKNOWN)
            if found.sender_id != author_id:
                raise ChatError(ErrorCode.NOT_AUTHOR)
            return _take_out(conn, bodies.record_of(conn, found), now, BY_AUTHOR)

        kept: bool = await self.store.write(op)
        return kept

    async def tombstones(self, last_ids: dict[str, int]) -> list[tuple[str, int, str]]:
        """(channel, id, by) of the messages taken back among each channel's last
        ``TOMBSTONE_SPAN`` ids up to ``last_ids[channel]``: what a resuming client may
        still show."""
        wanted = {c: last for c, last in last_ids.items() if last > 0}
        if not wanted:
            return []
        t = schema.message_tombstones

        def q(conn: Connection) -> list[tuple[str, int, str]]:
            ranges = [
                and_(t.c.channel == c, t.c.id <= last, t.c.id > last - TOMBSTONE_SPAN)
                for c, last in sorted(wanted.items())
            ]
            rows = conn.execute(select(t.c.channel, t.c.id, t.c.by).where(or_(*ranges)))
            return sorted((str(c), int(i), str(by)) for c, i, by in rows)

        return await self.store.read(q)

    async def removed(self, channel: str, first: int, last: int) -> list[dict[str, Any]]:
        """The messages of a channel between two ids that were taken out of it but kept as
        evidence (by a moderator, or by their author under a report or a preservation):
        for the desk's view of a case, never for chatters."""
        h = schema.held_messages

        def q(conn: Connection) -> list[dict[str, Any]]:
            stmt = select(*bodies.held_columns("reasons", "sender")).where(
                h.c.channel == channel, h.c.status == "removed"
            )
            found = []
            for row in conn.execute(stmt).mappings():
                removal = orjson.loads(row["reasons"])[0]["removed"]
                message_id = int(removal["message_id"])
                if first <= message_id <= last:
                    found.append(
                        {
                            "id": message_id,
                            "ts": row["ts"],
                            "sender_id": row["sender_id"],
                            "sender": row["sender"],
                            "text": bodies.open_row(conn, bodies.HELD, row),
                            "by": str(removal.get("by", "moderator")),
                        }
                    )
            return sorted(found, key=lambda m: m["id"])

        return await self.store.read(q)

    # -- what is held about a chatter (art. 15, 20) ---------------------------------------
    async def export(self, session_id: str) -> dict[str, Any] | None:
        """Everything held about this session that a chatter may read, or None if the
        session is gone. Times are Unix seconds."""

        def q(conn: Connection) -> dict[str, Any] | None:
            s = schema.sessions
            row = conn.execute(select(s).where(s.c.id == session_id)).mappings().first()
            if row is None:
                return None
            return {
                "session": {
                    k: row[k]
                    for k in (
                        "pseudonym",
                        "age",
                        "gender",
                        "department",
                        "space",
                        "lang",
                        "pm_policy",
                        "created_at",
                        "last_seen",
                        "ended_at",
                    )
                },
                "rooms": _rooms(conn, session_id),
                "blocked": _blocked(conn, session_id),
                "conversations": _conversations(conn, session_id),
                "messages": _messages(conn, session_id),
                "held_messages": _held(conn, session_id),
                "reports": _reports(conn, session_id),
                "sanctions": _sanctions(conn, session_id),
                "appeals": _appeals(conn, session_id),
                "safety_flags": _flags(conn, session_id),
                "connection_data": _connection_data(conn, session_id),
            }

        return await self.store.read(q)

    # -- erasure (art. 17) --------------------------------------------------------------
    async def erase(self, session_id: str, now: float) -> Erased:
        """Erase what the law does not require kept, in one transaction (see the module)."""

        def op(conn: Connection) -> Erased:
            m, s = schema.messages, schema.sessions
            done = Erased()
            found = conn.execute(
                select(*bodies.columns()).where(m.c.sender_id == session_id).order_by(m.c.ts)
            )
            for row in [bodies.record_of(conn, r) for r in found]:
                done.taken_out.append((row.channel, row.id))
                if _take_out(conn, row, now, BY_ERASURE):
                    done.kept_as_evidence += 1
            c = schema.conversations
            mine = (c.c.initiator_id == session_id) | (c.c.recipient_id == session_id)
            done.conversations = [str(i) for (i,) in conn.execute(select(c.c.id).where(mine))]
            conn.execute(
                delete(schema.memberships).where(schema.memberships.c.session_id == session_id)
            )
            b = schema.blocks
            conn.execute(
                delete(b).where(or_(b.c.blocker_id == session_id, b.c.blocked_id == session_id))
            )
            flags = schema.chatter_flags
            conn.execute(delete(flags).where(flags.c.session_id == session_id))
            done.session_kept = bool(
                conn.execute(select(subject_preserved(literal(session_id)))).scalar()
            )
            if done.session_kept:
                conn.execute(
                    update(s).where(s.c.id == session_id).values(ended_at=now, last_seen=now)
                )
            else:
                conn.execute(delete(s).where(s.c.id == session_id))
            return done

        erased: Erased = await self.store.write(op)
        return erased


# -- the parts of an export ----------------------------------------------------------------
def _rooms(conn: Connection, session_id: str) -> list[str]:
    t = schema.memberships
    stmt = select(t.c.room).where(t.c.session_id == session_id).order_by(t.c.room)
    return [str(r) for (r,) in conn.execute(stmt)]


def _blocked(conn: Connection, session_id: str) -> list[str]:
    b, s = schema.blocks, schema.sessions
    stmt = (
        select(s.c.pseudonym)
        .join(b, b.c.blocked_id == s.c.id)
        .where(b.c.blocker_id == session_id)
        .order_by(s.c.pseudonym)
    )
    return [str(p) for (p,) in conn.execute(stmt)]


def _conversations(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    c, s = schema.conversations, schema.sessions
    stmt = select(c.c.id, c.c.initiator_id, c.c.recipient_id, c.c.status, c.c.created_at).where(
        (c.c.initiator_id == session_id) | (c.c.recipient_id == session_id)
    )
    rows = conn.execute(stmt.order_by(c.c.created_at)).all()
    others = {r.recipient_id if r.initiator_id == session_id else r.initiator_id for r in rows}
    names = {
        str(i): str(p)
        for i, p in conn.execute(select(s.c.id, s.c.pseudonym).where(s.c.id.in_(others)))
    }
    out = []
    for r in rows:
        other = r.recipient_id if r.initiator_id == session_id else r.initiator_id
        out.append(
            {
                "id": r.id,
                "channel": f"pm:{r.id}",
                "with": names.get(other),
                "started_by_me": r.initiator_id == session_id,
                "status": r.status,
                "created_at": r.created_at,
            }
        )
    return out


def _messages(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    """The chatter's own messages, and the other side's in their private conversations."""
    m, c = schema.messages, schema.conversations
    mine = (c.c.initiator_id == session_id) | (c.c.recipient_id == session_id)
    channels = [f"pm:{i}" for (i,) in conn.execute(select(c.c.id).where(mine))]
    stmt = select(*bodies.columns()).where(
        or_(m.c.sender_id == session_id, m.c.channel.in_(channels))
    )
    out = []
    for found in conn.execute(stmt.order_by(m.c.ts, m.c.channel, m.c.id)):
        r = bodies.record_of(conn, found)
        sender = orjson.loads(r.sender)
        out.append(
            {
                "channel": r.channel,
                "id": r.id,
                "ts": r.ts,
                "mine": r.sender_id == session_id,
                "from": sender.get("pseudonym") if isinstance(sender, dict) else None,
                "text": r.text,
            }
        )
    return out


def _held(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    """The chatter's messages held for a moderator (the safety engine's reasons are for
    moderators only: they would tell someone how they were detected)."""
    t = schema.held_messages
    stmt = select(*bodies.held_columns("status")).where(t.c.sender_id == session_id)
    return [
        {
            "id": r["id"],
            "channel": r["channel"],
            "ts": r["ts"],
            "text": bodies.open_row(conn, bodies.HELD, r),
            "status": r["status"],
        }
        for r in conn.execute(stmt.order_by(t.c.ts)).mappings()
    ]


def _plain(row: RowMapping) -> dict[str, Any]:
    """A row as a dict with plain ``str`` keys: SQLAlchemy names a table's columns with
    ``quoted_name``, a ``str`` subclass that orjson refuses as a key (the JSON export
    answered 500 for anyone with a report, a sanction or an appeal)."""
    return {str(k): v for k, v in row.items()}


def _reports(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    """Reports the chatter made (not those about them: the reporters are protected)."""
    t = schema.reports
    stmt = select(
        t.c.id,
        t.c.ts,
        t.c.category,
        t.c.channel,
        t.c.message_id,
        t.c.text,
        t.c.status,
        t.c.outcome,
        t.c.outcome_text,
        t.c.decided_at,
    ).where(t.c.reporter_id == session_id)
    return [_plain(r) for r in conn.execute(stmt.order_by(t.c.ts)).mappings()]


def _sanctions(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    t = schema.sanctions
    stmt = select(
        t.c.id,
        t.c.ts,
        t.c.action,
        t.c.scope,
        t.c.until,
        t.c.rule,
        t.c.reason,
        t.c.automated,
        t.c.channel,
        t.c.message_id,
        t.c.status,
        t.c.reversed_at,
    ).where(t.c.subject_id == session_id)
    out = []
    for r in conn.execute(stmt.order_by(t.c.ts)).mappings():
        row = _plain(r)
        row["automated"] = bool(row["automated"])
        out.append(row)
    return out


def _appeals(conn: Connection, session_id: str) -> list[dict[str, Any]]:
    a, s = schema.appeals, schema.sanctions
    stmt = (
        select(a.c.id, a.c.ts, a.c.sanction_id, a.c.text, a.c.status, a.c.decided_at, a.c.decision)
        .join(s, s.c.id == a.c.sanction_id)
        .where(s.c.subject_id == session_id)
    )
    return [_plain(r) for r in conn.execute(stmt.order_by(a.c.ts)).mappings()]


def _flags(conn: Connection, session_id: str) -> list[str]:
    t = schema.chatter_flags
    stmt = select(t.c.flag).where(t.c.session_id == session_id).order_by(t.c.flag)
    return [str(f) for (f,) in conn.execute(stmt)]


def _connection_data(conn: Connection, session_id: str) -> dict[str, Any]:
    """How many sealed connection rows there are and from when to when: never their
    content (only a requisition opens them)."""
    t = schema.connection_log
    count, first, last = conn.execute(
        select(func.count(), func.min(t.c.ts), func.max(t.c.ts)).where(t.c.session_id == session_id)
    ).one()
    return {"rows": int(count), "first_ts": first, "last_ts": last}
