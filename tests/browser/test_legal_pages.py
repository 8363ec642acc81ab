"""The legal pages in the browser (issue 15 item 1): the join screen, the chat's settings and
the public report page link to the five pages, in the interface's language, and each link
opens its page; the pages render under the site's CSP. Screenshots of the pages go to
docs/screenshots/ with CAUSETTE_SCREENSHOTS=1."""

from __future__ import annotations

import pathlib
from typing import Any

from tests.browser.conftest import TIMEOUT_MS

PAGES = ["terms", "terms-teen", "privacy", "notice", "contact"]


def _links(page: Any, scope: str) -> dict[str, str]:
    links = page.locator(f"{scope} a[data-legal]")
    links.first.wait_for(timeout=TIMEOUT_MS)
    found: dict[str, str] = {}
    for i in range(links.count()):
        link = links.nth(i)
        found[link.get_attribute("data-legal") or ""] = link.get_attribute("href") or ""
    return found


def _opens(context: Any, page: Any, link: Any, title: str) -> Any:
    """Click a link that opens a new tab; the tab's page, loaded, with the heading."""
    with context.expect_page(timeout=TIMEOUT_MS) as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.locator("h1").inner_text() == title
    return tab


def test_join_chat_and_report_page_link_to_the_legal_pages(
    chatters: Any, shots_dir: pathlib.Path
) -> None:
    chatter = chatters(locale="fr-FR")
    page = chatter.page
    # The join screen.
    on_join = _links(page, ".join-legal")
    assert on_join == {p: f"/legal/{p}?lang=fr" for p in PAGES}
    page.screenshot(path=str(shots_dir / "legal-links-join.png"), full_page=True)
    # Below the form: the keyboard goes from the last field to « Entrer » without a detour.
    assert page.locator("form.join-form a").count() == 0
    tab = _opens(
        chatter.context,
        page,
        page.locator('.join-legal a[data-legal="privacy"]'),
        "Vos données personnelles",
    )
    assert tab.locator("td", has_text="jours, scellées").count() == 1
    tab.close()
    # The chat: in the settings dialog, in the language the chatter switched to.
    page.click(".lang-switch")
    page.wait_for_selector('html[lang="en"]')
    chatter.join("Legalia", 30)
    page.click('.top-actions button[aria-haspopup="dialog"]')
    in_settings = _links(page, ".settings-dialog .settings-legal")
    assert in_settings == {p: f"/legal/{p}?lang=en" for p in PAGES}
    page.screenshot(path=str(shots_dir / "legal-links-settings.png"))
    tab = _opens(
        chatter.context, page, page.locator('.settings-legal a[data-legal="terms"]'), "Terms of use"
    )
    assert tab.locator("#rule-3").inner_text() == "Rule 3"
    tab.close()
    # The public report page.
    visitor = chatters(open_page=False)
    visitor.page.goto("/report.html")
    on_report = _links(visitor.page, ".report-legal")
    assert on_report == {p: f"/legal/{p}?lang=fr" for p in PAGES}
    tab = _opens(
        visitor.context,
        visitor.page,
        visitor.page.locator('.report-legal a[data-legal="contact"]'),
        "Nous contacter",
    )
    tab.close()
    for someone in (chatter, visitor):
        assert someone.errors == [] and someone.csp_violations == []


def test_the_pages_render_under_the_csp(chatters: Any, shots_dir: pathlib.Path) -> None:
    reader = chatters(open_page=False)
    page = reader.page
    for lang in ("fr", "en"):
        for name in PAGES:
            page.goto(f"/legal/{name}?lang={lang}")
            page.wait_for_selector("main.legal-text h1")
            # The stylesheet applied (a CSP refusal would leave the default margins).
            assert page.evaluate(
                "getComputedStyle(document.querySelector('main')).borderRadius"
            ) == ("8px")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.evaluate("window.innerWidth")
            if lang == "fr" or name == "terms":
                page.screenshot(path=str(shots_dir / f"legal-{name}-{lang}.png"), full_page=True)
    # A rule's anchor, as a statement of reasons links to it.
    page.goto("/legal/terms-teen?lang=fr#rule-6")
    assert page.locator("#rule-6").inner_text() == "Règle 6"
    phone = chatters(open_page=False, width=360, height=740)
    phone.page.goto("/legal/privacy?lang=fr")
    phone.page.wait_for_selector("main.legal-text h1")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.page.screenshot(path=str(shots_dir / "legal-privacy-phone.png"), full_page=True)
    assert reader.csp_violations == [] and phone.csp_violations == []
