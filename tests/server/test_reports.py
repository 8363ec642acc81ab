"""Reporting from the chat (DSA art. 16): a message or a chatter, in two clicks."""

from __future__ import annotations

import pytest

from tests.support.desk import DeskClient


@pytest.fixture
async def mod(make_moderator) -> DeskClient:
    return await make_moderator("modo")


async def _queue(mod: DeskClient, what: str) -> list[dict]:
    return list((await mod.get(f"/api/desk/{what}"))[what])


async def test_report_a_message_reaches_the_queue(make_client, base_url, mod):
    """A reported room message is acknowledged and queued with its sender as subject."""
    alice = await make_client("Alice")
    relou = await make_client("Relou99", gender="m")
    for client in (alice, relou):
        await client.enter("general")
    ack = await relou.post("general", "t'es moche")
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
    alice = await make_client("Alice")
    relou = await make_client("Relou99", gender="m")
    for client in (alice, relou):
        await client.enter("general")
    ack = await relou.post("general", "t'es moche")
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
