"""Reports filed by chatters, kept for the moderators' queue."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

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
    ) -> str:
        report_id = secrets.token_hex(8)
        row = {
            "id": report_id,
            "ts": ts,
            "reporter_id": reporter_id,
            "category": category,
            "channel": channel,
            "message_id": message_id,
            "subject_id": subject_id,
            "text": text,
            "status": "open",
        }
        await self.store._submit(lambda conn: conn.execute(insert(schema.reports), row))
        return report_id

    async def open_reports(self) -> list[ReportRecord]:
        t = schema.reports

        def q(conn: Connection) -> list[ReportRecord]:
            stmt = select(*[t.c[c] for c in ReportRecord.__slots__]).where(t.c.status == "open")
            return [ReportRecord(*row) for row in conn.execute(stmt.order_by(t.c.ts))]

        return await self.store._read(q)
