"""Issue 14: a chat people want to stay in. Straight into a living room, a first visit
without errors, history on a fresh page.

Each test runs on its own server (a fresh catalogue of empty rooms, a one-second presence
grace), so that "the busiest room" is known: the shared server's rooms fill and empty with
the other modules' chatters. The client's points run on a desktop and on a phone.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser.conftest import TIMEOUT_MS, start_server

ADULT_ROOM = "general"


@pytest.fixture
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Overrides the shared server for each test of this module: empty rooms, a short
    presence grace."""
    data_dir: pathlib.Path = tmp_path_factory.mktemp("causette-living-room")
    yield from start_server(data_dir, {"CAUSETTE_PRESENCE_GRACE_S": "1"})


def _focused(page: Any) -> str:
    focused: str = page.evaluate("document.activeElement && document.activeElement.id")
    return focused


def test_straight_into_the_busiest_room_with_the_cursor_in_the_box(sized: Any) -> None:
    """Nobody anywhere: Général. Later, the busiest room of the space, people in sight."""
    first = sized()
    first.join("Premiere", 30, gender="f", department="75")
    assert first.wait_living_room() == "room:general"
    assert _focused(first.page) == "composer-input"
    first.wait_person("Premiere")
    # She moves to Musique and leaves Général: Musique is now the busiest room.
    first.enter_room("musique")
    assert _focused(first.page) == "composer-input"
    # Closing a tab by keyboard: Delete on the tab (the tab list holds tabs only).
    first.page.focus('[role=tab][data-tab="room:general"]')
    first.page.keyboard.press("Delete")
    first.page.wait_for_selector('[role=tab][data-tab="room:general"]', state="detached")

    second = sized()
    second.join("Deuxieme", 31, gender="m", department="13")
    assert second.wait_living_room() == "room:musique"
    second.wait_person("Premiere")  # the people present, seen on arrival
    if second.phone:  # one tap away, above the conversation
        here = second.page.locator(".head-people")
        assert here.is_visible() and here.inner_text() == "2 personnes ici"
    else:
        assert second.page.locator('.person[data-pseudonym="Premiere"]').is_visible()
    assert _focused(second.page) == "composer-input"
    # Rooms by activity: Musique first, then the others in the operator's order.
    slugs = second.page.eval_on_selector_all(
        ".room-list:not(.region-list) .room", "els => els.map(e => e.dataset.slug)"
    )
    assert slugs[0] == "musique" and "general" in slugs
    counts = second.page.eval_on_selector_all(
        ".room-list:not(.region-list) .count", "els => els.map(e => parseInt(e.textContent))"
    )
    assert counts == sorted(counts, reverse=True)
    # The thirteen regions are folded under « Ma région », mine first.
    second.show("rooms")
    regions = second.page.locator("details.regions")
    assert regions.is_visible()
    assert regions.get_attribute("open") is None
    assert "Ma région" in regions.locator("summary").inner_text()
    assert "Provence" in regions.locator("summary").inner_text()
    first_region = second.page.locator(".region-list .room").first.get_attribute("data-slug")
    assert first_region == "region-provence-alpes-cote-d-azur"
    assert not second.page.locator(".region-list").is_visible()
    for chatter in (first, second):
        assert chatter.errors == [] and chatter.csp_violations == []


def test_one_form_one_click_then_the_first_message(sized: Any) -> None:
    """Landing to first message: one form and one click; by keyboard, Enter and Enter."""
    page = sized().page
    page.evaluate(
        "() => document.addEventListener('click', (e) => window.__clicks = (window.__clicks||0)+1,"
        " true)"
    )
    page.fill("input[name=pseudonym]", "Souris_75")
    page.fill("input[name=age]", "28")
    page.check("input[name=gender][value=f]")
    page.select_option("select[name=department]", "75")
    clicks_before = page.evaluate("window.__clicks || 0")  # the radio's click
    page.click("form.join-form button[type=submit]")
    page.wait_for_selector("[role=tab][aria-selected=true]", timeout=TIMEOUT_MS)
    # « Entrer » and nothing else (Enter in the box below clicks its submit button itself).
    assert page.evaluate("window.__clicks || 0") - clicks_before == 1
    page.keyboard.type("Bonjour à tous")
    page.keyboard.press("Enter")
    page.locator(".messages .msg-text", has_text="Bonjour à tous").wait_for(timeout=TIMEOUT_MS)

    # Keyboard only: after the form (submitted with Enter), the cursor waits in the box.
    kb_page = sized().page
    kb = kb_page.keyboard
    kb.type("Clavier_75")
    kb.press("Tab")
    kb.type("33")
    kb.press("Tab")
    kb.type("75")
    kb.press("Tab")
    kb.press("Space")
    presses = 0
    kb.press("Enter")  # submit the form: counted from here
    presses += 1
    kb_page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'composer-input'",
        timeout=TIMEOUT_MS,
    )
    kb.type("Premier message au clavier")
    kb.press("Enter")
    presses += 1
    kb_page.locator(".messages .msg-text", has_text="Premier message au clavier").wait_for(
        timeout=TIMEOUT_MS
    )
    assert presses <= 10, presses  # measured: 2 (Enter to join, Enter to send)


def test_first_visit_logs_no_error(browser: Any, server_url: str) -> None:
    """No session yet is an answer (200, me: null), not a 401 in the console."""
    context = browser.new_context(locale="fr-FR", base_url=server_url)
    try:
        page = context.new_page()
        console_errors: list[str] = []
        page.on(
            "console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None
        )
        statuses: list[int] = []
        page.on(
            "response",
            lambda r: statuses.append(r.status) if r.url.endswith("/api/session") else None,
        )
        page.goto("/")
        page.wait_for_selector("form.join-form", timeout=TIMEOUT_MS)
        assert statuses == [200]
        assert console_errors == []
    finally:
        context.close()


def test_a_fresh_page_shows_the_recent_history_of_joined_rooms(sized: Any) -> None:
    """A new tab of a live session (no last ids in its storage) fills its rooms' history."""
    reader = sized()
    reader.join("Frais_01", 33, gender="f", department="01")
    reader.enter_room("amitie")
    writer = sized()
    writer.join("Ecrit_01", 35, gender="m", department="01")
    writer.enter_room("amitie")
    texts = [f"avant le nouvel onglet {i}" for i in range(1, 4)]
    for text in texts:
        writer.say(text)
    reader.wait_text(texts[-1])
    reader.say("et moi aussi")
    reader.wait_text("et moi aussi")

    fresh = reader.context.new_page()  # its own sessionStorage: hello with last_ids {}
    fresh.goto("/")
    fresh.wait_for_selector('.chat-screen[data-conn="online"]', timeout=TIMEOUT_MS)
    fresh.click('[role=tab][data-tab="room:amitie"]')
    fresh.locator(".messages .msg-text", has_text="et moi aussi").wait_for(timeout=TIMEOUT_MS)
    shown = fresh.locator(".messages .msg-text").all_inner_texts()
    assert [t for t in shown if t in [*texts, "et moi aussi"]] == [*texts, "et moi aussi"]
