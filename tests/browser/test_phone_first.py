"""Issue 14, item 3: phone-first. Touch targets of 44 px, dark mode following the system,
reduced motion respected, installable as a web app with an offline page."""

from __future__ import annotations

import json
import pathlib
import urllib.request
from typing import Any

from tests.browser.conftest import SIZES, TIMEOUT_MS

ADULT_ROOM = "general"

# Every visible control of the page smaller than 44×44 (CSS px): [what, width, height].
SMALL_TARGETS_JS = """
() => {
  const out = [];
  const seen = new Set();
  for (const el of document.querySelectorAll(
      'button, a[href], input, select, summary, [role=tab], [role=menuitem]')) {
    if (seen.has(el)) continue;
    seen.add(el);
    // A radio or checkbox counts with its label (the whole row is the target).
    let box = el.getBoundingClientRect();
    if (el.matches('input[type=radio], input[type=checkbox]')) {
      const row = el.closest('.radio') || el.parentElement;
      box = row.getBoundingClientRect();
    }
    if (!box.width || !box.height) continue;  // not displayed
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden]')) continue;
    if (el.closest('.sr-only, .skip')) continue;
    if (box.width < 44 - 0.5 || box.height < 44 - 0.5) {
      const name = (el.getAttribute('aria-label') || el.textContent || el.name || el.className)
        .trim().slice(0, 30);
      out.push([el.tagName.toLowerCase() + ' ' + name, Math.round(box.width),
                Math.round(box.height)]);
    }
  }
  return out;
}
"""


def test_phone_touch_targets_are_44px(chatters: Any, shots_dir: pathlib.Path) -> None:
    """At 360×740 the join form, the room view with messages, a PM request, the people and
    the rooms views and the settings have no control smaller than 44×44."""
    phone = chatters(width=360, height=740)
    small = {"join": phone.page.evaluate(SMALL_TARGETS_JS)}
    phone.join("Pouce_06", 26, gender="f", department="06")
    other = chatters()
    other.join("Index_06", 27, gender="m", department="06")
    other.enter_room(ADULT_ROOM)
    phone.enter_room(ADULT_ROOM)
    other.say("Coucou depuis un ordinateur")
    phone.wait_text("Coucou depuis un ordinateur")
    phone.say("Coucou depuis un téléphone")
    phone.wait_text("Coucou depuis un téléphone")
    # The people present, one tap away from the conversation.
    here = phone.page.locator(".head-people")
    phone.page.wait_for_function(
        "() => parseInt(document.querySelector('.head-people').textContent) >= 2",
        timeout=TIMEOUT_MS,
    )
    assert here.inner_text().endswith(" personnes ici")
    assert here.is_visible()
    small["room"] = phone.page.evaluate(SMALL_TARGETS_JS)
    other.wait_person(phone.pseudonym)
    other.page.click(f'.person[data-pseudonym="{phone.pseudonym}"] .person-button')
    other.page.click(".user-dialog button.primary")
    other.say("Une question en privé ?")
    tab = phone.page.locator("[role=tab].pending", has_text=other.pseudonym)
    tab.click()
    phone.page.locator(".conv-banner button.primary").wait_for()
    small["pm request"] = phone.page.evaluate(SMALL_TARGETS_JS)
    phone.page.click('.nav-button[data-view="chat"]')
    phone.page.click('[role=tab][data-tab="room:general"]')
    here.click()
    # The people view, from the room's head.
    phone.page.wait_for_selector('.chat-screen[data-view="people"]')
    phone.page.locator(f'.person[data-pseudonym="{other.pseudonym}"]').wait_for()
    for view in ("people", "rooms"):
        phone.page.click(f'.nav-button[data-view="{view}"]')
        small[view] = phone.page.evaluate(SMALL_TARGETS_JS)
    # The settings: the policy radios and the sound switch, each a whole 44 px row.
    phone.page.click(".top-actions button[aria-haspopup=dialog]")
    phone.page.get_by_role("switch", name="Son pour les demandes de message privé").wait_for()
    small["settings"] = phone.page.evaluate(SMALL_TARGETS_JS)
    phone.page.screenshot(path=str(shots_dir / "settings-phone.png"))
    assert {view: found for view, found in small.items() if found} == {}


def test_dark_mode_follows_the_system_and_motion_can_be_reduced(
    browser: Any, server_url: str, shots_dir: pathlib.Path, size: str
) -> None:
    """prefers-color-scheme: dark gives a dark page; prefers-reduced-motion: no animation;
    on a desktop and on a phone."""
    width, height = SIZES[size]
    looks = {}
    for scheme, motion in (("light", "no-preference"), ("dark", "reduce")):
        context = browser.new_context(
            locale="fr-FR",
            base_url=server_url,
            color_scheme=scheme,
            reduced_motion=motion,
            viewport={"width": width, "height": height},
        )
        try:
            page = context.new_page()
            page.goto("/")
            page.wait_for_selector("form.join-form", timeout=TIMEOUT_MS)
            page.fill("input[name=pseudonym]", f"Nuit_{scheme[:3]}_{size[0]}")
            page.fill("input[name=age]", "40")
            page.check("input[name=gender][value=x]")
            page.select_option("select[name=department]", "29")
            page.click("form.join-form button[type=submit]")
            page.wait_for_selector("[role=tab][aria-selected=true]", timeout=TIMEOUT_MS)
            page.fill("#composer-input", f"bonsoir en {scheme} ({size})")
            page.press("#composer-input", "Enter")
            page.locator(".messages .msg-text", has_text=f"bonsoir en {scheme} ({size})").wait_for(
                timeout=TIMEOUT_MS
            )
            suffix = "" if size == "desktop" else "-phone"
            page.screenshot(path=str(shots_dir / f"chat-{scheme}{suffix}.png"))
            looks[scheme] = page.evaluate(
                """() => {
                    const lum = (c) => {
                      const [r, g, b] = (c.match(/[\\d.]+/g) || []).map(Number);
                      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
                    };
                    const last = [...document.querySelectorAll('.msg-list > .msg')].pop();
                    return {
                      body: lum(getComputedStyle(document.body).backgroundColor),
                      ink: lum(getComputedStyle(document.body).color),
                      animation: getComputedStyle(last).animationName,
                    };
                }"""
            )
        finally:
            context.close()
    assert looks["light"]["body"] > 200 and looks["light"]["ink"] < 60
    assert looks["dark"]["body"] < 40 and looks["dark"]["ink"] > 200
    assert looks["light"]["animation"] == "msg-in"
    assert looks["dark"]["animation"] == "none"  # reduced motion: nothing moves


def test_installable_with_an_offline_page(browser: Any, server_url: str, size: str) -> None:
    """A manifest with 192 and 512 px icons, a service worker, and an offline page that says
    so when the network is gone (no push notifications), on a desktop and on a phone."""
    width, height = SIZES[size]
    with urllib.request.urlopen(server_url + "/static/manifest.webmanifest", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("application/manifest+json")
        manifest = json.load(r)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        with urllib.request.urlopen(server_url + icon["src"], timeout=5) as r:
            assert r.status == 200 and r.headers["Content-Type"] == icon["type"]
    with urllib.request.urlopen(server_url + "/sw.js", timeout=5) as r:
        script = r.read().decode()
    assert '"push"' not in script and "showNotification" not in script  # no push

    context = browser.new_context(
        locale="fr-FR", base_url=server_url, viewport={"width": width, "height": height}
    )
    try:
        page = context.new_page()
        page.goto("/")
        page.wait_for_selector("form.join-form", timeout=TIMEOUT_MS)
        assert (
            page.evaluate("() => document.querySelector('link[rel=manifest]').getAttribute('href')")
            == "/static/manifest.webmanifest"
        )
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        # The worker controls the page after a reload; then the network goes away.
        page.reload()
        page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS
        )
        context.set_offline(True)
        page.reload()
        page.get_by_role("heading", name="Vous êtes hors ligne").wait_for(timeout=TIMEOUT_MS)
        retry = page.get_by_role("link", name="Réessayer")
        assert retry.get_attribute("href") == "/"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = retry.bounding_box()
        assert box is not None and box["height"] >= 44 - 0.5
        context.set_offline(False)
        page.get_by_role("link", name="Réessayer").click()
        page.wait_for_selector("form.join-form", timeout=TIMEOUT_MS)
    finally:
        context.close()
