"""Reporting from the chat (DSA art. 16): any chatter reports a message or a chatter.

Rules:
- A chatter may only report what they could see: a message of a room they are in or of
  one of their conversations, or a chatter of their own space. Anything else answers as if
  it did not exist (the wall holds here too).
- The reporter gets an acknowledgement with the report's id; the report lands in the
  moderators' queue. A grooming or ambush report also raises an alert (they are the
  emergencies the service exists for).
- Reports are rate-limited per chatter (30 an hour) and per chatter and subject (3 an
  hour, ``report_rate_limited``), and a report about a subject who has an open report of
  the same category joins that case (one queue item with a count, one alert, one
  preservation): a flood of reports about one person is one case.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.ratelimit import TokenBucket, per_hour
from causette.core.text import cleaned
from causette.server.events import Report
from causette.store import SqlStore
from causette.store.reports import ReportStore

if TYPE_CHECKING:
    from causette.server.chatter import Chatter
    from causette.server.ports import Alerts, Messages, Preservations, QueueFeed, Sessions

REPORTS_PER_HOUR = 30
# Reports of one chatter about one other chatter (a message or the person).
REPORTS_PER_TARGET_PER_HOUR = 3
URGENT = ("grooming", "ambush")


class Reports:
    def __init__(
        self,
        store: SqlStore,
        sessions: Sessions,
        messages: Messages,
        queue: QueueFeed,
        preservations: Preservations,
        *,
        alerts: Alerts | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = ReportStore(store)
        self.sessions = sessions
        self.messages = messages
        self.queue = queue
        self.preservations = preservations
        # The safety layer raises the alert of an urgent report; None: safety is off.
        self.alerts = alerts
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._per_target: dict[str, TokenBucket] = {}

    async def file(self, reporter: Chatter, event: Report) -> str:
        subject_id: str | None = None
        channel = event.channel
        if channel is not None:
            if event.id is None:
                raise bad_field("id: the reported message's id is required with 'channel'")
            records = await self.messages.history_records(reporter, channel, event.id + 1, 1)
            if not records or records[0].id != event.id:
                raise ChatError(ErrorCode.BAD_FIELD, detail="id: no such message")
            subject_id = records[0].sender_id
        elif event.pseudonym is not None:
            subject_id = (await self.sessions.find_by_name(reporter, event.pseudonym)).id
        else:
            raise bad_field("give 'channel' and 'id' (a message) or 'pseudonym' (a chatter)")
        if subject_id == reporter.id:
            raise bad_field("you cannot report yourself")
        now = self.clock()
        # The same target first: refused there, a report costs nothing of the general limit.
        pair = f"{reporter.id}>{subject_id}"
        bucket = self._per_target.setdefault(pair, per_hour(REPORTS_PER_TARGET_PER_HOUR))
        wait = bucket.take(now)
        if wait:
            raise ChatError(ErrorCode.REPORT_RATE_LIMITED, retry_after=wait)
        bucket = self._buckets.setdefault(reporter.id, per_hour(REPORTS_PER_HOUR))
        wait = bucket.take(now)
        if wait:
            raise ChatError(ErrorCode.RATE_LIMITED, retry_after=wait)
        if len(self._per_target) > 100_000:
            self._per_target = {k: b for k, b in self._per_target.items() if not b.full(now)}
        report_id, case = await self.store.add(
            ts=now,
            reporter_id=reporter.id,
            category=event.category,
            channel=channel,
            message_id=event.id,
            subject_id=subject_id,
            text=cleaned(event.text),
        )
        if case is not None:
            # Joined the open case about the same subject and category: its preservation
            # and alert are made already; open consoles re-read its count.
            self.queue.queue_changed("added", "report", case)
            return report_id
        if event.category in URGENT:
            # Frozen past the purge until a legal officer releases it (server/retention.py).
            await self.preservations.preserve_report(report_id, event.category, subject_id, channel)
        if event.category in URGENT and self.alerts is not None:
            subject = await self.sessions.load_chatter(subject_id)
            if subject is not None:
                await self.alerts.alert(
                    f"report.{event.category}", channel, subject, other=reporter
                )
        self.queue.queue_changed("added", "report", report_id)
        return report_id
