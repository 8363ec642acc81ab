"""Safety in the browser (issue 5): cards for the person at risk, held and masked messages
as the sender sees them, and the end of a session under 15."""

from __future__ import annotations

import pathlib
import re
import urllib.request
from typing import Any

ADULT_ROOM = "general"
TEEN_ROOM = "ados-general"


def _open_pm(sender: Any, recipient: Any, room: str, first: str) -> None:
    """`sender` asks `recipient` for a private conversation; the recipient accepts it."""
    sender.enter_room(room)
    recipient.enter_room(room)
    sender.wait_person(recipient.pseudonym)
    sender.page.click(f'.person[data-pseudonym="{recipient.pseudonym}"] button')
    sender.page.click(".user-dialog button.primary")
    sender.say(first)
    sender.page.wait_for_selector('[role=tab][data-tab^="pm:"][aria-selected=true]')
    sender.wait_text(first)
    # The request's own tab is in sight on a desktop and on a phone alike.
    recipient.page.locator("[role=tab].pending", has_text=sender.pseudonym).click()
    recipient.page.locator(".conv-banner button.primary").click()
    recipient.page.wait_for_selector('[role=tab][data-tab^="pm:"][aria-selected=true]')
    recipient.wait_text(first)


def _no_horizontal_scroll(page: Any) -> bool:
    root = "document.documentElement"
    return bool(page.evaluate(f"{root}.scrollWidth <= {root}.clientWidth"))


def test_ambush_card_warns_the_victim_only_and_blocks_in_one_tap(
    chatters: Any, shots_dir: pathlib.Path
) -> None:
    """Kev presses Marc to come alone tonight: Marc sees the card, Kev nothing; one tap blocks."""
    marc = chatters()
    marc.join("Marc", 35, gender="m", department="69")
    kev = chatters()
    kev.join("Kev", 25, gender="m", department="69")
    _open_pm(kev, marc, ADULT_ROOM, "salut ça va ? t'es dispo ce soir ?")
    marc.say("oui ça va, pourquoi ?")
    kev.wait_text("oui ça va, pourquoi ?")
    kev.page.wait_for_function("() => !document.querySelector('#composer-input').disabled")
    kev.say("viens chez moi ce soir, viens seul")
    marc.wait_text("viens chez moi ce soir, viens seul")

    card = marc.page.locator('.safety-card[data-kind="ambush"]')
    card.wait_for()
    assert card.get_attribute("role") == "alert"
    text = card.inner_text()
    assert "Kev" in text
    assert "lieu public" in text
    assert "adresse" in text and "code de porte" in text
    assert "appel vidéo" in text
    # Keyboard: the card's buttons are in the tab order, right after the conversation head.
    block_button = card.locator('button[data-action="block"]')
    assert block_button.is_enabled() and block_button.get_attribute("tabindex") is None
    marc.page.screenshot(path=str(shots_dir / "safety-card.png"))
    marc.page.set_viewport_size({"width": 360, "height": 740})
    card.wait_for()
    assert _no_horizontal_scroll(marc.page)
    marc.page.screenshot(path=str(shots_dir / "safety-card-phone.png"))
    marc.page.set_viewport_size({"width": 1280, "height": 800})

    kev.page.wait_for_timeout(300)
    assert kev.page.locator(".safety-card").count() == 0

    # The card's report button opens the report dialog about Kev, pre-set to "ambush": the
    # pre-set reason comes first and has the focus, so Enter sends it (issue 6).
    card.locator('button[data-action="report"]').click()
    dialog = marc.page.locator("dialog.report-dialog[open]")
    dialog.wait_for()
    assert "Kev" in dialog.locator("h2").inner_text()
    preset = dialog.locator(".report-categories button").first
    assert preset.get_attribute("data-category") == "ambush"
    assert preset.inner_text() == "Guet-apens / menace pour la sécurité"
    marc.page.keyboard.press("Enter")
    dialog.locator(".report-sent", has_text="Signalement envoyé aux modérateurs").wait_for()
    marc.page.keyboard.press("Escape")
    marc.page.wait_for_selector("dialog.report-dialog[open]", state="detached")

    block_button.focus()
    marc.page.keyboard.press("Enter")
    marc.page.wait_for_selector(".safety-card", state="detached")
    marc.page.wait_for_selector('[role=tab][data-tab^="pm:"]', state="detached")
    marc.page.locator(".notice", has_text="Kev est bloqué").wait_for()
    marc.page.wait_for_selector('.person[data-pseudonym="Kev"]', state="detached")
    # Kev's next private message is refused (the server does not say why) and never shown.
    kev.say("alors tu viens ?")
    kev.page.locator(".notice", has_text="n'accepte pas").wait_for()
    assert kev.page.locator("#composer-input").input_value() == "alors tu viens ?"
    marc.page.wait_for_timeout(300)
    assert marc.page.locator(".msg-text", has_text="alors tu viens").count() == 0
    assert not (marc.errors or kev.errors or marc.csp_violations or kev.csp_violations)


def _approve(server_url: str, token: str, held_id: str) -> None:
    request = urllib.request.Request(
        f"{server_url}/api/desk/held/{held_id}/approve",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200


def test_grooming_card_for_a_teen_and_a_held_message_reaches_her_only_once_approved(
    chatters: Any, shots_dir: pathlib.Path, server_url: str, moderator_token: str
) -> None:
    """Tom presses Lea (15): she gets the grooming card with 3018; his secret is held, reaches
    nobody, and shows normally (once, on both sides) only after a moderator approves it."""
    lea = chatters(width=360, height=740)
    lea.join("Lea", 15, gender="f", department="35")
    tom = chatters()
    tom.join("Tom", 17, gender="m", department="35")
    _open_pm(tom, lea, TEEN_ROOM, "salut t'as quel âge ?")
    lea.say("15 et toi")
    tom.wait_text("15 et toi")
    tom.page.wait_for_function("() => !document.querySelector('#composer-input').disabled")
    # Asking whether she is often alone, after the age question, shows her the card (the
    # learned layer); the next push is held. (Since decision 011 flattery about her
    # maturity at this point is held at once: tests/server/test_safety_live.py.)
    line = "t'es souvent seule chez toi ?"
    tom.say(line)
    tom.wait_text(line)
    lea.wait_text(line)

    card = lea.page.locator('.safety-card[data-kind="grooming"]')
    card.wait_for()
    # On a phone the card is a compact banner: its title and buttons, the advice folded.
    height = card.evaluate("el => el.getBoundingClientRect().height")
    assert height < 740 * 0.35, height
    assert card.locator("button[data-action=block]").is_visible()
    assert not card.locator(".safety-advice").is_visible()
    lea.page.screenshot(path=str(shots_dir / "safety-card-teen-phone-banner.png"))
    card.locator(".safety-more summary").click()
    card.locator(".safety-advice").wait_for()
    text = card.inner_text()
    assert "3018" in text
    assert "autre appli" in text and "photos" in text and "adulte de confiance" in text
    assert "Tom" in text
    assert tom.page.locator(".safety-card").count() == 0
    assert _no_horizontal_scroll(lea.page)
    lea.page.screenshot(path=str(shots_dir / "safety-card-teen-phone.png"))

    secret = "c'est notre secret, n'en parle à personne"
    tom.say(secret)
    held = tom.page.locator(".held-list .held", has_text=secret)
    held.wait_for()
    assert "Message retenu pour modération" in held.inner_text()
    tom.page.screenshot(path=str(shots_dir / "held.png"))
    assert tom.page.locator("#composer-input").input_value() == ""
    lea.page.wait_for_timeout(500)
    assert secret not in lea.texts()
    assert lea.page.locator(".messages", has_text="notre secret").count() == 0

    _approve(server_url, moderator_token, str(held.get_attribute("data-held-id")))
    tom.page.wait_for_selector(".held-list .held", state="detached")
    tom.wait_text(secret)
    lea.wait_text(secret)
    assert tom.texts().count(secret) == 1
    assert lea.texts().count(secret) == 1
    assert not (lea.errors or tom.errors or lea.csp_violations or tom.csp_violations)


def test_fresh_account_phone_number_is_masked_with_an_explanation(chatters: Any) -> None:
    """A brand-new account's phone number: masked for everyone, explained to the sender."""
    reader = chatters()
    reader.join("Lecteur", 30, gender="m", department="33")
    fresh = chatters()
    fresh.join("Nouvelle", 28, gender="f", department="33")
    reader.enter_room(ADULT_ROOM)
    fresh.enter_room(ADULT_ROOM)
    fresh.say("appelle moi au 06 12 34 56 78")
    shown = reader.page.locator(".messages .msg", has_text="appelle moi").last
    shown.wait_for()
    masked = shown.locator(".msg-text").inner_text()
    assert not re.search(r"\d", masked), masked
    note = fresh.page.locator(".composer-note")
    note.wait_for()
    assert "masquée" in note.inner_text()
    # The sender sees what the others see, not the number she typed.
    fresh.page.wait_for_function(
        "() => [...document.querySelectorAll('.messages .msg-text')]"
        ".some((n) => n.textContent.startsWith('appelle moi') && !/\\d/.test(n.textContent))"
    )
    note.locator("button.note-close").click()
    assert note.is_hidden()


def test_saying_under_15_ends_the_session_with_an_explanation(chatters: Any) -> None:
    """Close 4011: back to the join screen with the under-15 explanation, no reconnection."""
    kid = chatters()
    kid.join("Petit_Loup", 19, gender="m", department="59")
    kid.enter_room(ADULT_ROOM)
    kid.say("en vrai j'ai 13 ans")
    screen = kid.page.locator(".too-young")
    screen.wait_for(timeout=10_000)
    assert "15 ans" in screen.inner_text() and "3018" in screen.inner_text()
    assert screen.locator('a[href="tel:3018"]').count() == 1
    kid.page.wait_for_timeout(1500)  # no reconnection brings the chat back
    assert kid.page.locator(".chat-screen").count() == 0


def test_a_school_year_asks_kindly_and_either_answer_is_taken_at_its_word(chatters: Any) -> None:
    """A cue, not a statement: a gentle question with two answers. "18 or older" leaves the
    chat as it was; "under 18" takes the person out of adults' rooms, with an explanation."""
    sure = chatters()
    sure.join("Prof_Maths", 34, gender="m", department="75")
    sure.enter_room(ADULT_ROOM)
    sure.say("je passe le brevet cette année")
    card = sure.page.locator('.safety-card[data-kind="age_check"]')
    card.wait_for()
    assert card.get_attribute("role") == "status"  # a question, not an alarm
    assert "moins de 18 ans" in card.inner_text()
    card.locator('button[data-action="not-under"]').click()
    card.wait_for(state="detached")
    assert sure.page.evaluate("document.activeElement.id") == "composer-input"
    sure.say("bon, qui corrige des copies ce soir ?")
    sure.wait_text("bon, qui corrige des copies ce soir ?")

    young = chatters()
    young.join("Lilou_75", 19, department="75")
    young.enter_room(ADULT_ROOM)
    young.say("je passe le brevet cette année")
    card = young.page.locator('.safety-card[data-kind="age_check"]')
    card.wait_for()
    card.locator('button[data-action="under"]').click()
    young.page.get_by_text("les salons et messages privés entre adultes").first.wait_for()
    assert young.page.locator(".too-young").count() == 0  # 15-17: not refused, moved
