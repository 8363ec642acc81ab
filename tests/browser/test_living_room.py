"""Issue 14: a chat people want to stay in. A first visit without errors, history on a
fresh page, straight into a living room."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import TIMEOUT_MS

ADULT_ROOM = "general"


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


def test_a_fresh_page_shows_the_recent_history_of_joined_rooms(chatters: Any) -> None:
    """A new tab of a live session (no last ids in its storage) fills its rooms' history."""
    reader = chatters()
    reader.join("Frais_01", 33, gender="f", department="01")
    reader.enter_room("amitie")
    writer = chatters()
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
