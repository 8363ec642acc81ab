"""The public report page in the browser (DSA art. 16): a visitor who is not in the chat
files a report in French with the keyboard only, sees the acknowledgement, opens the follow
link and reads « en cours d'examen »; once a moderator's decision is in the database, the
same link shows it. The page fits a 360 px screen without horizontal scrolling."""

from __future__ import annotations

import json
import pathlib
import re
import sqlite3
import time
import urllib.request
from typing import Any

DESCRIPTION = "Il insulte et menace les gens du salon Général depuis une heure."


def _set_outcome(data_dir: pathlib.Path, report_id: str) -> None:
    """What the moderators' console writes when it decides the report."""
    with sqlite3.connect(data_dir / "causette.db", timeout=10) as db:
        db.execute(
            "UPDATE reports SET status = 'decided', outcome = 'ban', outcome_text = ?, "
            "decided_at = ?, decided_by = 'browser-modo' WHERE id = ?",
            ("Menaces répétées : compte suspendu.", time.time(), report_id),
        )


def _queue(server_url: str, token: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{server_url}/api/desk/reports", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        reports: list[dict[str, Any]] = json.load(answer)["reports"]
        return reports


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"scroll width {width} > viewport {viewport}"


def _focused(page: Any) -> str:
    return str(
        page.evaluate(
            "() => { const e = document.activeElement; const name = e.name || e.className;"
            " return (name || e.tagName) + ':' + (e.value || e.textContent || '') }"
        )
    )


def test_a_visitor_reports_with_the_keyboard_and_follows_the_outcome(
    chatters: Any,
    server_url: str,
    server_data_dir: pathlib.Path,
    moderator_token: str,
    shots_dir: pathlib.Path,
) -> None:
    visitor = chatters(open_page=False)
    page = visitor.page
    page.goto("/report.html")
    page.wait_for_selector("form.public-report-form")
    assert page.locator("h1").inner_text() == "Signaler un contenu ou une personne"
    assert page.evaluate("document.documentElement.lang") == "fr"

    # Keyboard only, from the title the page focuses.
    keys = page.keyboard
    keys.press("Tab")
    assert _focused(page) == "category:grooming"
    for _ in range(3):
        keys.press("ArrowDown")  # ambush, hate, harassment
    assert page.locator("input[name=category][value=harassment]").is_checked()
    keys.press("Tab")
    assert _focused(page).startswith("target-pseudonym:")
    keys.type("Brute_27")
    keys.press("Tab")
    keys.type("général")
    keys.press("Tab")
    keys.type("hier soir vers 21 h")
    keys.press("Tab")  # the message reference stays empty
    keys.press("Tab")
    assert _focused(page).startswith("text:")
    keys.type(DESCRIPTION)
    keys.press("Tab")  # no e-mail
    keys.press("Tab")
    assert _focused(page).startswith("good_faith:")
    keys.press("Tab")
    assert _focused(page).startswith("primary:")
    # Sent without the statement of good faith: refused on the page, focus on the box.
    keys.press("Enter")
    page.locator(".form-error", has_text="déclaration de bonne foi").wait_for()
    assert _focused(page).startswith("good_faith:")
    page.screenshot(path=str(shots_dir / "public-report-form.png"), full_page=True)
    keys.press("Space")
    keys.press("Tab")
    keys.press("Enter")

    done = page.locator(".report-done")
    done.wait_for()
    assert done.locator("h1").inner_text() == "Signalement reçu"
    assert "transmis à l'équipe de modération" in done.locator(".report-sent").inner_text()
    match = re.search(r"Référence : (\w+)", done.locator(".report-id").inner_text())
    assert match
    report_id = match.group(1)
    href = done.locator("a.follow-link").get_attribute("href") or ""
    assert re.fullmatch(r"/report\.html#follow=[A-Za-z0-9_-]{20,64}", href), href
    assert href in done.locator(".follow-url").inner_text()
    page.screenshot(path=str(shots_dir / "public-report-sent.png"), full_page=True)

    # The moderators' queue has it, with what it points at.
    queued = [r for r in _queue(server_url, moderator_token) if r["id"] == report_id]
    assert len(queued) == 1
    assert queued[0]["category"] == "harassment"
    assert queued[0]["reporter_id"].startswith("public:")
    assert json.loads(queued[0]["target"]) == {
        "pseudonym": "Brute_27",
        "room": "général",
        "time": "hier soir vers 21 h",
    }
    assert queued[0]["text"] == DESCRIPTION

    # The follow link, with the keyboard: it comes right after the focused title.
    keys.press("Tab")
    assert _focused(page) == "follow-link:Suivre mon signalement"
    keys.press("Enter")
    status = page.locator(".follow-status dd.follow-status")
    status.wait_for()
    assert "en cours" in status.inner_text()
    assert page.locator("dd.follow-category").inner_text() == "Harcèlement"
    assert page.locator("dd.follow-outcome").count() == 0

    _set_outcome(server_data_dir, report_id)
    keys.press("Tab")
    assert _focused(page) == "refresh:Actualiser"
    keys.press("Enter")
    page.locator("dd.follow-status", has_text="traité").wait_for()
    assert page.locator("dd.follow-outcome").inner_text() == "L'accès de la personne a été suspendu"
    assert page.locator("dd.follow-outcome-text").inner_text() == (
        "Menaces répétées : compte suspendu."
    )
    page.screenshot(path=str(shots_dir / "public-report-outcome.png"), full_page=True)

    # The link alone, opened later on a phone, shows the same outcome and fits the screen.
    phone = chatters(width=360, height=740, open_page=False)
    phone.page.goto(href)
    phone.page.locator("dd.follow-status", has_text="traité").wait_for()
    _no_horizontal_scroll(phone.page)
    assert visitor.errors == [] and phone.errors == []
    assert visitor.csp_violations == [] and phone.csp_violations == []


def test_the_form_fits_360_px_and_speaks_english(chatters: Any, shots_dir: pathlib.Path) -> None:
    phone = chatters(locale="fr-FR", width=360, height=740, open_page=False)
    page = phone.page
    page.goto("/report.html")
    page.wait_for_selector("form.public-report-form")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots_dir / "public-report-360.png"), full_page=True)
    # Typed text survives switching the language.
    page.fill("textarea[name=text]", DESCRIPTION)
    page.click(".lang-switch")
    page.wait_for_selector("h1:has-text('Report content or a person')")
    assert page.locator("textarea[name=text]").input_value() == DESCRIPTION
    assert page.evaluate("document.documentElement.lang") == "en"
    _no_horizontal_scroll(page)
    # Nothing said about the target: refused on the page, focus on the first target field.
    page.check("input[name=category][value=spam]")
    page.check("input[name=good_faith]")
    page.click("form.public-report-form button[type=submit]")
    page.locator(".form-error", has_text="at least a pseudonym").wait_for()
    assert page.evaluate("document.activeElement.name") == "target-pseudonym"
    # An unknown follow token says so.
    page.goto("/report.html#follow=" + "x" * 32)
    page.locator(".form-error", has_text="matches no report").wait_for()
    assert phone.errors == [] and phone.csp_violations == []
