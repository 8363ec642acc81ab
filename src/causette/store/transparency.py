"""The rows a transparency report is computed from, read for one period.

Rules:
- Read only, on one connection of the reader pool; nothing here writes.
- Each query returns what the figures of core/transparency.py need and nothing more: no
  text of a report, no pseudonym, no key. Rows may reach outside the period where a figure
  needs it (a report received before it and decided in it, an action taken after it about
  a report received in it); the core picks by each row's own dates.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, and_, or_, select

from causette.core.transparency import (
    FLAGGER_PREFIX,
    AlertRow,
    AppealRow,
    HeldRow,
    NotificationRow,
    Period,
    PeriodRows,
    ReportRow,
    RequisitionRow,
    SanctionRow,
)
from causette.store import schema
from causette.store.sql import SqlStore

MODERATOR_ACTOR = "moderator:"


def _moderator_id(actor: str | None) -> str | None:
    if not actor or actor.startswith("operator:") or actor.startswith("system"):
        return None
    return actor.removeprefix(MODERATOR_ACTOR)


def read_period(conn: Connection, period: Period) -> PeriodRows:
    start, end = period.start, period.end

    def within(column: ColumnElement[float]) -> ColumnElement[bool]:
        return and_(column >= start, column < end)

    f = schema.trusted_flaggers
    flaggers = {f"{FLAGGER_PREFIX}{i}": str(n) for i, n in conn.execute(select(f.c.id, f.c.name))}
    r = schema.reports
    reports = tuple(
        ReportRow(*row, flagger=flaggers.get(row.reporter_id))
        for row in conn.execute(
            select(
                r.c.id, r.c.ts, r.c.category, r.c.status, r.c.outcome, r.c.decided_at,
                r.c.reporter_id,
            ).where(r.c.ts < end, or_(r.c.decided_at.is_(None), r.c.decided_at >= start))
        )
    )  # fmt: skip
    a = schema.alerts
    alerts = tuple(
        AlertRow(*row)
        for row in conn.execute(select(a.c.id, a.c.ts, a.c.kind).where(within(a.c.ts)))
    )
    s = schema.sanctions
    sanction_rows = conn.execute(
        select(
            s.c.action, s.c.automated, s.c.ts, s.c.decided_by, s.c.source_kind, s.c.source_id,
            s.c.status, s.c.reversed_at,
        ).where(or_(s.c.ts >= start, within(s.c.reversed_at)))
    ).all()  # fmt: skip
    sanctions = tuple(
        SanctionRow(action, bool(automated), ts, by, kind, source, status, reversed_at)
        for action, automated, ts, by, kind, source, status, reversed_at in sanction_rows
    )
    ap = schema.appeals
    appeal_rows = conn.execute(
        select(ap.c.ts, ap.c.status, ap.c.decided_at, ap.c.decided_by).where(
            ap.c.ts < end, or_(ap.c.decided_at.is_(None), ap.c.decided_at >= start)
        )
    ).all()
    q = schema.requisitions
    requisitions = tuple(
        RequisitionRow(*row)
        for row in conn.execute(
            select(q.c.ts, q.c.status, q.c.finished_at).where(
                or_(within(q.c.ts), within(q.c.finished_at))
            )
        )
    )
    n = schema.notifications
    notification_rows = conn.execute(
        select(n.c.ts, n.c.status, n.c.sent_at, n.c.created_by, n.c.sent_by).where(
            or_(within(n.c.ts), within(n.c.sent_at))
        )
    ).all()
    h = schema.held_messages
    held_rows = conn.execute(
        select(h.c.ts, h.c.status, h.c.decided_at, h.c.decided_by).where(
            or_(within(h.c.ts), within(h.c.decided_at))
        )
    ).all()

    # Active moderators: anyone on the desk during the period (the audit log records every
    # login and action), and whoever decided something in it.
    log = schema.audit_log
    actors = conn.execute(
        select(log.c.actor)
        .where(within(log.c.ts), log.c.actor.like(f"{MODERATOR_ACTOR}%"))
        .distinct()
    ).scalars()
    deciders: list[str | None] = [_moderator_id(actor) for actor in actors]
    deciders += [x.decided_by for x in sanctions if not x.automated and period.contains(x.ts)]
    deciders += [row.decided_by for row in appeal_rows if period.contains(row.decided_at)]
    deciders += [row.decided_by for row in held_rows if period.contains(row.decided_at)]
    deciders += [row.created_by for row in notification_rows if period.contains(row.ts)]
    deciders += [row.sent_by for row in notification_rows if period.contains(row.sent_at)]
    decided_reports = conn.execute(
        select(r.c.decided_by).where(within(r.c.decided_at)).distinct()
    ).scalars()
    deciders += list(decided_reports)
    active = frozenset(
        moderator for moderator in (_moderator_id(d) for d in deciders) if moderator is not None
    )
    return PeriodRows(
        reports=reports,
        alerts=alerts,
        sanctions=sanctions,
        appeals=tuple(AppealRow(ts, status, at) for ts, status, at, _ in appeal_rows),
        requisitions=requisitions,
        notifications=tuple(NotificationRow(ts, st, at) for ts, st, at, _, _ in notification_rows),
        held=tuple(HeldRow(ts, status, at) for ts, status, at, _ in held_rows),
        active_moderators=active,
    )


class TransparencyStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def rows(self, period: Period) -> PeriodRows:
        return await self.store.read(lambda conn: read_period(conn, period))
