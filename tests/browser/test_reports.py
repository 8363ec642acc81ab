"""Reports in the browser (issue 6): any chatter reports a message or a chatter in two
clicks, sees the acknowledgement, and the report reaches the moderators' queue."""

from __future__ import annotations

import json
import pathlib
import re
import urllib.request
from typing import Any

ROOM = "general"


def _open_reports(server_url: str, token: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{server_url}/api/desk/reports", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200
        reports: list[dict[str, Any]] = json.load(answer)["reports"]
        return reports


def test_a_message_is_reported_as_harassment_in_two_clicks(
    chatters: Any, server_url: str, moderator_token: str, shots_dir: pathlib.Path
) -> None:
    """Brute insults everyone in Général; Clara reports the message: one click opens the
    dialog, a second on « Harcèlement » sends it; the moderators see exactly that report."""
    clara = chatters()
    clara.join("Clara_52", 29, gender="f", department="13")
    brute = chatters()
    brute.join("Brute_27", 31, gender="m", department="13")
    clara.enter_room(ROOM)
    brute.enter_room(ROOM)
    insult = "vous êtes tous des minables, dégagez"
    brute.say(insult)
    clara.wait_text(insult)
    brute.wait_text(insult)
    # No report action on my own messages; one on everyone else's.
    assert brute.page.locator(".messages .msg", has_text=insult).locator(".msg-report").count() == 0
    message = clara.page.locator(".messages .msg", has_text=insult)
    message_id = int(message.get_attribute("data-id") or "0")
    assert message_id > 0
    action = message.locator(".msg-report")
    assert action.inner_text() == "Signaler"
    assert action.get_attribute("tabindex") is None  # a real button, in the tab order

    action.click()  # click 1
    dialog = clara.page.locator("dialog.report-dialog[open]")
    dialog.wait_for()
    labels = dialog.locator(".report-categories button").all_inner_texts()
    assert labels == [
        "Mineur en danger / pédopiégeage",
        "Guet-apens / menace pour la sécurité",
        "Haine",
        "Harcèlement",
        "Spam",
        "Données personnelles",
        "Autre",
    ]
    assert insult in dialog.locator(".report-quote").inner_text()
    clara.page.screenshot(path=str(shots_dir / "report-dialog.png"))
    dialog.locator('button[data-category="harassment"]').click()  # click 2

    dialog.locator(".report-sent", has_text="Signalement envoyé aux modérateurs").wait_for()
    reference = dialog.locator(".report-id").inner_text()
    match = re.search(r":\s*(\S+)$", reference)
    assert match, reference
    report_id = match.group(1)
    clara.page.screenshot(path=str(shots_dir / "report-sent.png"))
    clara.page.keyboard.press("Escape")
    clara.page.wait_for_selector("dialog.report-dialog[open]", state="detached")

    about = [
        r
        for r in _open_reports(server_url, moderator_token)
        if r["channel"] == f"room:{ROOM}" and r["message_id"] == message_id
    ]
    assert len(about) == 1, about
    assert about[0]["category"] == "harassment"
    assert about[0]["id"] == report_id
    assert not brute.page.locator(".notice", has_text="Signalement").count()
    for who in (clara, brute):
        assert not who.errors, who.errors
        assert not who.csp_violations, who.csp_violations
