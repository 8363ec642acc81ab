"""The transparency figures from rows: periods, counts by category and origin, actions by
type and mode, time to first action, appeals, authorities, and an empty period."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from causette.core.errors import ChatError
from causette.core.transparency import (
    AlertRow,
    AppealRow,
    HeldRow,
    NotificationRow,
    PeriodRows,
    ReportRow,
    RequisitionRow,
    SanctionRow,
    figures,
    flat_rows,
    parse_period,
    percentile,
)

NOVEMBER = parse_period("2026-11-01", "2026-11-30")
NOW = datetime(2026, 12, 2, tzinfo=UTC).timestamp()


def at(day: int, hour: int = 12, minute: int = 0, month: int = 11) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC).timestamp()


def report(
    rid: str,
    ts: float,
    category: str = "spam",
    *,
    public: bool = False,
    decided_at: float | None = None,
    outcome: str | None = None,
) -> ReportRow:
    reporter = "public:abc" if public else "chatter1"
    status = "open" if decided_at is None else "decided"
    return ReportRow(rid, ts, category, status, outcome, decided_at, reporter)


def sanction(
    action: str,
    ts: float,
    *,
    automated: bool = False,
    source: tuple[str, str] | None = None,
    reversed_at: float | None = None,
) -> SanctionRow:
    kind, sid = source if source else (None, None)
    status = "reversed" if reversed_at else "active"
    by = None if automated else "m1"
    return SanctionRow(action, automated, ts, by, kind, sid, status, reversed_at)


def test_a_period_is_inclusive_and_in_utc() -> None:
    assert NOVEMBER.start == at(1, 0)
    assert NOVEMBER.end == at(1, 0, month=12)
    assert NOVEMBER.contains(at(30, 23, 59))
    assert not NOVEMBER.contains(at(1, 0, month=12))
    assert not NOVEMBER.contains(at(31, 23, 59, month=10))
    one_day = parse_period("2026-11-05", "2026-11-05")
    assert one_day.end - one_day.start == 86_400


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        ("2026-11-31", "2026-12-01", "from: no such date"),
        ("01/11/2026", "2026-11-30", "from: a date as YYYY-MM-DD"),
        ("20261101", "2026-11-30", "from: a date as YYYY-MM-DD"),
        ("2026-11-01", "", "to: a date as YYYY-MM-DD"),
        ("2026-11-01", "2026-10-31", "to: the end date comes before the start date"),
        ("2000-01-01", "2026-01-01", "to: a period of ten years at most"),
    ],
)
def test_bad_dates_are_refused_with_the_reason(first: str, last: str, says: str) -> None:
    with pytest.raises(ChatError) as refused:
        parse_period(first, last)
    assert refused.value.code == "bad_field"
    assert says in refused.value.message("en")


def test_reports_by_category_and_origin_in_the_period_only() -> None:
    rows = PeriodRows(
        reports=(
            report("r1", at(2), "grooming"),
            report("r2", at(3), "grooming", public=True),
            report("r3", at(4), "hate", public=True),
            report("r4", at(31, month=10), "hate"),  # before the period
            report("r5", at(1, month=12), "spam"),  # after it
        )
    )
    out = figures(NOVEMBER, rows, NOW)["reports"]
    assert out["received"] == 3
    assert (out["from_chat"], out["from_public"]) == (1, 2)
    assert out["by_category"]["grooming"] == {"chat": 1, "public": 1, "total": 2}
    assert out["by_category"]["hate"] == {"chat": 0, "public": 1, "total": 1}
    assert out["by_category"]["spam"] == {"chat": 0, "public": 0, "total": 0}
    # The report from October still open on 30 November counts as open at the end.
    assert out["open_at_end"] == 4


def test_actions_by_type_and_by_automatic_or_human() -> None:
    rows = PeriodRows(
        sanctions=(
            sanction("ban", at(2)),
            sanction("ban", at(3), automated=True),
            sanction("mute", at(4), automated=True),
            sanction("warn", at(5), reversed_at=at(6)),
            sanction("kick", at(31, month=10), reversed_at=at(2)),  # taken before, undone in
        )
    )
    out = figures(NOVEMBER, rows, NOW)["actions"]
    assert out["total"] == 4
    assert (out["automated"], out["human"]) == (2, 2)
    assert out["by_type"]["ban"] == {"automated": 1, "human": 1, "total": 2}
    assert out["by_type"]["mute"] == {"automated": 1, "human": 0, "total": 1}
    assert "kick" not in out["by_type"]
    assert out["reversed"] == 2


def test_time_to_first_action_takes_the_earliest_of_sanction_and_decision() -> None:
    rows = PeriodRows(
        reports=(
            # Dismissed after 10 minutes, no sanction.
            report("r1", at(2, 10), decided_at=at(2, 10, 10), outcome="dismissed"),
            # A ban 30 minutes after, decided (closed) an hour after: 30 minutes.
            report("r2", at(3, 10), decided_at=at(3, 11), outcome="actioned"),
            # Received on the last evening, acted on the next morning: still counted.
            report("r3", at(30, 22), decided_at=at(1, 2, month=12), outcome="actioned"),
            report("r4", at(4, 10)),  # nobody touched it
        ),
        alerts=(AlertRow("a1", at(5, 10), "grooming.escalation"), AlertRow("a2", at(6), "x")),
        sanctions=(
            sanction("ban", at(3, 10, 30), source=("report", "r2")),
            sanction("ban", at(3, 10, 50), source=("report", "r2")),
            sanction("mute", at(5, 10, 5), automated=True, source=("alert", "a1")),
        ),
    )
    out = figures(NOVEMBER, rows, NOW)["time_to_action"]
    assert out["reports"]["acted"] == 3
    assert out["reports"]["pending"] == 1
    # 600 s, 1800 s, 14400 s: the median is the middle one.
    assert out["reports"]["median_s"] == 1800.0
    assert out["reports"]["p90_s"] == 11880.0  # 1800 + (14400 - 1800) * 0.8
    assert out["alerts"] == {"acted": 1, "pending": 1, "median_s": 300.0, "p90_s": 300.0}
    assert out["all"]["acted"] == 4
    assert out["all"]["pending"] == 2


def test_percentile_interpolates_and_has_no_value_for_nothing() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 0.0, 20.0], 0.9) == pytest.approx(18.0)


def test_appeals_requisitions_notifications_held_and_moderators() -> None:
    rows = PeriodRows(
        appeals=(
            AppealRow(at(2), "upheld", at(3)),
            AppealRow(at(4), "reversed", at(5)),
            AppealRow(at(29, month=10), "reversed", at(2)),  # filed before, decided in
            AppealRow(at(20), "open", None),
        ),
        requisitions=(
            RequisitionRow(at(2), "done", at(3)),
            RequisitionRow(at(4), "failed", at(4, 13)),
            RequisitionRow(at(5), "exporting", None),
        ),
        notifications=(
            NotificationRow(at(2), "sent", at(2, 13)),
            NotificationRow(at(3), "prepared", None),
        ),
        held=(
            HeldRow(at(2), "approved", at(2, 13)),
            HeldRow(at(2), "rejected", at(2, 14)),
            HeldRow(at(3), "rejected", at(3, 14)),
            HeldRow(at(4), "pending", None),
        ),
        active_moderators=frozenset({"m1", "m2"}),
    )
    out = figures(NOVEMBER, rows, NOW)
    assert out["appeals"] == {
        "filed": 3,
        "decided": 3,
        "upheld": 1,
        "reversed": 2,
        "pending_at_end": 1,
    }
    assert out["requisitions"] == {"received": 3, "answered": 1}
    assert out["notifications"] == {
        "prepared": 2,
        "sent": 1,
        "by_status": {"prepared": 1, "sent": 1},
    }
    assert out["held_messages"] == {"held": 4, "approved": 1, "rejected": 2}
    assert out["moderators"] == {"active": 2}


def test_an_empty_period_is_all_zeros_and_unmeasured_times() -> None:
    out = figures(NOVEMBER, PeriodRows(), NOW)
    assert out["reports"]["received"] == 0
    assert all(c["total"] == 0 for c in out["reports"]["by_category"].values())
    assert out["actions"] == {"total": 0, "automated": 0, "human": 0, "by_type": {}, "reversed": 0}
    assert out["time_to_action"]["all"] == {
        "acted": 0,
        "pending": 0,
        "median_s": None,
        "p90_s": None,
    }
    assert out["appeals"]["filed"] == 0
    assert out["moderators"]["active"] == 0
    assert out["period"]["generated_at"] == "2026-12-02T00:00:00+00:00"


def test_flat_rows_give_one_row_per_figure() -> None:
    out = figures(NOVEMBER, PeriodRows(reports=(report("r1", at(2), "hate"),)), NOW)
    rows = flat_rows(out)
    assert ("reports", "by_category.hate.chat", "1") in rows
    assert ("time_to_action", "reports.median_s", "") in rows
    assert ("period", "from", "2026-11-01") in rows
    assert len({(section, key) for section, key, _ in rows}) == len(rows)
