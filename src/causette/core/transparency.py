"""The transparency report's figures (DSA art. 15 and 24), from the rows of one period.

Owns: the period (dates given by the operator), the figures computed from plain rows of
reports, alerts, sanctions, appeals, requisitions, notifications and held messages, and
their flat form for CSV. No database, no clock: the store hands rows in, the caller passes
the generation time.

Rules:
- A period is two calendar dates, both inclusive, in UTC: ``[from 00:00, to + 1 day 00:00)``.
  Dates are strictly ``YYYY-MM-DD``; anything else, or an end before the start, is a
  ``bad_field`` (the command exits 2 with the message).
- Each event is counted in the period where it happened: a report when it was received, an
  action when it was taken, an appeal when filed and its decision when decided, a
  requisition when received and its answer when finished.
- Time to first action: for each report or alert received in the period, the time from it
  to the first thing a moderator (or the automatic system) did about it — a sanction whose
  source it is, or the report's own decision (a dismissal is an action too). Items still
  untouched are counted as pending, never as zero.
- An empty period gives every count as 0 and every time as ``None`` (no division by zero).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from causette.core.errors import bad_field

CATEGORIES = ("grooming", "ambush", "hate", "harassment", "spam", "personal_data", "other")
PUBLIC_PREFIX = "public:"
FLAGGER_PREFIX = "flagger:"  # a trusted flagger's report (store/flaggers.py)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Period:
    first_day: date
    last_day: date

    @property
    def start(self) -> float:
        """The first second of the period (UTC epoch seconds), included."""
        return datetime.combine(self.first_day, datetime.min.time(), UTC).timestamp()

    @property
    def end(self) -> float:
        """The first second after the period, excluded."""
        return self.start + ((self.last_day - self.first_day).days + 1) * DAY_S

    def contains(self, ts: float | None) -> bool:
        return ts is not None and self.start <= ts < self.end

    @property
    def label(self) -> str:
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"


def parse_day(text: str, name: str) -> date:
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        raise bad_field(f"{name}: a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_field(f"{name}: no such date ({text})") from None


def parse_period(first: str, last: str) -> Period:
    """The period from two ``YYYY-MM-DD`` dates, both inclusive."""
    period = Period(parse_day(first, "from"), parse_day(last, "to"))
    if period.last_day < period.first_day:
        raise bad_field("to: the end date comes before the start date")
    if period.last_day - period.first_day > timedelta(days=3660):
        raise bad_field("to: a period of ten years at most")
    return period


# -- the rows the store hands in ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReportRow:
    id: str
    ts: float
    category: str
    status: str
    outcome: str | None
    decided_at: float | None
    reporter_id: str
    # The trusted flagger's name when one filed it (DSA art. 22), else None.
    flagger: str | None = None

    @property
    def source(self) -> str:
        """``public`` for a notice from outside the chat (the public page or a trusted
        flagger's credential), ``chat`` for a chatter's report."""
        outside = self.reporter_id.startswith((PUBLIC_PREFIX, FLAGGER_PREFIX))
        return "public" if outside else "chat"


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: str
    ts: float
    kind: str


@dataclass(frozen=True, slots=True)
class SanctionRow:
    action: str
    automated: bool
    ts: float
    decided_by: str | None
    source_kind: str | None
    source_id: str | None
    status: str
    reversed_at: float | None


@dataclass(frozen=True, slots=True)
class AppealRow:
    ts: float
    status: str
    decided_at: float | None


@dataclass(frozen=True, slots=True)
class RequisitionRow:
    ts: float
    status: str
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class NotificationRow:
    ts: float
    status: str
    sent_at: float | None


@dataclass(frozen=True, slots=True)
class HeldRow:
    ts: float
    status: str
    decided_at: float | None


@dataclass(frozen=True, slots=True)
class PeriodRows:
    """Everything the figures are made of. Rows may reach outside the period (an appeal
    filed before it and decided in it): the figures pick by each row's own dates."""

    reports: tuple[ReportRow, ...] = ()
    alerts: tuple[AlertRow, ...] = ()
    sanctions: tuple[SanctionRow, ...] = ()
    appeals: tuple[AppealRow, ...] = ()
    requisitions: tuple[RequisitionRow, ...] = ()
    notifications: tuple[NotificationRow, ...] = ()
    held: tuple[HeldRow, ...] = ()
    # Moderators (ids) who did anything on the desk during the period.
    active_moderators: frozenset[str] = frozenset()


# -- the figures ---------------------------------------------------------------------------------
def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` quantile by linear interpolation (``None`` for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def durations(values: list[float], pending: int) -> dict[str, Any]:
    median, p90 = percentile(values, 0.5), percentile(values, 0.9)
    return {
        "acted": len(values),
        "pending": pending,
        "median_s": None if median is None else round(median, 1),
        "p90_s": None if p90 is None else round(p90, 1),
    }


def _first_actions(sanctions: Iterable[SanctionRow]) -> dict[tuple[str, str], float]:
    first: dict[tuple[str, str], float] = {}
    for s in sanctions:
        if s.source_kind and s.source_id:
            key = (s.source_kind, s.source_id)
            first[key] = min(first.get(key, s.ts), s.ts)
    return first


def _time_to_action(
    period: Period, rows: PeriodRows
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    first = _first_actions(rows.sanctions)
    report_waits: list[float] = []
    report_pending = 0
    for r in rows.reports:
        if not period.contains(r.ts):
            continue
        candidates = [t for t in (first.get(("report", r.id)), r.decided_at) if t is not None]
        if candidates:
            report_waits.append(max(0.0, min(candidates) - r.ts))
        else:
            report_pending += 1
    alert_waits: list[float] = []
    alert_pending = 0
    for a in rows.alerts:
        if not period.contains(a.ts):
            continue
        acted = first.get(("alert", a.id))
        if acted is not None:
            alert_waits.append(max(0.0, acted - a.ts))
        else:
            alert_pending += 1
    return (
        durations(report_waits, report_pending),
        durations(alert_waits, alert_pending),
        durations(report_waits + alert_waits, report_pending + alert_pending),
    )


def _reports(period: Period, rows: PeriodRows) -> dict[str, Any]:
    received = [r for r in rows.reports if period.contains(r.ts)]
    by_category: dict[str, dict[str, int]] = {
        c: {"chat": 0, "public": 0, "total": 0} for c in CATEGORIES
    }
    for r in received:
        counts = by_category.setdefault(r.category, {"chat": 0, "public": 0, "total": 0})
        counts[r.source] += 1
        counts["total"] += 1
    decided = [r for r in rows.reports if period.contains(r.decided_at)]
    return {
        "received": len(received),
        "from_chat": sum(1 for r in received if r.source == "chat"),
        "from_public": sum(1 for r in received if r.source == "public"),
        "from_trusted_flaggers": sum(1 for r in received if r.flagger is not None),
        "by_category": by_category,
        "decided": len(decided),
        "by_outcome": dict(sorted(Counter(r.outcome or "none" for r in decided).items())),
        "open_at_end": sum(
            1
            for r in rows.reports
            if r.ts < period.end and (r.decided_at is None or r.decided_at >= period.end)
        ),
    }


def _flagger_figures(received: list[ReportRow], period: Period) -> dict[str, Any]:
    decided = [r for r in received if period.contains(r.decided_at)]
    waits = [max(0.0, (r.decided_at or r.ts) - r.ts) for r in decided]
    median = percentile(waits, 0.5)
    return {
        "received": len(received),
        "decided": len(decided),
        # Acted on: decided with an action; a dismissal is a decision, not an action.
        "acted_on": sum(1 for r in decided if r.outcome not in (None, "dismiss")),
        "median_decision_s": None if median is None else round(median, 1),
    }


def _trusted_flaggers(period: Period, rows: PeriodRows) -> dict[str, Any]:
    """Notices from trusted flaggers (DSA art. 15(1)(b) and 22): those received in the
    period, how many were decided and acted on within it, and the median time from receipt
    to decision; in all and by flagger (their names are public, art. 22(5))."""
    received = [r for r in rows.reports if r.flagger is not None and period.contains(r.ts)]
    by_flagger: dict[str, list[ReportRow]] = {}
    for r in sorted(received, key=lambda r: str(r.flagger)):
        by_flagger.setdefault(str(r.flagger), []).append(r)
    return {
        **_flagger_figures(received, period),
        "by_flagger": {name: _flagger_figures(rs, period) for name, rs in by_flagger.items()},
    }


def _actions(period: Period, rows: PeriodRows) -> dict[str, Any]:
    taken = [s for s in rows.sanctions if period.contains(s.ts)]
    by_type: dict[str, dict[str, int]] = {}
    for s in sorted(taken, key=lambda s: s.action):
        counts = by_type.setdefault(s.action, {"automated": 0, "human": 0, "total": 0})
        counts["automated" if s.automated else "human"] += 1
        counts["total"] += 1
    return {
        "total": len(taken),
        "automated": sum(1 for s in taken if s.automated),
        "human": sum(1 for s in taken if not s.automated),
        "by_type": by_type,
        "reversed": sum(1 for s in rows.sanctions if period.contains(s.reversed_at)),
    }


def _appeals(period: Period, rows: PeriodRows) -> dict[str, int]:
    decided = [a for a in rows.appeals if period.contains(a.decided_at)]
    return {
        "filed": sum(1 for a in rows.appeals if period.contains(a.ts)),
        "decided": len(decided),
        "upheld": sum(1 for a in decided if a.status == "upheld"),
        "reversed": sum(1 for a in decided if a.status == "reversed"),
        "pending_at_end": sum(
            1
            for a in rows.appeals
            if a.ts < period.end and (a.decided_at is None or a.decided_at >= period.end)
        ),
    }


def _requisitions(period: Period, rows: PeriodRows) -> dict[str, int]:
    answered = [
        r
        for r in rows.requisitions
        if period.contains(r.finished_at) and r.status not in ("failed", "error")
    ]
    return {
        "received": sum(1 for r in rows.requisitions if period.contains(r.ts)),
        "answered": len(answered),
    }


def _notifications(period: Period, rows: PeriodRows) -> dict[str, Any]:
    prepared = [n for n in rows.notifications if period.contains(n.ts)]
    return {
        "prepared": len(prepared),
        "sent": sum(1 for n in rows.notifications if period.contains(n.sent_at)),
        "by_status": dict(sorted(Counter(n.status for n in prepared).items())),
    }


def _held(period: Period, rows: PeriodRows) -> dict[str, int]:
    decided = [h for h in rows.held if period.contains(h.decided_at)]
    return {
        "held": sum(1 for h in rows.held if period.contains(h.ts)),
        "approved": sum(1 for h in decided if h.status == "approved"),
        "rejected": sum(1 for h in decided if h.status == "rejected"),
    }


def figures(period: Period, rows: PeriodRows, generated_at: float) -> dict[str, Any]:
    """Every figure of the report, as a JSON-ready dict of sections."""
    reports_wait, alerts_wait, all_wait = _time_to_action(period, rows)
    return {
        "period": {
            "from": period.first_day.isoformat(),
            "to": period.last_day.isoformat(),
            "start_ts": period.start,
            "end_ts": period.end,
            "timezone": "UTC",
            "generated_at": datetime.fromtimestamp(generated_at, UTC).isoformat(timespec="seconds"),
        },
        "reports": _reports(period, rows),
        "trusted_flaggers": _trusted_flaggers(period, rows),
        "alerts": {"raised": sum(1 for a in rows.alerts if period.contains(a.ts))},
        "actions": _actions(period, rows),
        "time_to_action": {"reports": reports_wait, "alerts": alerts_wait, "all": all_wait},
        "appeals": _appeals(period, rows),
        "requisitions": _requisitions(period, rows),
        "notifications": _notifications(period, rows),
        "held_messages": _held(period, rows),
        "moderators": {"active": len(rows.active_moderators)},
    }


def flat_rows(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(section, key, value) for every figure: nested keys joined with dots, ``None`` as an
    empty value (a time that could not be measured is not a zero)."""
    out: list[tuple[str, str, str]] = []

    def walk(section: str, prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(section, f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            out.append((section, prefix, "" if value is None else str(value)))

    for section, body in report.items():
        walk(section, "", body)
    return out
