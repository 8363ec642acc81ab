"""Reports filed by chatters, kept for the moderators' queue."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from causette.store import schema
from causette.store.sql import SqlStore


@dataclass(frozen=True, slots=True)
class ReportRecord:
    id: str
    ts: float
    reporter_id: str
    category: str
    channel: str | None
    message_id: int | None
    subject_id: str | None
    text: str
    status: str
    # A public report (no chat session): what it points at, as a JSON object.
    target: str | None = None


@dataclass(frozen=True, slots=True)
class PublicReportStatus:
    """What the author of a public report may read back with their follow token."""

    id: str
    ts: float
    category: str
    status: str
    outcome: str | None
    outcome_text: str | None
    decided_at: float | None
    lang: str | None


MERGED = "merged"  # the status of a report that joined an open case (``merged_into``)


class ReportStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def add(
        self,
        *,
        ts: float,
        reporter_id: str,
        category: str,
        channel: str | None,
        message_id: int | None,
        subject_id: str | None,
        text: str,
    ) -> tuple[str, str | None]:
        """The new report's id, and the open case it joined (None: it opens one).

        A report about a subject who already has an open report of the same category is
        merged into it (status ``merged``), in the same transaction as the look-up: the
        queue keeps one case, with a count, however many people report the same thing."""
        report_id = secrets.token_hex(8)
        t = schema.reports

        def op(conn: Connection) -> str | None:
            head = None
            if subject_id is not None:
                head = conn.execute(
                    select(t.c.id)
                    .where(
                        t.c.status == "open",
                        t.c.subject_id == subject_id,
                        t.c.category == category,
                    )
                    .order_by(t.c.ts)
                    .limit(1)
                ).scalar()
            row = {
                "id": report_id,
                "ts": ts,
                "reporter_id": reporter_id,
                "category": category,
                "channel": channel,
                "message_id": message_id,
                "subject_id": subject_id,
                "text": text,
                "status": "open" if head is None else MERGED,
                "merged_into": head,
            }
            conn.execute(insert(t), row)
            return head

        head: str | None = await self.store.write(op)
        return report_id, head

    async def merged_counts(self) -> dict[str, int]:
        """How many reports joined each open case (cases nobody else reported: absent)."""
        t = schema.reports

        def q(conn: Connection) -> dict[str, int]:
            stmt = (
                select(t.c.merged_into, func.count())
                .where(t.c.status == MERGED)
                .group_by(t.c.merged_into)
            )
            return {str(head): int(n) for head, n in conn.execute(stmt)}

        return await self.store.read(q)

    async def add_public(
        self,
        *,
        ts: float,
        reporter_id: str,
        category: str,
        target: str,
        text: str,
        follow_token_hash: str,
        lang: str,
    ) -> str:
        """A report from the public page (DSA art. 16): no session, no channel; ``target``
        says what it is about, the follow token (kept hashed) reads its outcome."""
        report_id = secrets.token_hex(8)
        row = {
            "id": report_id,
            "ts": ts,
            "reporter_id": reporter_id,
            "category": category,
            "channel": None,
            "message_id": None,
            "subject_id": None,
            "text": text,
            "status": "open",
            "target": target,
            "follow_token_hash": follow_token_hash,
            "lang": lang,
        }
        await self.store.write(lambda conn: conn.execute(insert(schema.reports), row))
        return report_id

    async def public_status(self, follow_token_hash: str) -> PublicReportStatus | None:
        t = schema.reports

        def q(conn: Connection) -> PublicReportStatus | None:
            columns = [t.c[c] for c in PublicReportStatus.__slots__]
            row = conn.execute(
                select(*columns).where(t.c.follow_token_hash == follow_token_hash)
            ).first()
            return None if row is None else PublicReportStatus(*row)

        return await self.store.read(q)

    async def open_reports(self) -> list[ReportRecord]:
        t = schema.reports

        def q(conn: Connection) -> list[ReportRecord]:
            stmt = select(*[t.c[c] for c in ReportRecord.__slots__]).where(t.c.status == "open")
            return [ReportRecord(*row) for row in conn.execute(stmt.order_by(t.c.ts))]

        return await self.store.read(q)
