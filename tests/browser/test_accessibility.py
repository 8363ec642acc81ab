"""Issue 14, item 4: axe-core finds no critical or serious violation on the join, room,
private conversation, people, settings and report views, at 1280×800 and 360×740 (and at
360×740 in dark mode).

axe-core comes from the npm registry (installed on first use under
tests/browser/node_modules/, which git ignores). Without npm the test skips with the
reason, except with CI=true where it fails. The page's CSP forbids injected scripts: these
tests, and only these, run in a browser context that bypasses it (Playwright's bypass_csp).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
from typing import Any

import pytest
from tests.browser.conftest import TIMEOUT_MS

AXE_VERSION = "4.14.1"
AXE_DIR = pathlib.Path(__file__).resolve().parent / "node_modules" / ".causette-axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# (width, height, colour scheme): desktop and phone, and the phone in dark mode.
SIZES = {"desktop": (1280, 800, "light"), "phone": (360, 740, "light"), "dark": (360, 740, "dark")}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js, installed from the npm registry on first use."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is missing: axe-core cannot be installed from the npm registry")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                str(npm),
                "install",
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or not AXE_JS.exists():
            _unavailable(f"npm install axe-core@{AXE_VERSION} failed: {done.stderr[-500:]}")
    return AXE_JS.read_text()


def axe(page: Any, source: str) -> list[dict[str, Any]]:
    """The critical and serious violations on the page as it is now."""
    # A message fading in is not its final colour: measure once the motion is over.
    page.wait_for_function(
        "() => document.getAnimations().every((a) => a.playState !== 'running')",
        timeout=TIMEOUT_MS,
    )
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=source)
    results: dict[str, Any] = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
            }));
        }"""
    )
    return [v for v in results if v["impact"] in ("critical", "serious")]


@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_nothing_serious(chatters: Any, axe_source: str, size: str) -> None:
    width, height, scheme = SIZES[size]
    phone = width < 721
    found: dict[str, list[dict[str, Any]]] = {}

    me = chatters(width=width, height=height, bypass_csp=True, color_scheme=scheme)
    found["join"] = axe(me.page, axe_source)
    me.join(f"Axe_{size[:4]}", 30, gender="f", department="75")
    other = chatters()
    other.join(f"Ami_{size[:4]}", 32, gender="m", department="75")
    other.enter_room("general")
    me.enter_room("general")
    other.say("Bonjour, tout le monde")
    me.wait_text("Bonjour, tout le monde")
    me.say("Salut !")
    me.wait_text("Salut !")
    me.page.keyboard.press("Escape")
    found["room"] = axe(me.page, axe_source)

    if phone:
        me.page.click('.nav-button[data-view="people"]')
    me.wait_person(other.pseudonym)
    me.page.locator(".filters summary").click()
    found["people"] = axe(me.page, axe_source)
    me.page.locator(".filters summary").click()

    me.page.click(f'.person[data-pseudonym="{other.pseudonym}"] .person-button')
    me.page.locator(".user-dialog[open]").wait_for()
    found["person dialog"] = axe(me.page, axe_source)
    me.page.keyboard.press("Escape")

    me.page.click(".top-actions button[aria-haspopup=dialog]")
    me.page.locator(".settings-dialog[open]").wait_for()
    found["settings"] = axe(me.page, axe_source)
    me.page.keyboard.press("Escape")

    if phone:
        me.page.click('.nav-button[data-view="chat"]')
    msg = me.page.locator(".messages .msg", has_text="Bonjour, tout le monde")
    msg.locator("[data-action=report], .msg-menu-button").first.click()
    if me.page.locator(".msg-menu:not([hidden])").count():
        me.page.locator(".msg-menu:not([hidden]) [data-action=report]").click()
    me.page.locator(".report-dialog[open]").wait_for()
    found["report dialog"] = axe(me.page, axe_source)
    me.page.keyboard.press("Escape")

    # A private conversation, accepted.
    other.page.click(f'.person[data-pseudonym="{me.pseudonym}"] .person-button')
    other.page.click(".user-dialog button.primary")
    other.say("On discute en privé ?")
    request = me.page.locator(".request", has_text=other.pseudonym)
    if phone:
        me.page.click('.nav-button[data-view="rooms"]')
    request.wait_for(timeout=TIMEOUT_MS)
    found["pm request"] = axe(me.page, axe_source)
    request.get_by_role("button", name="Accepter").click()
    me.page.wait_for_selector('[role=tab][data-tab^="pm:"][aria-selected=true]')
    me.wait_text("On discute en privé ?")
    found["pm"] = axe(me.page, axe_source)

    public = chatters(
        width=width, height=height, bypass_csp=True, open_page=False, color_scheme=scheme
    )
    public.page.goto("/report.html")
    public.page.wait_for_selector("form")
    found["public report page"] = axe(public.page, axe_source)

    bad = {view: violations for view, violations in found.items() if violations}
    assert bad == {}, json.dumps(bad, indent=1, ensure_ascii=False)
