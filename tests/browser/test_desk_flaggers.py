"""The admin's trusted flaggers screen (DSA art. 22) of the console, in a real browser.

An admin registers a flagger (a field error first, then the real thing), copies the
credential shown once, the flagger files a report with it over HTTP, a moderator's queue
shows that report first with the flagger's name, the admin revokes the credential after a
confirmation and the next report is refused with ``flagger_revoked``. A moderator's console
has no admin tab and the server refuses them the flaggers' routes. The screen works in
English at 360 px without horizontal scroll.
"""

from __future__ import annotations

import json
import pathlib
import urllib.error
import urllib.request
from typing import Any

from tests.browser.conftest import create_moderator, desk_fetch
from tests.browser.test_desk_console import CONTRAST_PROBE


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"scroll width {width} > viewport {viewport}"


def _file_as_flagger(server_url: str, token: str) -> tuple[int, dict[str, Any]]:
    """What the flagger's own tooling sends: the public form with its bearer credential."""
    body = {
        "category": "spam",
        "target": {"pseudonym": "Vendeur_77", "room": "general"},
        "text": "Publicité pour des cryptomonnaies signalée par plusieurs personnes.",
        "good_faith": True,
    }
    request = urllib.request.Request(
        f"{server_url}/api/reports/flagger",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def test_an_admin_registers_and_revokes_a_trusted_flagger(
    consoles: Any, server_url: str, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "admin-flaggers", "admin")
    create_moderator(server_data_dir, "modo-flaggers", "moderator")
    console = consoles()
    console.login("admin-flaggers")
    page = console.page
    page.locator("nav.tabs a[data-tab=admin]").click()
    panel = page.locator("section[data-panel=flaggers]")
    panel.wait_for()
    # The server's refusal lands under the field it names.
    panel.locator("input[name=name]").fill("Association Écoute Jeunes")
    panel.locator("button[type=submit]").click()
    panel.locator(".field-error[data-field=contact]").wait_for()
    assert panel.locator(".field-error[data-field=contact]").inner_text()

    panel.locator("input[name=contact]").fill("signalements@ecoute.example")
    panel.locator("button[type=submit]").click()
    token_box = panel.locator("textarea.flagger-token")
    token_box.wait_for()
    token = token_box.input_value()
    assert len(token) >= 40
    assert "ne sera plus affiché" in panel.locator(".flaggers-status").inner_text()
    row = panel.locator("li.flagger", has_text="Association Écoute Jeunes")
    row.wait_for()
    assert row.get_attribute("data-active") == "true"
    page.screenshot(path=str(shots_dir / "desk-flaggers.png"), full_page=True)

    status, filed = _file_as_flagger(server_url, token)
    assert status == 201, filed
    moderator = consoles()
    moderator.login("modo-flaggers")
    first = moderator.page.locator("li.queue-item").first
    first.wait_for()
    assert first.get_attribute("data-id") == filed["report_id"]
    assert "Signaleur de confiance : Association Écoute Jeunes" in first.inner_text()
    assert moderator.page.locator("nav.tabs a[data-tab=admin]").count() == 0
    body = {"name": "Pas moi", "contact": "nope@example.org"}
    refused = desk_fetch(moderator.page, "POST", "/api/desk/flaggers", body)
    assert refused["status"] == 403 and refused["body"]["error"]["code"] == "forbidden"

    row.locator("button.flagger-revoke").click()
    assert "Association Écoute Jeunes" in row.locator(".confirm-question").inner_text()
    row.locator("button.confirm-yes").click()
    panel.locator("li.flagger[data-active=false]", has_text="Association Écoute Jeunes").wait_for()
    status, body = _file_as_flagger(server_url, token)
    assert (status, body["error"]["code"]) == (403, "flagger_revoked")
    assert not console.errors and not console.csp_violations
    assert not moderator.errors and not moderator.csp_violations


def test_the_flaggers_screen_in_english_at_360_px(
    consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "admin-flaggers-en", "admin")
    console = consoles(locale="en-US", width=360, height=740)
    console.login("admin-flaggers-en")
    page = console.page
    page.locator("nav.tabs a[data-tab=admin]").click()
    panel = page.locator("section[data-panel=flaggers]")
    panel.wait_for()
    assert panel.locator("h2").inner_text() == "Trusted flaggers (DSA art. 22)"
    panel.locator("input[name=name]").fill("Helpline With A Rather Long Name")
    panel.locator("input[name=contact]").fill("reports@helpline.example")
    panel.locator("button[type=submit]").click()
    panel.locator("textarea.flagger-token").wait_for()
    assert "will not be shown again" in panel.locator(".flaggers-status").inner_text()
    _no_horizontal_scroll(page)
    assert page.evaluate(CONTRAST_PROBE) == []
    page.screenshot(path=str(shots_dir / "desk-flaggers-360.png"), full_page=True)
    assert not console.errors and not console.csp_violations
