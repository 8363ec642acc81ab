"""Safety in the live chat, over real WebSockets: every message passes the engine before
delivery; cards, holds, masks, alerts, minors and fresh accounts."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from causette.core.sanctions import HELD_SEVERITY, alert_severity
from causette.server.keys import SERVICE
from tests.support.client import closed_with
from tests.support.desk import DeskClient


@pytest.fixture
async def mod(make_moderator) -> DeskClient:
    return await make_moderator("modo")


async def _mod(mod: DeskClient, method: str, path: str) -> tuple[int, dict]:
    status, body = await mod.call(method, f"/api/desk/{path}", expect=None)
    return status, body or {}


async def _alerts(mod: DeskClient, kind: str, at_least: int = 1) -> list[dict]:
    """The open alerts of one kind, waiting a little: an alert is written just after the
    message that raised it was delivered."""
    for _ in range(60):
        status, body = await _mod(mod, "GET", "alerts")
        assert status == 200
        found = [a for a in body["alerts"] if a["kind"] == kind]
        if len(found) >= at_least:
            return found
        await asyncio.sleep(0.05)
    return found


async def _kev_presses_marc(make_client):
    """Kev (a fresh account) opens a private conversation with Marc, who accepts and
    answers, then presses him to come alone tonight: (marc, kev)."""
    marc = await make_client("Marc", age=35, gender="m")
    kev = await make_client("Kev", age=25, gender="m")
    await kev.pm("Marc", "salut ça va ? t'es dispo ce soir ?")
    conv = (await marc.expect("conversation"))["conversation"]
    await marc.send({"type": "pm_respond", "conversation": conv["id"], "decision": "accept"})
    await marc.pm("Kev", "salut, oui pourquoi pas")
    await kev.pm("Marc", "viens chez moi ce soir, viens seul")
    return marc, kev


async def test_ambush_shows_the_victim_a_card_and_raises_one_alert(
    make_client, base_url, mod, server
):
    """A fresh account pressing a man to come alone tonight: card for him, one alert."""
    marc, kev = await _kev_presses_marc(make_client)
    card = await marc.expect("safety_card")
    assert card["kind"] == "ambush" and card["about"] == "Kev"
    await kev.pm("Marc", "donne moi ton adresse exacte et le code de la porte")
    await marc.expect("message", text="donne moi ton adresse exacte et le code de la porte")
    # The one pressing gets no card; the alert is raised once, with its context. Barriers:
    # what his messages set off after their acks is over, and his socket is read up to a
    # ping, so nothing more can come.
    await server.app[SERVICE].tasks.jobs_done()
    await kev.settle()
    assert not [f for f in kev.frames if f["type"] == "safety_card"]
    alerts = await _alerts(mod, "ambush")
    assert len(alerts) == 1
    context = alerts[0]["context"]
    assert {p["pseudonym"] for p in context["parties"]} == {"Kev", "Marc"}
    assert any("viens seul" in m["text"] for m in context["recent"])


async def test_grooming_in_the_teen_space_freezes_and_alerts(make_client, base_url, mod):
    """A grooming sequence aimed at a teen: a card, then held messages, and an alert."""
    lea = await make_client("Lea", age=15)
    tom = await make_client("Tom", age=17, gender="m")
    for client in (lea, tom):
        await client.enter("ados-general")
    await tom.pm("Lea", "salut t'as quel âge ?")
    conv = (await lea.expect("conversation"))["conversation"]
    await lea.send({"type": "pm_respond", "conversation": conv["id"], "decision": "accept"})
    await lea.pm("Tom", "15 et toi")
    # The age asked, "15" answered, then flattery about her maturity: the learned layer
    # escalates here and she is shown a card; between two declared minors the pair is
    # frozen only once the rules' own stages reach a warning (issue 13): checking she is
    # alone does.
    first = await tom.request(
        {"type": "pm", "to": "Lea", "text": "t'es trop mature pour ton âge"}, "ack"
    )
    assert first["type"] == "ack", first
    card = await lea.expect("safety_card")
    assert card["kind"] == "grooming"
    alone = await tom.request(
        {"type": "pm", "to": "Lea", "text": "tes parents sont là ? t'es seule ?"}, "held"
    )
    assert alone["type"] == "held" and alone["reason"]
    held = await tom.request(
        {"type": "pm", "to": "Lea", "text": "c'est notre secret, n'en parle à personne"}, "held"
    )
    assert held["type"] == "held" and held["reason"]
    held2 = await tom.request({"type": "pm", "to": "Lea", "text": "ajoute moi sur snap"}, "held")
    assert held2["type"] == "held"
    await lea.settle()
    texts = [m["text"] for m in lea.messages()]
    assert "c'est notre secret, n'en parle à personne" not in texts
    assert "ajoute moi sur snap" not in texts
    assert len(await _alerts(mod, "grooming")) == 1
    _, held_list = await _mod(mod, "GET", "held")
    assert len(held_list["held"]) == 3  # from the check that she is alone on


async def test_declared_adult_disclosing_16_loses_access_to_adults(make_client):
    """An adult-space chatter who writes "j'ai 16 ans" leaves adult rooms and PMs."""
    zoe = await make_client("Zoe", age=19)
    marc = await make_client("Marc", age=40, gender="m")
    await zoe.enter("general")
    await marc.enter("general")
    await zoe.pm("Marc", "salut")
    await marc.expect("conversation")
    await zoe.post("general", "j'ai 16 ans")
    err = await zoe.expect("error", code="adults_out_of_reach")
    assert "18" in err["message"]
    await zoe.expect("left", room="general")
    assert (await zoe.enter("general"))["code"] == "adults_out_of_reach"
    assert (await zoe.pm("Marc", "re"))["code"] == "adults_out_of_reach"
    assert (await marc.pm("Zoe", "re"))["code"] == "pm_refused"
    users = await marc.request({"type": "users", "room": "general"}, "users")
    assert "Zoe" not in [u["pseudonym"] for u in users["users"]]


async def test_under_15_disclosure_ends_the_session(make_client):
    """ "j'ai 14 ans" from the adult space: explanation, session ended (close 4011)."""
    zoe = await make_client("Zoe", age=19)
    await zoe.enter("general")
    await zoe.send({"type": "post", "room": "general", "text": "j'ai 14 ans en vrai"})
    err = await zoe.expect("error", code="age_too_young")
    assert "15" in err["message"]
    await closed_with(zoe, 4011)
    async with zoe.http.get(
        f"{zoe.base_url}/api/session", headers={"Authorization": f"Bearer {zoe.token}"}
    ) as resp:
        assert resp.status == 200 and (await resp.json())["me"] is None


async def test_teen_disclosing_under_15_is_ended_and_alerted(make_client, base_url, mod):
    """A teen-space chatter who says they are 13 is shown the explanation and ended."""
    kid = await make_client("Petit_Lu", age=15, gender="m")
    await kid.enter("ados-general")
    await kid.send({"type": "post", "room": "ados-general", "text": "en vrai j'ai 13 ans"})
    assert "15" in (await kid.expect("error", code="age_too_young"))["message"]
    await closed_with(kid, 4011)
    assert await _alerts(mod, "minor.under_15")


async def test_held_reason_never_tells_the_groomer_what_was_detected(make_client):
    """The sender of a held message reads a neutral sentence, not the detection."""
    lea = await make_client("Lea", age=15)
    tom = await make_client("Tom", age=17, gender="m")
    for client in (lea, tom):
        await client.enter("ados-general")
    await tom.pm("Lea", "salut t'as quel âge ?")
    conv = (await lea.expect("conversation"))["conversation"]
    await lea.send({"type": "pm_respond", "conversation": conv["id"], "decision": "accept"})
    await lea.pm("Tom", "15 et toi")
    await tom.pm("Lea", "t'es trop mature pour ton âge")
    held = await tom.request(
        {"type": "pm", "to": "Lea", "text": "tes parents sont là ? t'es seule ?"}, "held"
    )
    assert held["type"] == "held"
    reason = held["reason"]
    assert "carte" not in reason and "grooming" not in reason and "manipulation" not in reason
    assert not any(ch.isdigit() for ch in reason)


async def test_teen_revealing_an_adult_is_frozen(make_client, base_url, mod):
    """A teen-space chatter who says they are 25 has every later message held."""
    max_ = await make_client("Maxime", age=16, gender="m")
    await max_.enter("ados-general")
    await max_.post("ados-general", "en vrai j'ai 25 ans")
    held = await max_.request(
        {"type": "post", "room": "ados-general", "text": "coucou tout le monde"}, "held"
    )
    assert held["type"] == "held"
    alerts = await _alerts(mod, "adult.in_teen_space")
    assert alerts
    # Among the highest risks the desk sees: above a held message in the queue.
    assert alert_severity(alerts[0]["severity"]) > HELD_SEVERITY


async def test_held_message_is_delivered_only_after_approval_in_order(make_client, base_url, mod):
    """A held message reaches nobody; approved, it arrives with the next id, in order."""
    bad = await make_client("Bad", age=30, gender="m")
    vic = await make_client("Vic", age=30)
    for client in (bad, vic):
        await client.enter("general")
    first = await bad.post("general", "salut")
    held = await bad.request({"type": "post", "room": "general", "text": "je vais te tuer"}, "held")
    assert held["type"] == "held"
    await vic.post("general", "bonjour")
    await vic.settle()
    assert "je vais te tuer" not in [m["text"] for m in vic.messages()]
    status, body = await _mod(mod, "POST", f"held/{held['held_id']}/approve")
    assert status == 200 and body["id"] == first["id"] + 2
    released = await vic.expect("message", text="je vais te tuer")
    ids = [m["id"] for m in vic.messages("room:general")]
    assert released["id"] == max(ids) and ids == sorted(ids)
    await bad.expect("released", held_id=held["held_id"])
    again, _ = await _mod(mod, "POST", f"held/{held['held_id']}/approve")
    assert again == 404


async def test_rejected_held_message_never_arrives(make_client, base_url, mod):
    """A rejected held message is never delivered."""
    bad = await make_client("Bad", age=30, gender="m")
    vic = await make_client("Vic", age=30)
    for client in (bad, vic):
        await client.enter("general")
    held = await bad.request({"type": "post", "room": "general", "text": "je vais te tuer"}, "held")
    status, _ = await _mod(mod, "POST", f"held/{held['held_id']}/reject")
    assert status == 204
    await vic.settle()
    assert "je vais te tuer" not in [m["text"] for m in vic.messages()]


async def test_fresh_account_phone_is_masked_with_an_explanation(make_client):
    """A fresh account's phone number is masked for everyone; the sender is told why."""
    new = await make_client("Nouveau", age=30, gender="m")
    bob = await make_client("Bob", age=30, gender="m")
    for client in (new, bob):
        await client.enter("general")
    ack = await new.post("general", "appelle moi au 06 12 34 56 78")
    assert ack["type"] == "ack"
    got = await bob.expect("message", channel="room:general")
    assert "06 12 34 56 78" not in got["text"] and "**" in got["text"]
    notice = await new.expect("notice", code="masked")
    assert notice["message"]


async def test_a_teen_the_model_reads_as_hurtful_is_warned_and_delivered(make_client):
    """Among declared minors, one message on the learned layer's word alone goes out and
    its sender is told it may hurt (a "warned" notice, with no probability in it)."""
    amy = await make_client("Amy_B", age=16, gender="f")
    zoe = await make_client("Zoe_C", age=16, gender="f")
    for client in (amy, zoe):
        await client.enter("ados-general")
    text = "ur so ugly nobody even likes u, everyone laughs at u"
    ack = await amy.post("ados-general", text)
    assert ack["type"] == "ack"
    got = await zoe.expect("message", channel="room:ados-general", id=ack["id"])
    assert got["text"] == text
    notice = await amy.expect("notice", code="warned")
    assert "hurt" in notice["message"] or "blesser" in notice["message"]
    assert "0." not in notice["message"]


async def test_a_room_called_a_salon_is_not_a_shop(make_client):
    """In French a chat room is a "salon": mentioning it does not make the next phone
    number a business's (it once did, through the English "hair salon" cue)."""
    kev = await make_client("Kev_Urg", age=28, gender="m")
    new = await make_client("Nouveau", age=30, gender="m")
    for client in (kev, new):
        await client.enter("general")
    await kev.post("general", "salut, tu viens souvent dans ce salon ?")
    ack = await new.post("general", "appelle moi au 06 12 34 56 78")
    got = await kev.expect("message", channel="room:general", id=ack["id"])
    assert "06 12 34 56 78" not in got["text"], got


async def test_fresh_account_links_and_pm_cap(make_client, settings):
    """Fresh accounts cannot post links and open at most N new conversations."""
    settings.fresh_new_pm_max = 2
    new = await make_client("Nouveau", age=30, gender="m")
    for name in ("Un_1", "Deux_2", "Trois_3"):
        await make_client(name, age=30)
    await new.enter("general")
    refused = await new.post("general", "regarde https://example.org/promo")
    assert refused["code"] == "fresh_no_links"
    assert (await new.pm("Un_1", "salut"))["type"] == "ack"
    assert (await new.pm("Deux_2", "salut"))["type"] == "ack"
    capped = await new.pm("Trois_3", "salut")
    assert capped["code"] == "fresh_pm_limit" and "2" in capped["message"]
    # Past the fresh period the server lets links through to the engine (which, for an
    # account less than an hour old, holds them for a moderator).
    settings.fresh_account_s = 0
    reply = await new.request(
        {"type": "post", "room": "general", "text": "regarde https://example.org/info"}, "held"
    )
    assert reply["type"] == "held"


async def test_one_device_three_pseudonyms_courting_three_people_alerts(make_client, base_url, mod):
    """Three pseudonyms on one browser courting three men raise an alert."""
    targets = {
        name: await make_client(name, age=35, gender="m") for name in ("Marc", "Paul", "Luc")
    }
    for i, (name, target) in enumerate(targets.items(), start=1):
        suitor = await make_client(f"Kev{i}", age=30, gender="m", device="same-browser")
        await suitor.pm(name, "salut beau gosse, t'es mignon")
        conv = (await target.expect("conversation"))["conversation"]
        await target.send({"type": "pm_respond", "conversation": conv["id"], "decision": "accept"})
        while (await suitor.expect("conversation"))["conversation"]["state"] != "accepted":
            pass
        reply = await suitor.pm(name, "on se voit ce soir ? t'es discret ?")
        assert reply["type"] == "ack", reply
        await suitor.disconnect()
    # Each fresh account pressing for a discreet meeting tonight is alerted; the third
    # pseudonym of the device must be among them (wait for all three, not the first).
    alerts = await _alerts(mod, "ambush", at_least=3)
    subjects = {a["context"]["parties"][0]["pseudonym"] for a in alerts}
    assert "Kev3" in subjects


async def test_moderation_api_refuses_a_chatter(base_url, make_client):
    """The desk refuses a chatter's session token."""
    alice = await make_client("Alice")
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{base_url}api/desk/alerts", headers={"Authorization": f"Bearer {alice.token}"}
        ) as resp,
    ):
        assert resp.status == 401


async def test_a_victim_giving_an_address_to_a_lure_is_asked_to_think_twice(
    make_client, base_url, mod
):
    """The card meant for the sender reaches the sender: someone about to give their address
    to a suspected lure gets an ambush card about the lure (issue 13, item 8)."""
    marc, kev = await _kev_presses_marc(make_client)
    await marc.expect("safety_card")
    await kev.pm("Marc", "donne moi ton adresse exacte et le code de la porte")
    await marc.expect("message", text="donne moi ton adresse exacte et le code de la porte")
    marc.frames.clear()
    await marc.pm("Kev", "j'habite 12 rue des Lilas, code 4512, 3e étage")
    card = await marc.expect("safety_card")
    assert card["kind"] == "ambush" and card["about"] == "Kev"
