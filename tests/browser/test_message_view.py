"""Issue 14, item 2: a modern message view. Grouping by author and minute, initials avatars
with a stable colour, my messages set apart, day separators, the unread marker and counts,
the per-message menu by keyboard, and one notice per private message request. Each on a
desktop and on a phone."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser.conftest import TIMEOUT_MS, start_server


@pytest.fixture
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own for each test: the same pseudonyms on a desktop and on a phone
    (the desktop run's sessions still hold theirs on a shared server)."""
    data_dir: pathlib.Path = tmp_path_factory.mktemp("causette-message-view")
    yield from start_server(data_dir)


def _focused(page: Any) -> str:
    focused: str = page.evaluate(
        "document.activeElement && (document.activeElement.id || document.activeElement.className)"
    )
    return focused


def test_grouped_messages_avatars_and_mine_set_apart(sized: Any) -> None:
    """Three lines from Anna in a minute are one group (one head); mine are on the right."""
    anna = sized()
    anna.join("Anna_Lise", 29, gender="f", department="44")
    bob = sized()
    bob.join("Bob_44", 30, gender="m", department="44")
    for who in (anna, bob):
        who.enter_room("jeux-video")
    lines = ["vue 1 premier", "vue 1 deuxième", "vue 1 troisième"]
    for text in lines:
        anna.say(text)
    bob.wait_text(lines[-1])
    bob.say("vue 1 réponse")
    anna.wait_text("vue 1 réponse")

    page = bob.page
    view = page.evaluate(
        """(lines) => {
            const items = [...document.querySelectorAll('.msg-list > .msg')];
            const mine = items.filter((li) => li.classList.contains('mine'));
            const of = (t) => items.find((li) => li.querySelector('.msg-text').textContent === t);
            const avatar = (li) => li.querySelector('.avatar');
            return {
              heads: lines.map((t) => Boolean(of(t).querySelector('.msg-head'))),
              cont: lines.map((t) => of(t).classList.contains('cont')),
              initials: avatar(of(lines[0])).textContent,
              avatarHidden: avatar(of(lines[0])).getAttribute('aria-hidden'),
              colour: getComputedStyle(avatar(of(lines[0]))).backgroundColor,
              mineRight: mine.length > 0 && mine.every((li) =>
                li.getBoundingClientRect().right > of(lines[0]).getBoundingClientRect().left + 200),
              mineAvatar: mine.some((li) => li.querySelector('.avatar')),
              days: document.querySelectorAll('.msg-list > .day-sep').length,
              dayText: document.querySelector('.msg-list > .day-sep')?.textContent,
              srName: of(lines[1]).querySelector('.sr-only')?.textContent,
            };
        }""",
        lines,
    )
    # The same minute (a test sends them within a second or two; a minute boundary between
    # them would start a new group, so allow exactly that case).
    assert view["heads"][0] and not view["cont"][0]
    assert view["cont"][1:] == [True, True] or view["cont"][1:].count(False) == 1
    assert view["initials"] == "AL" and view["avatarHidden"] == "true"
    assert view["mineRight"] and not view["mineAvatar"]
    assert view["days"] == 1 and view["dayText"] == "Aujourd'hui"
    assert view["srName"].startswith("Anna_Lise")
    # The colour is the pseudonym's, everywhere: the same in Anna's own people list.
    anna_colour = anna.page.eval_on_selector(
        '.person[data-pseudonym="Anna_Lise"] .avatar', "el => getComputedStyle(el).backgroundColor"
    )
    assert anna_colour == view["colour"]


def test_unread_marker_counts_and_focus_on_switch(sized: Any) -> None:
    """Messages arriving in another tab: a count on that tab, a marker where they start when
    it opens, and the cursor in the message box on every switch, PMs included."""
    cleo = sized()
    cleo.join("Cleo_33", 27, gender="f", department="33")
    dan = sized()
    dan.join("Dan_33", 28, gender="m", department="33")
    for who in (cleo, dan):
        who.enter_room("amitie")
    cleo.enter_room("musique")  # amitie is in the background now
    dan.say("vue 2 avant")
    dan.say("vue 2 après")
    badge = cleo.page.locator('[role=tab][data-tab="room:amitie"] .badge')
    badge.wait_for(timeout=TIMEOUT_MS)
    cleo.page.wait_for_function(
        "() => document.querySelector('[data-tab=\"room:amitie\"] .badge')?.textContent === '2'",
        timeout=TIMEOUT_MS,
    )
    cleo.page.click('[role=tab][data-tab="room:amitie"]')
    assert _focused(cleo.page) == "composer-input"
    marker = cleo.page.locator(".msg-list > .unread-marker")
    marker.wait_for()
    assert marker.inner_text() == "Nouveaux messages"
    after = cleo.page.evaluate(
        "() => document.querySelector('.unread-marker').nextElementSibling"
        ".querySelector('.msg-text').textContent"
    )
    assert after == "vue 2 avant"
    assert badge.count() == 0

    # A private conversation: the request is one notice (its own tab), no toast on top.
    dan.show("people")
    dan.page.click('.person[data-pseudonym="Cleo_33"] .person-button')
    dan.page.click(".user-dialog button.primary")
    assert _focused(dan.page) == "composer-input"  # a new PM: the cursor in the box
    dan.say("vue 2 en privé ?")
    request_tab = cleo.page.locator("[role=tab].pending", has_text="Dan_33")
    request_tab.wait_for(timeout=TIMEOUT_MS)
    assert request_tab.get_attribute("aria-selected") == "false"  # not taken from her
    assert "demande" in request_tab.inner_text().lower()
    assert cleo.page.locator(".notice", has_text="Dan_33").count() == 0
    assert cleo.page.locator(".request-chip").count() == 0
    # Counted once: in the title (its first message is the request, not one more unread)
    # and, on a phone, on one of the bottom tabs.
    cleo.page.wait_for_function("() => document.title === '(1) causette'")
    if cleo.phone:
        badges = cleo.page.locator(".nav-button .badge")
        assert badges.all_inner_texts() == ["1"]
        assert badges.first.get_attribute("aria-label") == "Demandes de message privé"
    request_tab.click()
    # Nothing to type before answering: the cursor is on « Accepter ».
    cleo.page.wait_for_function("() => document.activeElement.textContent === 'Accepter'")
    cleo.page.keyboard.press("Enter")
    cleo.page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'composer-input'",
        timeout=TIMEOUT_MS,
    )
    cleo.page.keyboard.type("vue 2 d'accord")
    cleo.page.keyboard.press("Enter")
    dan.wait_text("vue 2 d'accord")
    # Back to a room tab and to the PM: the cursor follows.
    cleo.page.click('[role=tab][data-tab="room:musique"]')
    assert _focused(cleo.page) == "composer-input"
    cleo.page.click('[role=tab][data-tab^="pm:"]')
    assert _focused(cleo.page) == "composer-input"


def test_the_message_menu_by_keyboard(sized: Any) -> None:
    """Tab to a message's ⋯, Enter opens the menu on its first item, arrows move, Escape
    returns; « Bloquer » goes straight to the confirmation."""
    eva = sized()
    eva.join("Eva_56", 33, gender="f", department="56")
    fred = sized()
    fred.join("Fred_56", 35, gender="m", department="56")
    for who in (eva, fred):
        who.enter_room("lgbt")
    fred.say("vue 3 bonjour")
    eva.wait_text("vue 3 bonjour")
    page = eva.page
    message = page.locator(".msg", has_text="vue 3 bonjour")
    menu_button = message.locator(".msg-menu-button")
    assert menu_button.get_attribute("aria-haspopup") == "menu"
    assert menu_button.get_attribute("tabindex") is None  # in the tab order
    menu_button.focus()
    page.keyboard.press("Enter")
    menu = message.locator("[role=menu]")
    menu.wait_for()
    assert menu_button.get_attribute("aria-expanded") == "true"
    items = menu.locator("[role=menuitem]").all_inner_texts()
    assert items == ["Message privé", "Bloquer", "Signaler"]
    assert page.evaluate("document.activeElement.dataset.action") == "pm"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.action") == "block"
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.dataset.action") == "report"
    page.keyboard.press("Escape")
    menu.wait_for(state="detached")
    assert page.evaluate("document.activeElement.classList.contains('msg-menu-button')")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # Bloquer
    dialog = page.locator(".user-dialog[open]")
    dialog.wait_for()
    assert "Bloquer Fred_56 ?" in dialog.inner_text()
    page.keyboard.press("Enter")  # the confirmation has the focus
    page.wait_for_selector('.person[data-pseudonym="Fred_56"]', state="detached")
    assert "vue 3 bonjour" not in eva.texts()
    # After a block, the room's counter and its list agree.
    count = page.locator('.room[data-slug="lgbt"] .count').inner_text().split()[0]
    listed = page.locator(".people-list .person").count()
    assert int(count) == listed
    assert eva.errors == [] and eva.csp_violations == []


def test_typing_indicator_in_a_private_conversation(sized: Any) -> None:
    """In an accepted private conversation, the other side sees "… écrit…" while one types;
    it goes when the message arrives. Rooms never show it."""
    gina = sized()
    gina.join("Gina_69", 36, gender="f", department="69")
    hugo = sized()
    hugo.join("Hugo_69", 37, gender="m", department="69")
    for who in (gina, hugo):
        who.enter_room("25-40")
    hugo.wait_person("Gina_69")
    hugo.show("people")
    hugo.page.click('.person[data-pseudonym="Gina_69"] .person-button')
    hugo.page.click(".user-dialog button.primary")
    hugo.say("vue 4 on parle ?")
    gina.page.locator("[role=tab].pending", has_text="Hugo_69").click()
    gina.page.locator(".conv-banner button.primary").click()
    gina.wait_text("vue 4 on parle ?")
    hugo.page.wait_for_function("() => !document.querySelector('#composer-input').disabled")
    line = gina.page.locator(".typing-line")
    assert line.is_hidden()
    hugo.page.locator("#composer-input").press_sequentially("vue 4 j'écris")
    line.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert line.inner_text() == "Hugo_69 écrit…"
    hugo.page.keyboard.press("Enter")
    gina.wait_text("vue 4 j'écris")
    line.wait_for(state="hidden", timeout=TIMEOUT_MS)
    # In a room, typing shows nothing to anyone.
    gina.page.click('[role=tab][data-tab="room:25-40"]')
    hugo.page.click('[role=tab][data-tab="room:25-40"]')
    hugo.page.locator("#composer-input").press_sequentially("vue 4 dans le salon")
    hugo.page.keyboard.press("Enter")
    gina.wait_text("vue 4 dans le salon")
    assert gina.page.locator(".typing-line").is_hidden()
