"""Reporting from the chat (DSA art. 16): a message or a chatter, in two clicks."""

from __future__ import annotations

import pytest

from tests.support.client import ChatClient
from tests.support.desk import DeskClient


@pytest.fixture
async def mod(make_moderator) -> DeskClient:
    return await make_moderator("modo")


async def _queue(mod: DeskClient, what: str) -> list[dict]:
    return list((await mod.get(f"/api/desk/{what}"))[what])


async def _posted_in_general(make_client, text: str) -> tuple[ChatClient, dict]:  # type: ignore[no-untyped-def]
    """Alice, and the ack of what Relou99 posted where she can see it."""
    alice = await make_client("Alice")
    relou = await make_client("Relou99", gender="m")
    for client in (alice, relou):
        await client.enter("general")
    return alice, await relou.post("general", text)


async def test_report_a_message_reaches_the_queue(make_client, base_url, mod):
    """A reported room message is acknowledged and queued with its sender as subject."""
    alice, ack = await _posted_in_general(make_client, "t'es moche")
    ok = await alice.request(
        {
            "type": "report",
            "category": "harassment",
            "channel": "room:general",
            "id": ack["id"],
            "text": "il m'insulte",
        },
        "report_ack",
    )
    assert ok["type"] == "report_ack" and ok["report_id"]
    reports = await _queue(mod, "reports")
    assert len(reports) == 1
    report = reports[0]
    assert report["id"] == ok["report_id"] and report["message_id"] == ack["id"]
    assert report["category"] == "harassment" and report["text"] == "il m'insulte"


async def test_report_a_chatter_and_urgent_reports_alert(make_client, base_url, mod):
    """Reporting a chatter for an ambush also raises an alert for moderators."""
    marc = await make_client("Marc", age=35, gender="m")
    await make_client("Kev", age=25, gender="m")
    ok = await marc.request(
        {"type": "report", "category": "ambush", "pseudonym": "Kev"}, "report_ack"
    )
    assert ok["type"] == "report_ack"
    assert [r["category"] for r in await _queue(mod, "reports")] == ["ambush"]
    alerts = {a["kind"]: a for a in await _queue(mod, "alerts")}
    # As urgent as the engine's own ambush alerts.
    assert alerts["report.ambush"]["severity"] == 3


async def test_reports_respect_the_wall_and_what_one_could_see(make_client):
    """One cannot report across spaces, a room one is not in, or oneself."""
    adult = await make_client("Marc", age=35, gender="m")
    teen = await make_client("Lea", age=16)
    await teen.enter("ados-general")
    posted = await teen.post("ados-general", "coucou")
    cross = await adult.request(
        {"type": "report", "category": "other", "pseudonym": "Lea"}, "report_ack"
    )
    assert cross["code"] == "user_unknown"
    room = await adult.request(
        {"type": "report", "category": "other", "channel": "room:ados-general", "id": posted["id"]},
        "report_ack",
    )
    assert room["code"] == "room_unknown"
    me = await adult.request(
        {"type": "report", "category": "other", "pseudonym": "Marc"}, "report_ack"
    )
    assert me["code"] == "user_unknown"
    bad = await adult.request(
        {"type": "report", "category": "nonsense", "pseudonym": "X"}, "report_ack"
    )
    assert bad["code"] == "bad_field"


async def test_unknown_message_id_is_refused(make_client):
    """Reporting a message id that does not exist is a bad_field, and nothing is queued."""
    alice = await make_client("Alice")
    await alice.enter("general")
    missing = await alice.request(
        {"type": "report", "category": "spam", "channel": "room:general", "id": 999},
        "report_ack",
    )
    assert missing["code"] == "bad_field"


async def test_report_text_is_cleaned_like_chat_text(make_client, mod):
    """Issue 15 item 12: a U+202E in a report reversed what the desk showed."""
    alice, ack = await _posted_in_general(make_client, "t'es moche")
    ok = await alice.request(
        {
            "type": "report",
            "category": "harassment",
            "channel": "room:general",
            "id": ack["id"],
            "text": "\u202eil m'insulte\u2066 encore\u200b\u2069 ",
        },
        "report_ack",
    )
    assert ok["type"] == "report_ack", ok
    [report] = await _queue(mod, "reports")
    assert report["text"] == "il m'insulte encore"
    case = await mod.get(f"/api/desk/cases/report/{ok['report_id']}")
    assert case["context"]["report"]["text"] == "il m'insulte encore"


async def test_a_flood_of_reports_about_one_person_is_one_case(make_client, server, mod):
    """Issue 15 item 8: one chatter sent 60 grooming reports about one person in 0.1 s:
    30 queue items and 31 preservations. Now: a per-target limit, one case with a count,
    one preservation per subject and period."""
    import asyncio

    from sqlalchemy import select

    from causette.server.keys import SERVICE
    from causette.store import schema

    alice = await make_client("Alice")
    carla = await make_client("Carla")
    relou = await make_client("Relou99", gender="m")
    for client in (alice, carla, relou):
        await client.enter("general")
    ack = await relou.post("general", "on se voit en privé ?")
    report = {"type": "report", "category": "grooming", "channel": "room:general", "id": ack["id"]}
    for i in range(60):  # all sent before any answer is read
        await alice.send({**report, "text": f"n°{i}", "ref": f"flood-{i}"})
    answers: list[dict] = []
    async with asyncio.timeout(30):
        while len(answers) < 60:
            frame = await alice.recv(timeout=30)
            if str(frame.get("ref", "")).startswith("flood-"):
                answers.append(frame)
    kinds = [a["type"] for a in answers]
    assert kinds.count("report_ack") == 3
    refused = [a for a in answers if a["type"] == "error"]
    assert len(refused) == 57 and {a["code"] for a in refused} == {"report_rate_limited"}
    assert all(a["retry_after"] > 0 for a in refused)
    # Someone else reports the same thing: the same case.
    merged = await carla.request(report, "report_ack")
    assert merged["type"] == "report_ack"
    queue = [i for i in (await mod.get("/api/desk/queue"))["items"] if i["kind"] == "report"]
    assert len(queue) == 1 and queue[0]["count"] == 4
    case = queue[0]["id"]
    assert (await mod.get(f"/api/desk/cases/report/{case}"))["item"]["count"] == 4
    alerts = [a for a in (await mod.get("/api/desk/alerts"))["alerts"]]
    assert [a["kind"] for a in alerts] == ["report.grooming"]
    # Another category about the same person and room: its own case, the same preservation.
    ambush = await carla.request({**report, "category": "ambush"}, "report_ack")
    assert ambush["type"] == "report_ack"
    kept = (await mod.get("/api/desk/preservations"))["preservations"]
    assert len(kept) == 1 and kept[0]["source_id"] == case
    # Deciding the case decides every report merged into it.
    await mod.post(
        "/api/desk/actions",
        {
            "action": "warn",
            "subject_id": queue[0]["subject"]["id"],
            "rule": "grooming",
            "reason": "Demandes insistantes de conversation privée.",
            "source": {"kind": "report", "id": case},
        },
    )
    rows = await server.app[SERVICE].store.read(
        lambda conn: conn.execute(
            select(schema.reports.c.status, schema.reports.c.outcome).where(
                schema.reports.c.category == "grooming"
            )
        ).all()
    )
    assert sorted(tuple(r) for r in rows) == [("closed", "warn")] * 4
    # The reporter whose report joined the case hears the outcome of hers.
    told = await carla.expect("report_outcome", report_id=merged["report_id"])
    assert told["outcome"] == "warn"
