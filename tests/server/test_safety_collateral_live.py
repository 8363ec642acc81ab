"""Live safety without collateral damage (issue 13), over real WebSockets: a school year or
a département never ends a teen's session; the adult who keeps writing to a child moved
out of reach is the one the desk hears about, with the refused messages kept; a moderator
who dismisses an adult-in-the-teen-space alert lifts the freeze."""

from __future__ import annotations

import asyncio

import pytest

from causette.server.protocol import CloseCode
from tests.support.client import closed_with
from tests.support.desk import DeskClient


@pytest.fixture
async def mod(make_moderator) -> DeskClient:
    return await make_moderator("modo")


async def _alerts(mod: DeskClient, kind: str) -> list[dict]:
    """The open alerts of one kind, once one is there: an alert is written just after the
    message that raised it was delivered (bounded wait for a condition, not a sleep to
    prove absence)."""
    for _ in range(200):
        status, body = await mod.call("GET", "/api/desk/alerts", expect=None)
        assert status == 200
        found = [a for a in body["alerts"] if a["kind"] == kind]
        if found:
            return found
        await asyncio.sleep(0.05)
    return []


async def _kinds(mod: DeskClient) -> set[str]:
    status, body = await mod.call("GET", "/api/desk/alerts", expect=None)
    assert status == 200
    return {a["kind"] for a in body["alerts"]}


@pytest.mark.parametrize("line", ["je passe le brevet cette année", "im in year 10?"])
async def test_a_school_year_alerts_a_moderator_and_never_ends_the_session(make_client, mod, line):
    """The brevet is taken at 14-15, year 10 is 14-15: a 15-year-old saying so stays."""
    lou = await make_client("Lou", age=15, gender="m")
    await lou.enter("ados-general")
    first = await lou.post("ados-general", line)
    assert first["type"] == "ack", first
    alerts = await _alerts(mod, "minor.age_cue")
    assert [a["context"]["parties"][0]["pseudonym"] for a in alerts] == ["Lou"]
    # Lou is asked, kindly, once; answering "15 or older" is taken at his word.
    check = await lou.expect("age_check")
    assert check["space"] == "teen" and check["channel"] == "room:ados-general"
    answered = await lou.request({"type": "age_answer", "under": False}, "ack")
    assert answered["type"] == "ack", answered
    # Still here, still heard: the next message is delivered, the session was not ended.
    after = await lou.post("ados-general", "quelqu'un révise les maths ?")
    assert after["type"] == "ack", after
    assert lou.close_code is None
    assert "minor.under_15" not in await _kinds(mod)


async def test_a_teen_who_answers_the_check_under_15_gets_the_kind_screen(make_client, mod):
    """Answering "under 15" is a statement of one's own age: the under-15 path, no more."""
    lou = await make_client("Lou", age=15, gender="m")
    await lou.enter("ados-general")
    assert (await lou.post("ados-general", "je passe le brevet cette année"))["type"] == "ack"
    await lou.expect("age_check", space="teen")
    await lou.send({"type": "age_answer", "under": True})
    refusal = await lou.expect("error", code="age_too_young")
    assert refusal["message"]
    await closed_with(lou, CloseCode.UNDER_15)
    assert await _alerts(mod, "minor.under_15")


async def test_an_adult_space_chatter_who_answers_under_18_is_taken_out_of_reach(make_client, mod):
    """In the adult space a school year asks "are you under 18?"; "yes" takes the person out
    of adults' rooms and private messages, as saying "j'ai 16 ans" would, and alerts."""
    sam = await make_client("Sam", age=19, gender="m")
    await sam.enter("general")
    assert (await sam.post("general", "je passe le brevet cette année"))["type"] == "ack"
    check = await sam.expect("age_check")
    assert check["space"] == "adult" and check["channel"] == "room:general"
    await sam.send({"type": "age_answer", "under": True})
    await sam.expect("left", room="general")
    await sam.expect("error", code="adults_out_of_reach")
    assert sam.close_code is None  # not punished: the teen space is where to go next
    assert await _alerts(mod, "minor.in_adult_space")
    refused = await sam.post("general", "ok")
    assert refused["type"] == "error", refused


async def test_an_age_answer_is_validated(make_client):
    lou = await make_client("Lou", age=15, gender="m")
    reply = await lou.request({"type": "age_answer", "under": "yes"}, "ack")
    assert reply["type"] == "error" and reply["code"] == "bad_field", reply


async def test_a_question_about_the_brevet_is_nothing(make_client, mod):
    lou = await make_client("Lou", age=15, gender="m")
    await lou.enter("ados-general")
    assert (await lou.post("ados-general", "qui passe le brevet cette année ?"))["type"] == "ack"
    # The alert list is read after the message was acknowledged and its after-effects ran
    # (a second message is acknowledged only once the first one's are done).
    assert (await lou.post("ados-general", "moi je stresse"))["type"] == "ack"
    assert "minor.age_cue" not in await _kinds(mod)


async def test_a_departement_is_not_an_age(make_client, mod):
    """ "moi 94" from a 15-year-old is the Val-de-Marne: she is not frozen as an adult."""
    lea = await make_client("Lea", age=15)
    tom = await make_client("Tom", age=16, gender="m")
    for client in (lea, tom):
        await client.enter("ados-general")
    await tom.post("ados-general", "vous êtes d'où ?")
    assert (await lea.post("ados-general", "moi 94"))["type"] == "ack"
    after = await lea.post("ados-general", "et toi ?")
    assert after["type"] == "ack", after
    assert "adult.in_teen_space" not in await _kinds(mod)


async def test_the_adult_who_keeps_writing_to_a_child_is_the_alert(make_client, mod):
    """Zoe says she is 16 in the adult space; Marc keeps writing: refused, kept, alerted."""
    zoe = await make_client("Zoe", age=19)
    marc = await make_client("Marc", age=40, gender="m")
    await marc.pm("Zoe", "salut toi")
    conv = (await zoe.expect("conversation"))["conversation"]
    await zoe.send({"type": "pm_respond", "conversation": conv["id"], "decision": "accept"})
    await zoe.pm("Marc", "en vrai j'ai 16 ans")
    await zoe.expect("error", code="adults_out_of_reach")
    for text in ("c'est pas grave", "réponds moi", "t'es où ?"):
        assert (await marc.pm("Zoe", text))["code"] == "pm_refused"
    alerts = await _alerts(mod, "minor.pursued")
    # One at the first refused message, one when he keeps at it (the third).
    for _ in range(200):
        if len(alerts) >= 2:
            break
        await asyncio.sleep(0.05)
        alerts = await _alerts(mod, "minor.pursued")
    assert len(alerts) == 2
    latest = max(alerts, key=lambda a: len(a["context"]["refused"]))
    context = latest["context"]
    assert [p["pseudonym"] for p in context["parties"]] == ["Marc", "Zoe"]
    assert [r["text"] for r in context["refused"]] == [
        "c'est pas grave",
        "réponds moi",
        "t'es où ?",
    ]
    # Both sides of the conversation are in front of the moderator.
    senders = {m["from"]["pseudonym"] for m in context["recent"]}
    assert senders == {"Marc", "Zoe"}
    # Evidence, not a held message anyone could release.
    status, held = await mod.call("GET", "/api/desk/held", expect=None)
    assert status == 200
    assert not [h for h in held["held"] if "Marc" in str(h["sender"])]


async def test_dismissing_an_adult_in_the_teen_space_alert_lifts_the_freeze(make_client, mod):
    """A teen who joked "j'ai 25 ans" is frozen; a moderator who finds nothing wrong
    dismisses the alert, and her next message goes through."""
    max_ = await make_client("Maxime", age=16, gender="m")
    await max_.enter("ados-general")
    await max_.post("ados-general", "en vrai j'ai 25 ans mdr")
    held = await max_.request({"type": "post", "room": "ados-general", "text": "coucou"}, "held")
    assert held["type"] == "held"
    alert = (await _alerts(mod, "adult.in_teen_space"))[0]
    await mod.post(
        "/api/desk/actions",
        {
            "action": "dismiss",
            "source": {"kind": "alert", "id": alert["id"]},
            "reason": "une blague entre ados",
        },
    )
    after = await max_.post("ados-general", "re")
    assert after["type"] == "ack", after
