"""Issue 15, items 2-4 in the browser: delete my own message from its ⋯ menu (keyboard),
see and download my data from the settings, and erase it after a confirm step."""

from __future__ import annotations

import pathlib
from typing import Any

from tests.browser.conftest import TIMEOUT_MS


def test_delete_my_own_message_by_keyboard(chatters: Any, shots_dir: Any) -> None:
    """My message's ⋯ holds « Supprimer mon message »; by keyboard it goes from my view and
    from the other person's at once."""
    gina = chatters()
    gina.join("Gina_35", 31, gender="f", department="35")
    hugo = chatters()
    hugo.join("Hugo_35", 33, gender="m", department="35")
    for who in (gina, hugo):
        who.enter_room("amitie")
    gina.say("own 1 mon numéro 06 12 34 56 78")
    gina.say("own 1 oups, pardon")
    hugo.wait_text("own 1 oups, pardon")
    page = gina.page
    message = page.locator(".msg", has_text="own 1 mon numéro")
    message.wait_for(timeout=TIMEOUT_MS)
    button = message.locator(".msg-menu-button")
    assert button.get_attribute("aria-label") == "Plus d'actions : mon message"
    button.focus()
    page.keyboard.press("Enter")
    menu = message.locator("[role=menu]")
    menu.wait_for()
    assert menu.locator("[role=menuitem]").all_inner_texts() == ["Supprimer mon message"]
    assert page.evaluate("document.activeElement.dataset.action") == "delete"
    page.screenshot(path=str(shots_dir / "own-message-menu.png"))
    page.keyboard.press("Enter")
    message.wait_for(state="detached", timeout=TIMEOUT_MS)
    hugo.page.locator(".msg", has_text="own 1 mon numéro").wait_for(
        state="detached", timeout=TIMEOUT_MS
    )
    assert "own 1 oups, pardon" in hugo.texts()
    page.locator(".notice", has_text="Message supprimé pour tout le monde.").wait_for()
    # Someone else's message has no delete in its menu.
    other = hugo.page.locator(".msg", has_text="own 1 oups, pardon")
    other.locator(".msg-menu-button").click()
    items = other.locator("[role=menuitem]").all_inner_texts()
    assert "Supprimer mon message" not in items
    for who in (gina, hugo):
        assert who.errors == [] and who.csp_violations == []


def test_see_download_and_erase_my_data(chatters: Any, shots_dir: Any) -> None:
    """Settings › Mes données: the JSON download and the readable page hold my data; the
    erasure asks first, then ends my session, takes my messages out of Jade's view, says
    what is kept and until when, and frees my pseudonym."""
    ines = chatters(locale="en-US")
    ines.join("Ines_29", 27, gender="f", department="29")
    jade = chatters()
    jade.join("Jade_29", 28, gender="f", department="29")
    for who in (ines, jade):
        who.enter_room("25-40")
    ines.say("own 2 hello from Ines")
    jade.wait_text("own 2 hello from Ines")

    page = ines.page
    page.click(".topbar button[aria-haspopup=dialog]")
    section = page.locator(".settings-dialog[open] .my-data")
    section.wait_for()
    json_link = section.locator("[data-action=data-json]")
    assert json_link.inner_text() == "Download (JSON)"
    with page.expect_download() as download:
        json_link.click()
    path = download.value.path()
    assert path is not None
    text = pathlib.Path(path).read_text(encoding="utf-8")
    assert '"pseudonym": "Ines_29"' in text and "own 2 hello from Ines" in text
    html_href = section.locator("[data-action=data-html]").get_attribute("href")
    readable = ines.context.new_page()
    readable.goto(html_href)
    assert readable.locator("h1").inner_text() == "My data on causette"
    assert "own 2 hello from Ines" in readable.locator("#messages").inner_text()
    readable.close()

    section.locator("[data-action=erase]").click()
    confirm = section.locator("[data-action=erase-confirm]")
    confirm.wait_for()
    assert section.locator("h3").inner_text() == "Delete my data?"
    # The safe answer has the focus: Enter by mistake does not erase anything.
    assert page.evaluate("document.activeElement.dataset.action") == "erase-cancel"
    page.screenshot(path=str(shots_dir / "own-data-erase-confirm.png"))
    confirm.click()
    section.locator("h3", has_text="Your data is deleted").wait_for(timeout=TIMEOUT_MS)
    kept = section.locator("[data-kept=connection_data]").inner_text()
    assert kept.startswith("Connection data (") and "LCEN" in kept and "until" in kept
    page.screenshot(path=str(shots_dir / "own-data-erased.png"))
    jade.page.locator(".msg", has_text="own 2 hello from Ines").wait_for(
        state="detached", timeout=TIMEOUT_MS
    )
    section.locator("[data-action=erase-done]").click()
    page.wait_for_selector("form.join-form", timeout=TIMEOUT_MS)
    # The name is free again, at once.
    other = chatters()
    other.join("Ines_29", 30, gender="f", department="29")
    for who in (ines, jade, other):
        assert who.errors == [] and who.csp_violations == []
