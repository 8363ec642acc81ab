"""Issue 14, item 3: a soft sound for a new private-message request while the page is in
the background, off by default.

The listener is a ``window_chatter``: a Chromium of her own whose tab really goes to the
background when another tab comes to the front (``visibilityState`` "hidden",
``hasFocus()`` false). The sound is the real Web Audio output of the page: ``<html
data-chimes>`` counts the tones the client decided to play when the request arrived (before
it renders the request's tab: the barrier for "nothing played"), ``data-chimes-played``
those the audio clock played to their end (an oscillator's ``ended``: a suspended or
missing AudioContext never gets there), ``data-sound`` the AudioContext's state. Each test
runs in a desktop window and in a phone-sized one.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser.conftest import TIMEOUT_MS, start_server

ROOM = "amitie"

SOUND_FACTS_JS = """() => ({
    chimes: Number(document.documentElement.dataset.chimes),
    played: Number(document.documentElement.dataset.chimesPlayed),
    sound: document.documentElement.dataset.sound,
})"""


@pytest.fixture
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own for each test: the same pseudonyms on a desktop and on a phone
    (the desktop run's sessions still hold theirs on a shared server)."""
    data_dir: pathlib.Path = tmp_path_factory.mktemp("causette-sound")
    yield from start_server(data_dir)


def _facts(page: Any) -> dict[str, Any]:
    facts: dict[str, Any] = page.evaluate(SOUND_FACTS_JS)
    return facts


def _wait_requests(page: Any, *names: str) -> None:
    """Barrier: the request tab of each of ``names`` is rendered, and the page title counts
    them, each once (both come after the client's decision about the sound)."""
    for name in names:
        page.locator("[role=tab].pending", has_text=name).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "(n) => document.title === `(${n}) causette`",
        arg=len(names),
        polling=50,  # a hidden page runs no animation frames
    )


def _open_settings(page: Any) -> Any:
    page.click(".top-actions button[aria-haspopup=dialog]")
    dialog = page.locator(".settings-dialog[open]")
    dialog.wait_for()
    return dialog.get_by_role("switch", name="Son pour les demandes de message privé")


def test_a_request_in_the_background_sounds_once_and_only_when_asked(
    window_chatter: Any, chatters: Any
) -> None:
    ana = window_chatter
    ana.join("Ana_Son", 31, gender="f", department="35")
    ana.enter_room(ROOM)
    requesters = []
    for name in ("Bob_Son", "Carl_Son", "Dan_Son", "Eve_Son", "Fred_Son"):
        who = chatters()
        who.join(name, 33, gender="m", department="35")
        who.enter_room(ROOM)
        requesters.append(who)
    bob, carl, dan, eve, fred = requesters

    # Off by default: a real switch with its label and an explanation, not checked.
    switch = _open_settings(ana.page)
    assert switch.get_attribute("type") == "checkbox"
    assert not switch.is_checked()
    assert (
        "arrière-plan"
        in ana.page.locator(f"#{switch.get_attribute('aria-describedby')}").inner_text()
    )
    ana.page.keyboard.press("Escape")
    assert _facts(ana.page) == {"chimes": 0, "played": 0, "sound": "none"}

    # Off, in the background: the request shows (tab, title), no sound, no audio at all.
    ana.to_background()
    bob.open_pm(ana.pseudonym)
    bob.say("son 1 : tu es là ?")
    _wait_requests(ana.page, "Bob_Son")
    assert _facts(ana.page) == {"chimes": 0, "played": 0, "sound": "none"}

    # On (a click: the gesture that lets the audio start), in the foreground: no sound.
    ana.to_front()
    switch = _open_settings(ana.page)
    switch.click()
    assert switch.is_checked()
    ana.page.wait_for_function("() => document.documentElement.dataset.sound === 'running'")
    ana.page.keyboard.press("Escape")
    carl.open_pm(ana.pseudonym)
    carl.say("son 2 : bonjour")
    _wait_requests(ana.page, "Bob_Son", "Carl_Son")
    assert _facts(ana.page) == {"chimes": 0, "played": 0, "sound": "running"}

    # On, in the background, a burst of three requests: one sound, played to its end.
    for who in (dan, eve, fred):
        who.open_pm(ana.pseudonym)
        who.page.fill("#composer-input", f"son 3 : salut de {who.pseudonym}")
    ana.to_background()
    for who in (dan, eve, fred):  # three Enter in a row: well within the 5 s between tones
        who.page.press("#composer-input", "Enter")
    _wait_requests(ana.page, "Bob_Son", "Carl_Son", "Dan_Son", "Eve_Son", "Fred_Son")
    assert _facts(ana.page)["chimes"] == 1
    ana.page.wait_for_function(
        "() => document.documentElement.dataset.chimesPlayed === '1'", polling=50
    )
    assert _facts(ana.page) == {"chimes": 1, "played": 1, "sound": "running"}

    # Remembered: after a reload the switch is on, and her first click starts the audio.
    ana.to_front()
    ana.page.reload()
    ana.wait_online()
    assert ana.page.evaluate("() => document.documentElement.dataset.sound") == "none"
    switch = _open_settings(ana.page)
    assert switch.is_checked()
    ana.page.wait_for_function("() => document.documentElement.dataset.sound === 'running'")
    assert ana.errors == [] and ana.csp_violations == []


def test_a_private_message_in_the_background_sounds_a_room_message_does_not(
    window_chatter: Any, chatters: Any
) -> None:
    """In an accepted conversation, a new message while she looks elsewhere sounds like a
    request does; a room's messages never do (they only count on the room's tab)."""
    gaby = window_chatter
    gaby.join("Gaby_Son", 28, gender="f", department="22")
    gaby.enter_room(ROOM)
    hugo = chatters()
    hugo.join("Hugo_Son", 29, gender="m", department="22")
    hugo.enter_room(ROOM)
    _open_settings(gaby.page).click()
    gaby.page.wait_for_function("() => document.documentElement.dataset.sound === 'running'")
    gaby.page.keyboard.press("Escape")

    hugo.open_pm(gaby.pseudonym)
    hugo.say("son 4 : on parle ?")
    gaby.page.locator("[role=tab].pending", has_text="Hugo_Son").click()
    gaby.page.locator(".conv-banner button.primary").click()  # Accepter
    gaby.wait_text("son 4 : on parle ?")
    hugo.page.wait_for_function("() => !document.querySelector('#composer-input').disabled")
    assert _facts(gaby.page)["chimes"] == 0  # all of it in the foreground

    gaby.to_background()
    hugo.page.click(f'[role=tab][data-tab="room:{ROOM}"]')
    hugo.say("son 4 : dans le salon")
    gaby.page.wait_for_function(  # barrier: the room's tab counts the message
        "(key) => Number(document.querySelector(`[data-tab='${key}'] .badge`)?.textContent) > 0",
        arg=f"room:{ROOM}",
        polling=50,
    )
    assert _facts(gaby.page)["chimes"] == 0
    hugo.page.click('[role=tab][data-tab^="pm:"]')
    hugo.say("son 4 : en privé")
    gaby.page.wait_for_function(
        "() => document.documentElement.dataset.chimesPlayed === '1'", polling=50
    )
    assert _facts(gaby.page) == {"chimes": 1, "played": 1, "sound": "running"}
    assert gaby.errors == [] and gaby.csp_violations == []
