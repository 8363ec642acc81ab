"""The transparency report end to end: rows in the real database, the operator's command
writing JSON, CSV and a self-contained HTML page, the admins' endpoint, and the audit."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import pathlib
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import Connection, insert

from causette.core.audit import read_signed_head
from causette.server.desk import DESK
from causette.server.keys import SERVICE, SETTINGS
from causette.server.retention import load_signing_key
from causette.settings import Settings
from causette.store import schema
from tests.support.desk import DeskClient

REPO = pathlib.Path(__file__).resolve().parents[2]


def at(day: int, hour: int = 12, minute: int = 0, month: int = 11) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC).timestamp()


def _report(rid: str, ts: float, category: str, reporter: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": rid,
        "ts": ts,
        "reporter_id": reporter,
        "category": category,
        "channel": None,
        "message_id": None,
        "subject_id": None,
        "text": "",
        "status": "open",
    }
    row.update(extra)
    return row


def _sanction(sid: str, ts: float, action: str, automated: bool, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": sid,
        "ts": ts,
        "subject_id": "s1",
        "pseudonym": "Someone",
        "action": action,
        "rule": "rule",
        "reason": "reason",
        "automated": int(automated),
        "decided_by": None if automated else "mod-a",
        "status": "active",
    }
    row.update(extra)
    return row


NOVEMBER_ROWS: dict[str, list[dict[str, Any]]] = {
    "reports": [
        _report("r1", at(2, 10), "grooming", "chat1", status="decided", outcome="actioned",
                decided_at=at(2, 10, 20), decided_by="mod-a"),
        _report("r2", at(3, 10), "grooming", "public:aa11", status="decided", outcome="dismissed",
                decided_at=at(3, 12), decided_by="mod-b"),
        _report("r3", at(4, 10), "hate", "public:bb22"),
        _report("r4", at(5, 10), "spam", "chat2"),
        _report("old", at(15, month=10), "spam", "chat3"),  # October: not in November
    ],
    "alerts": [
        {"id": "a1", "ts": at(6, 9), "kind": "grooming.escalation", "severity": 3,
         "context": "{}", "status": "open"},
    ],
    "sanctions": [
        _sanction("s1", at(2, 10, 10), "ban", False, source_kind="report", source_id="r1"),
        _sanction("s2", at(6, 9, 5), "mute", True, source_kind="alert", source_id="a1"),
        _sanction("s3", at(7), "warn", False, status="reversed", reversed_at=at(9)),
    ],
    "appeals": [
        {"id": "ap1", "ts": at(8), "sanction_id": "s3", "text": "", "status": "reversed",
         "decided_by": "mod-b", "decided_at": at(9)},
        {"id": "ap2", "ts": at(8), "sanction_id": "s1", "text": "", "status": "upheld",
         "decided_by": "mod-b", "decided_at": at(10)},
    ],
    "requisitions": [
        {"id": "q1", "ts": at(10), "created_by": "legal-1", "authority": "TJ Paris",
         "reference": "R-1", "legal_basis": "CPP 60-1", "scope": "{}", "status": "done",
         "progress": 1.0, "finished_at": at(11)},
        {"id": "q2", "ts": at(20), "created_by": "legal-1", "authority": "TJ Lyon",
         "reference": "R-2", "legal_basis": "CPP 77-1-1", "scope": "{}", "status": "exporting",
         "progress": 0.5},
    ],
    "notifications": [
        {"id": "n1", "ts": at(6, 9, 10), "alert_id": "a1", "created_by": "mod-a",
         "recipient": "pharos", "body": "", "status": "sent", "sent_at": at(6, 9, 20),
         "sent_by": "mod-a"},
    ],
    "held_messages": [
        {"id": "h1", "channel": "room:general", "sender_id": "x", "sender": "{}", "text": "",
         "ts": at(12), "reasons": "[]", "status": "approved", "decided_at": at(12, 13),
         "decided_by": "mod-c"},
        {"id": "h2", "channel": "room:general", "sender_id": "x", "sender": "{}", "text": "",
         "ts": at(12), "reasons": "[]", "status": "rejected", "decided_at": at(12, 14),
         "decided_by": "mod-c"},
    ],
}  # fmt: skip


async def insert_rows(server: TestServer, rows: dict[str, list[dict[str, Any]]]) -> None:
    store = server.app[SERVICE].store

    def write(conn: Connection) -> None:
        for table, values in rows.items():
            for row in values:  # one by one: the rows do not all name the same columns
                conn.execute(insert(schema.metadata.tables[table]).values(row))

    await store.write(write)


async def run_cli(*args: str, database_url: str, cwd: pathlib.Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "causette", "admin", "transparency", *args,
        "--database-url", database_url,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO / "src"), "CAUSETTE_DATA_DIR": str(cwd)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_command_writes_json_csv_and_a_self_contained_page(
    server: TestServer, settings: Settings, tmp_path: pathlib.Path
) -> None:
    await insert_rows(server, NOVEMBER_ROWS)
    out = tmp_path / "report"
    code, stdout, stderr = await run_cli(
        "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out),
        database_url=settings.sqlalchemy_url(), cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, stderr
    assert "transparency.html" in stdout

    figures = json.loads((out / "transparency.json").read_text())
    reports = figures["reports"]
    assert (reports["received"], reports["from_chat"], reports["from_public"]) == (4, 2, 2)
    assert reports["by_category"]["grooming"] == {"chat": 1, "public": 1, "total": 2}
    assert reports["by_category"]["hate"] == {"chat": 0, "public": 1, "total": 1}
    actions = figures["actions"]
    assert (actions["total"], actions["automated"], actions["human"]) == (3, 1, 2)
    assert actions["by_type"]["ban"] == {"automated": 0, "human": 1, "total": 1}
    assert actions["reversed"] == 1
    waits = figures["time_to_action"]
    # r1: a ban after 10 min; r2: dismissed after 2 h; r3, r4 untouched; a1: muted after 5 min.
    assert waits["reports"] == {"acted": 2, "pending": 2, "median_s": 3900.0, "p90_s": 6540.0}
    assert waits["alerts"]["median_s"] == 300.0
    assert figures["appeals"]["filed"] == 2
    assert (figures["appeals"]["upheld"], figures["appeals"]["reversed"]) == (1, 1)
    assert figures["requisitions"] == {"received": 2, "answered": 1}
    assert figures["notifications"]["sent"] == 1
    assert figures["held_messages"] == {"held": 2, "approved": 1, "rejected": 1}
    # mod-a (ban, notification), mod-b (report decision, appeals), mod-c (held messages).
    assert figures["moderators"]["active"] == 3

    with (out / "transparency.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["section", "key", "value"]
    assert ["reports", "by_category.grooming.public", "1"] in rows
    assert ["requisitions", "answered", "1"] in rows
    assert all(len(row) == 3 for row in rows)

    page = (out / "transparency.html").read_text()
    assert page.startswith("<!doctype html>")
    assert page.count("<svg") >= 4  # reports, actions, waits, appeals (+ authorities)
    assert "<script" not in page.lower()
    # Nothing loaded from elsewhere: no src, no external href or url(), no @import.
    assert not re.search(r"\bsrc\s*=", page)
    assert not re.search(r"href\s*=\s*[\"'](?!#)", page)
    assert not re.search(r"url\(\s*[\"']?(?!#)", page)
    assert "@import" not in page
    assert "Mineur en danger / pédopiégeage" in page
    assert "2026-11-01" in page and "2026-11-30" in page

    audit = await server.app[SERVICE].store.read(
        lambda conn: conn.execute(
            schema.audit_log.select().where(schema.audit_log.c.action == "transparency.generate")
        ).all()
    )
    assert len(audit) == 1
    assert audit[0].actor == "operator:cli"
    assert audit[0].target == "period:2026-11-01..2026-11-30"


async def test_an_empty_period_gives_a_valid_report_of_zeros(
    settings: Settings, server: TestServer, tmp_path: pathlib.Path
) -> None:
    code, _, stderr = await run_cli(
        "--from", "2030-02-01", "--to", "2030-02-28", "--out", str(tmp_path / "empty"),
        "--lang", "en",
        database_url=settings.sqlalchemy_url(), cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, stderr
    figures = json.loads((tmp_path / "empty" / "transparency.json").read_text())
    assert figures["reports"]["received"] == 0
    assert figures["actions"]["total"] == 0
    assert figures["time_to_action"]["all"]["median_s"] is None
    assert figures["moderators"]["active"] == 0
    page = (tmp_path / "empty" / "transparency.html").read_text()
    assert "Transparency report" in page
    assert "No data for the period." in page


async def test_the_published_report_shows_the_audit_head_and_the_flaggers(
    settings: Settings, server: TestServer, tmp_path: pathlib.Path
) -> None:
    """Issue 15, "Done when": the files an operator publishes carry the audit chain's signed
    head and the trusted flaggers' figures, side by side with the rest."""
    flagger = {
        "id": "f1",
        "name": "Association <Enfance>",
        "contact": "x@example.org",
        "token_hash": "0" * 64,
        "created_at": at(1),
        "created_by": "moderator:a",
    }
    flagged = [
        _report("fr1", at(3), "grooming", "flagger:f1", status="decided", outcome="ban",
                decided_at=at(3, 12, 30), decided_by="mod-a"),
        _report("fr2", at(4), "hate", "flagger:f1"),
        _report("cr1", at(4), "spam", "chat9"),
    ]  # fmt: skip
    await insert_rows(server, {"trusted_flaggers": [flagger], "reports": flagged})
    code, _, stderr = await run_cli(
        "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(tmp_path / "pub"),
        "--lang", "en",
        database_url=settings.sqlalchemy_url(), cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, stderr
    figures = json.loads((tmp_path / "pub" / "transparency.json").read_text())
    flaggers = figures["trusted_flaggers"]
    assert (flaggers["received"], flaggers["decided"], flaggers["acted_on"]) == (2, 1, 1)
    assert list(flaggers["by_flagger"]) == ["Association <Enfance>"]
    assert figures["reports"]["from_trusted_flaggers"] == 2
    # The head is signed with the operator's export key and names the chain's newest entry
    # (the command's own transparency.generate).
    head = read_signed_head(figures["audit_head"], load_signing_key(settings).public_key())
    assert head == await server.app[DESK].audit.head()
    page = (tmp_path / "pub" / "transparency.html").read_text()
    assert "<h2>Trusted flaggers (art. 22)</h2>" in page
    assert '<th scope="row">Association &lt;Enfance&gt;</th><td>2</td><td>1</td><td>1</td>' in page
    for key in ("hash", "signature"):
        assert figures["audit_head"][key] in page


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        ("2026-13-01", "2026-12-31", "from: no such date"),
        ("1/11/2026", "2026-11-30", "from: a date as YYYY-MM-DD"),
        ("2026-11-30", "2026-11-01", "to: the end date comes before the start date"),
    ],
)
async def test_bad_dates_exit_2_with_the_reason(
    settings: Settings, server: TestServer, tmp_path: pathlib.Path, first: str, last: str, says: str
) -> None:
    code, _, stderr = await run_cli(
        "--from", first, "--to", last, "--out", str(tmp_path / "bad"),
        database_url=settings.sqlalchemy_url(), cwd=tmp_path,
    )  # fmt: skip
    assert code == 2
    assert says in stderr
    assert not (tmp_path / "bad").exists()


async def test_admins_read_the_figures_over_http_and_it_is_audited(
    server: TestServer, make_moderator: Callable[..., Awaitable[DeskClient]]
) -> None:
    await insert_rows(server, NOVEMBER_ROWS)
    admin = await make_moderator("admin-t", "admin")
    figures = await admin.get("/api/desk/transparency?from=2026-11-01&to=2026-11-30")
    assert figures["reports"]["received"] == 4
    # The audit chain's signed head after this very read (issue 15 item 6).
    head = read_signed_head(
        figures["audit_head"], load_signing_key(server.app[SETTINGS]).public_key()
    )
    assert head == await server.app[DESK].audit.head()
    assert figures["period"] == {
        **figures["period"],
        "from": "2026-11-01",
        "to": "2026-11-30",
        "timezone": "UTC",
    }
    _, body = await admin.call(
        "GET", "/api/desk/transparency?from=2026-11-01&to=2026-02-30", expect=400
    )
    assert body["error"]["code"] == "bad_field"
    _, body = await admin.call("GET", "/api/desk/transparency?from=2026-11-01", expect=400)
    assert body["error"]["code"] == "bad_field"

    moderator = await make_moderator("modo-t", "moderator")
    _, body = await moderator.call(
        "GET", "/api/desk/transparency?from=2026-11-01&to=2026-11-30", expect=403
    )
    assert body["error"]["code"] == "forbidden"
    legal = await make_moderator("legal-t", "legal")
    await legal.call("GET", "/api/desk/transparency?from=2026-11-01&to=2026-11-30", expect=403)

    audit = await server.app[SERVICE].store.read(
        lambda conn: conn.execute(
            schema.audit_log.select().where(schema.audit_log.c.action == "transparency.generate")
        ).all()
    )
    assert [(e.actor, e.target) for e in audit] == [
        (f"moderator:{admin.moderator['id']}", "period:2026-11-01..2026-11-30")
    ]
