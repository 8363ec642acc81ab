"""Emergencies (DSA art. 18): a ready notification for PHAROS or the police, with the
evidence; the related data frozen; its sending recorded; every step audited."""

from __future__ import annotations

from sqlalchemy import select

from causette.server.desk.legal import LEGAL
from causette.store import schema


async def _ambush_report(make_client) -> tuple[dict, str]:
    marc = await make_client("Marc", age=35, gender="m")
    kev = await make_client("Kevin", age=25, gender="m")
    for c in (marc, kev):
        await c.enter("general")
    ack = await kev.post("general", "bonjour tout le monde")
    report = await marc.request(
        {
            "type": "report",
            "category": "ambush",
            "channel": "room:general",
            "id": ack["id"],
            "text": "il me menace",
        },
        "report_ack",
    )
    return ack, report["report_id"]


async def test_a_report_becomes_a_ready_notification(server, make_client, make_moderator):
    ack, report_id = await _ambush_report(make_client)
    moderator = await make_moderator("modo")
    made = await moderator.post(
        f"/api/desk/reports/{report_id}/emergency",
        {"recipient": "pharos", "threat": "menace de se rendre au domicile ce soir"},
        expect=201,
    )
    notification = made["notification"]
    assert notification["status"] == "ready" and notification["recipient"] == "pharos"
    body = notification["body"]
    assert body["threat"] == "menace de se rendre au domicile ce soir"
    people = {p["pseudonym"]: p for p in body["people"]}
    assert people["Kevin"]["role"] == "subject" and people["Kevin"]["declared_age"] == 25
    assert people["Marc"]["role"] == "reporter" and people["Marc"]["declared_age"] == 35
    assert [(e["id"], e["pseudonym"]) for e in body["evidence"]] == [(ack["id"], "Kevin")]
    text = body["text"]
    for expected in ("PHAROS", "Kevin", "âge déclaré 25", "bonjour tout le monde", "UTC"):
        assert expected in text
    assert "127.0.0.1" not in text  # connection data only ever leave by requisition
    # The data are frozen with it.
    preservation_id = body["preservation_id"]
    found = (await moderator.get("/api/desk/preservations"))["preservations"]
    frozen = next(p for p in found if p["id"] == preservation_id)
    assert frozen["channel"] == "room:general" and frozen["source_id"] == report_id

    listed = (await moderator.get("/api/desk/notifications"))["notifications"]
    assert [n["id"] for n in listed] == [notification["id"]]
    await moderator.post(
        f"/api/desk/notifications/{notification['id']}/sent",
        {"via": "formulaire PHAROS", "reference": "PH-2026-0042"},
        expect=204,
    )
    sent = (await moderator.get("/api/desk/notifications"))["notifications"][0]
    assert sent["status"] == "sent" and sent["sent_by"] == moderator.moderator["id"]
    assert sent["sent_via"] == {"via": "formulaire PHAROS", "reference": "PH-2026-0042"}
    _, again = await moderator.call(
        "POST",
        f"/api/desk/notifications/{notification['id']}/sent",
        {"via": "mail", "reference": "x"},
        expect=409,
    )
    assert again["error"]["code"] == "already_decided"
    store = server.app[LEGAL].retention.log.store
    with store.engine.connect() as conn:
        actions = [a for (a,) in conn.execute(select(schema.audit_log.c.action))]
    for action in ("emergency.prepare", "emergency.read", "emergency.sent"):
        assert action in actions


async def test_an_alert_becomes_a_notification_for_the_police(make_client, make_moderator):
    _, _report_id = await _ambush_report(make_client)
    moderator = await make_moderator("modo")
    alerts = (await moderator.get("/api/desk/alerts"))["alerts"]
    alert = next(a for a in alerts if a["kind"] == "report.ambush")
    made = await moderator.post(
        f"/api/desk/alerts/{alert['id']}/emergency",
        {"recipient": "police", "threat": "menace physique"},
        expect=201,
    )
    body = made["notification"]["body"]
    assert made["notification"]["alert_id"] == alert["id"]
    assert {p["pseudonym"] for p in body["people"]} == {"Kevin", "Marc"}
    assert any(e["text"] == "bonjour tout le monde" for e in body["evidence"])
    assert body["text"].startswith("SIGNALEMENT") and "Police" in body["text"]


async def test_bad_emergencies_are_refused(make_client, make_moderator):
    _, report_id = await _ambush_report(make_client)
    moderator = await make_moderator("modo")
    for body in (
        {"recipient": "fbi", "threat": "x"},
        {"recipient": "police"},
        {"recipient": "police", "threat": "x" * 3000},
    ):
        _, answer = await moderator.call(
            "POST", f"/api/desk/reports/{report_id}/emergency", body, expect=400
        )
        assert answer["error"]["code"] == "bad_field"
    await moderator.call(
        "POST", "/api/desk/alerts/nope/emergency", {"recipient": "police", "threat": "x"}, 404
    )
    await moderator.call(
        "POST", "/api/desk/notifications/nope/sent", {"via": "m", "reference": "r"}, 404
    )
    assert (await moderator.get("/api/desk/notifications"))["notifications"] == []
