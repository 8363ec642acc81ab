"""Trusted flaggers (DSA art. 22) over real HTTP: only an admin registers and revokes them
(audited), the credential is shown once and kept hashed, their reports carry their name and
go first in the queue, a revoked credential is refused with ``flagger_revoked`` and stores
nothing, and the transparency report counts their reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from causette.core.keys import token_hash
from causette.server.desk import DESK
from causette.server.desk.transparency_page import to_html
from causette.server.keys import SERVICE
from causette.store import schema
from tests.server.test_public_reports import form, post, stored_reports
from tests.server.test_transparency import insert_rows
from tests.support.desk import DeskClient

FLAGGER_PATH = "api/reports/flagger"
MakeModerator = Callable[..., Awaitable[DeskClient]]


async def register(admin: DeskClient, name: str, contact: str = "signalements@example.org") -> Any:
    return await admin.post("/api/desk/flaggers", {"name": name, "contact": contact}, expect=201)


async def file_as(
    base_url: str, token: str | None, body: Any, **headers: str
) -> tuple[int, dict[str, Any]]:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base_url}{FLAGGER_PATH}", json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json()


async def test_only_an_admin_registers_and_revokes_a_flagger_and_both_are_audited(
    server: TestServer, make_moderator: MakeModerator
) -> None:
    admin = await make_moderator("admin-f", "admin")
    moderator = await make_moderator("modo-f", "moderator")
    legal = await make_moderator("legal-f", "legal")
    body = {"name": "e-Enfance / 3018", "contact": "pro@e-enfance.example"}
    for desk in (moderator, legal):
        _, refused = await desk.call("POST", "/api/desk/flaggers", body, expect=403)
        assert refused["error"]["code"] == "forbidden"
    assert (await admin.get("/api/desk/flaggers"))["flaggers"] == []

    created = await register(admin, "e-Enfance / 3018", "pro@e-enfance.example")
    flagger, token = created["flagger"], created["token"]
    assert flagger["name"] == "e-Enfance / 3018" and flagger["active"] is True
    # The credential is shown once: the list never carries it nor its hash.
    listed = (await admin.get("/api/desk/flaggers"))["flaggers"]
    assert [f["id"] for f in listed] == [flagger["id"]]
    assert token not in str(listed) and token_hash(token) not in str(listed)
    rows = await server.app[SERVICE].store.read(
        lambda conn: conn.execute(select(schema.trusted_flaggers)).all()
    )
    assert [r.token_hash for r in rows] == [token_hash(token)]

    # The same name twice is refused, and nothing more is stored.
    _, twice = await admin.call("POST", "/api/desk/flaggers", body, expect=400)
    assert twice["error"]["code"] == "bad_field"
    _, bad = await admin.call("POST", "/api/desk/flaggers", {"name": "x"}, expect=400)
    assert bad["error"]["code"] == "bad_field"
    assert len((await admin.get("/api/desk/flaggers"))["flaggers"]) == 1

    path = f"/api/desk/flaggers/{flagger['id']}/revoke"
    _, refused = await moderator.call("POST", path, expect=403)
    assert refused["error"]["code"] == "forbidden"
    revoked = await admin.post(path)
    assert revoked["flagger"]["active"] is False
    _, again = await admin.call("POST", path, expect=409)
    assert again["error"]["code"] == "already_decided"
    await admin.call("POST", "/api/desk/flaggers/nope/revoke", expect=404)

    entries = await server.app[DESK].audit.entries()
    audited = [(e.actor, e.action, e.target) for e in entries if e.action.startswith("flagger.")]
    actor = f"moderator:{admin.moderator['id']}"
    assert audited == [
        (actor, "flagger.register", f"flagger:{flagger['id']}"),
        (actor, "flagger.revoke", f"flagger:{flagger['id']}"),
    ]
    assert all(token not in str(e) for e in entries)
    assert (await server.app[DESK].audit.verify()).ok


async def test_a_flaggers_report_carries_its_name_and_goes_first_in_the_queue(
    server: TestServer, base_url: str, make_moderator: MakeModerator
) -> None:
    admin = await make_moderator("admin-q", "admin")
    moderator = await make_moderator("modo-q")
    token = (await register(admin, "Point de Contact"))["token"]
    # A grooming report from the public page first (the highest severity), then a spam
    # report from the flagger (the lowest): the flagger's still comes first.
    async with aiohttp.ClientSession() as http:
        status, public = await post(http, base_url, form(category="grooming"))
    assert status == 201, public
    status, filed = await file_as(base_url, token, form(category="spam", contact=...))
    assert status == 201, filed
    assert filed["flagger"] == "Point de Contact"
    assert set(filed) == {"report_id", "follow_token", "flagger"}

    items = [i for i in (await moderator.get("/api/desk/queue"))["items"]]
    assert items[0]["id"] == filed["report_id"]
    assert items[0]["flagger"] == "Point de Contact"
    others = {i["id"]: i for i in items[1:]}
    assert others[public["report_id"]]["flagger"] is None
    assert items[0]["severity"] < others[public["report_id"]]["severity"]

    case = await moderator.get(f"/api/desk/cases/report/{filed['report_id']}")
    assert case["item"]["flagger"] == "Point de Contact"
    assert case["context"]["report"]["flagger"] == "Point de Contact"
    stored = {r.id: r for r in await stored_reports(server)}
    assert stored[filed["report_id"]].reporter_id.startswith("flagger:")


async def test_a_revoked_or_unknown_credential_files_nothing(
    server: TestServer, base_url: str, make_moderator: MakeModerator
) -> None:
    admin = await make_moderator("admin-r", "admin")
    created = await register(admin, "Association X")
    token = created["token"]
    await admin.post(f"/api/desk/flaggers/{created['flagger']['id']}/revoke")

    status, body = await file_as(base_url, token, form())
    assert (status, body["error"]["code"]) == (403, "flagger_revoked")
    status, body = await file_as(base_url, token, form(), **{"Accept-Language": "en"})
    assert body["error"]["message"] == (
        "This trusted flagger credential was revoked: contact the service."
    )
    for wrong in (None, "x" * 43, "not a token"):
        status, body = await file_as(base_url, wrong, form())
        assert (status, body["error"]["code"]) == (401, "not_authenticated"), wrong
    # The flagger path is not a way round the public page's proof of work either.
    assert await stored_reports(server) == []


async def test_a_flaggers_report_with_a_bad_field_stores_nothing(
    server: TestServer, base_url: str, make_moderator: MakeModerator
) -> None:
    admin = await make_moderator("admin-b", "admin")
    token = (await register(admin, "Association Y"))["token"]
    status, body = await file_as(base_url, token, form(category="nope"))
    assert (status, body["error"]["code"]) == (400, "bad_field")
    assert await stored_reports(server) == []


def _at(day: int, hour: int = 12, minute: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC).timestamp()


def _flagged(rid: str, flagger_id: str, ts: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "ts": ts,
        "reporter_id": f"flagger:{flagger_id}",
        "category": "grooming",
        "channel": None,
        "message_id": None,
        "subject_id": None,
        "text": "",
        "status": "open",
        **extra,
    }


async def test_the_transparency_report_counts_the_flaggers_reports(
    server: TestServer, make_moderator: MakeModerator
) -> None:
    admin = await make_moderator("admin-t", "admin")
    a = (await register(admin, "Association A"))["flagger"]["id"]
    b = (await register(admin, "Association B"))["flagger"]["id"]
    decided = {"status": "decided", "decided_by": "m1"}
    await insert_rows(
        server,
        {
            "reports": [
                _flagged("a1", a, _at(2), outcome="ban", decided_at=_at(2, 12, 10), **decided),
                _flagged("a2", a, _at(3), outcome="dismiss", decided_at=_at(3, 12, 30), **decided),
                _flagged("a3", a, _at(4)),
                _flagged("b1", b, _at(5), outcome="warn", decided_at=_at(5, 14), **decided),
                _flagged("b0", b, _at(1) - 86_400),  # October: not counted
                {**_flagged("c1", "x", _at(6)), "reporter_id": "public:zz"},
            ]
        },
    )
    figures = await admin.get("/api/desk/transparency?from=2026-11-01&to=2026-11-30")
    assert figures["reports"]["from_trusted_flaggers"] == 4
    assert figures["reports"]["from_public"] == 5  # flaggers' notices come from outside too
    flaggers = figures["trusted_flaggers"]
    assert {k: flaggers[k] for k in ("received", "decided", "acted_on")} == {
        "received": 4,
        "decided": 3,
        "acted_on": 2,
    }
    assert flaggers["median_decision_s"] == 30 * 60.0
    assert flaggers["by_flagger"] == {
        "Association A": {
            "received": 3,
            "decided": 2,
            "acted_on": 1,
            "median_decision_s": 20 * 60.0,
        },
        "Association B": {
            "received": 1,
            "decided": 1,
            "acted_on": 1,
            "median_decision_s": 2 * 3600.0,
        },
    }
    # The published page has their table, names escaped as any text.
    page = to_html(figures, "en")
    assert "<h2>Trusted flaggers (art. 22)</h2>" in page
    assert '<th scope="row">Association A</th><td>3</td><td>2</td><td>1</td>' in page
