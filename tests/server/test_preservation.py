"""Preservation: a grooming or ambush report freezes the related data at once; moderators
may freeze, only a legal officer releases."""

from __future__ import annotations

import time

from sqlalchemy import select

from causette.server.desk.legal import LEGAL
from causette.store import schema


async def test_an_urgent_report_preserves_its_subject_and_channel(
    server, make_client, make_moderator
):
    lea = await make_client("Lea")
    tom = await make_client("Tom75", gender="m")
    for c in (lea, tom):
        await c.enter("general")
    ack = await tom.post("general", "bonjour")
    report = await lea.request(
        {"type": "report", "category": "grooming", "channel": "room:general", "id": ack["id"]},
        "report_ack",
    )
    moderator = await make_moderator("modo")
    found = (await moderator.get("/api/desk/preservations"))["preservations"]
    assert len(found) == 1
    p = found[0]
    assert p["source_kind"] == "report" and p["source_id"] == report["report_id"]
    assert p["channel"] == "room:general" and p["subject_id"]
    assert p["from_ts"] < time.time() - 29 * 86400 and p["to_ts"] > time.time() + 29 * 86400
    store = server.app[LEGAL].retention.log.store
    with store.engine.connect() as conn:
        t = schema.audit_log
        rows = conn.execute(select(t.c.actor, t.c.action, t.c.target)).all()
    assert ("system:report", "preservation.create", f"preservation:{p['id']}") in rows
    # A harassment report freezes nothing.
    await lea.request(
        {"type": "report", "category": "harassment", "channel": "room:general", "id": ack["id"]},
        "report_ack",
    )
    assert len((await moderator.get("/api/desk/preservations"))["preservations"]) == 1


async def test_moderators_preserve_only_legal_releases(make_moderator):
    moderator = await make_moderator("modo")
    legal = await make_moderator("juriste", "legal")
    body = {"subject_id": "abc", "from_ts": 1.0, "to_ts": 2.0, "reason": "enquête en cours"}
    created = (await moderator.post("/api/desk/preservations", body, expect=201))["preservation"]
    assert created["created_by"] == f"moderator:{moderator.moderator['id']}"
    _, refused = await moderator.call(
        "POST", f"/api/desk/preservations/{created['id']}/release", expect=403
    )
    assert refused["error"]["code"] == "forbidden"
    await legal.post(f"/api/desk/preservations/{created['id']}/release", expect=204)
    _, twice = await legal.call(
        "POST", f"/api/desk/preservations/{created['id']}/release", expect=409
    )
    assert twice["error"]["code"] == "already_decided"
    await legal.call("POST", "/api/desk/preservations/nope/release", expect=404)
    assert (await legal.get("/api/desk/preservations"))["preservations"] == []
    everything = (await legal.get("/api/desk/preservations?all=1"))["preservations"]
    assert [p["released_by"] for p in everything] == [f"moderator:{legal.moderator['id']}"]
    for bad in (
        {"from_ts": 1, "to_ts": 2, "reason": "x"},
        {"subject_id": "a", "from_ts": 3, "to_ts": 2, "reason": "x"},
        {"subject_id": "a", "from_ts": 1, "to_ts": 2},
        {"subject_id": "a" * 40, "from_ts": 1, "to_ts": 2, "reason": "x"},
        {"everything": True, "subject_id": "a", "from_ts": 1, "to_ts": 2, "reason": "x"},
        {"everything": True, "from_ts": 1, "to_ts": 61 * 86400, "reason": "x"},
        {"everything": "yes", "from_ts": 1, "to_ts": 2, "reason": "x"},
    ):
        _, answer = await moderator.call("POST", "/api/desk/preservations", bad, expect=400)
        assert answer["error"]["code"] == "bad_field"


async def test_only_a_moderators_decision_keeps_everything(make_moderator):
    """Issue 15 item 9: a blanket preservation (no subject, no channel) is made only by a
    moderator who says so (``everything: true``), over 60 days at most."""
    moderator = await make_moderator("modo")
    body = {"everything": True, "from_ts": 1.0, "to_ts": 86400.0, "reason": "menace sans nom"}
    made = (await moderator.post("/api/desk/preservations", body, expect=201))["preservation"]
    assert made["subject_id"] is None and made["channel"] is None
    assert made["created_by"] == f"moderator:{moderator.moderator['id']}"
