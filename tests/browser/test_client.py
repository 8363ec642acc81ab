"""The web client in a real Chromium against a real server: the scenarios of issue 3."""

from __future__ import annotations

import json
import pathlib
import urllib.request
from typing import Any

ADULT_ROOM = "general"
TEEN_ROOM = "ados-general"


def _head(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return {k.lower(): v for k, v in answer.headers.items()}


def test_security_headers_on_page_and_modules(server_url: str) -> None:
    """The page and its modules carry the strict CSP and hardening headers, with JS types."""
    page = _head(server_url + "/")
    csp = page["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert page["x-content-type-options"] == "nosniff"
    assert page["referrer-policy"] == "no-referrer"
    assert page["x-frame-options"] == "DENY"
    module = _head(server_url + "/static/js/main.js")
    assert module["content-type"].startswith("text/javascript")
    assert "content-security-policy" in module
    assert _head(server_url + "/static/css/app.css")["content-type"].startswith("text/css")


def test_two_chatters_talk_in_a_room(chatters: Any, shots_dir: pathlib.Path) -> None:
    """Two browsers join (one by keyboard only) and talk in a room, in French by default."""
    lea = chatters()
    assert lea.page.locator("form.join-form button[type=submit]").inner_text() == "Entrer"
    lea.page.screenshot(path=str(shots_dir / "join.png"), full_page=True)
    # Keyboard only: focus starts on the pseudonym field.
    kb = lea.page.keyboard
    kb.type("Lea_75")
    kb.press("Tab")
    kb.type("24")
    kb.press("Tab")
    kb.type("75")
    kb.press("Tab")
    kb.press("Space")  # the first gender radio
    kb.press("Tab")
    kb.press("Enter")
    lea.wait_online()
    lea.wait_living_room()
    lea.pseudonym = "Lea_75"

    marc = chatters()
    marc.join("Marc_29", 31, gender="m", department="29")
    lea.enter_room(ADULT_ROOM)
    marc.enter_room(ADULT_ROOM)
    lea.wait_person("Marc_29")
    marc.wait_person("Lea_75")

    lea.page.focus("#composer-input")
    kb.type("Salut tout le monde")
    kb.press("Enter")
    marc.wait_text("Salut tout le monde")
    marc.say("Salut Léa, ça va ?")
    lea.wait_text("Salut Léa, ça va ?")
    assert lea.texts()[-2:] == ["Salut tout le monde", "Salut Léa, ça va ?"]
    assert marc.texts()[-2:] == ["Salut tout le monde", "Salut Léa, ça va ?"]
    first = marc.page.locator(".messages .msg", has_text="Salut tout le monde")
    sender = first.locator(".msg-from")
    assert sender.inner_text() == "Lea_75"
    # Others see age, gender and region, never the département.
    details = marc.page.locator('.person[data-pseudonym="Lea_75"] .person-details').inner_text()
    assert "24" in details and "Île-de-France" in details and "75" not in details.replace("24", "")
    lea.page.screenshot(path=str(shots_dir / "chat-desktop.png"))
    # The panes scroll on their own; the page itself never does.
    assert lea.page.evaluate("document.documentElement.scrollHeight") <= 800
    assert lea.page.evaluate("document.documentElement.scrollWidth") <= 1280
    for chatter in (lea, marc):
        assert chatter.errors == [] and chatter.csp_violations == [] and chatter.dialogs == []


def test_tabs_unread_counts_and_people_filters(chatters: Any) -> None:
    """Rooms open as tabs with unread counts; people filter by age range, gender and region."""
    ella = chatters()
    ella.join("Ella_35", 23, gender="f", department="35")
    noah = chatters()
    noah.join("Noah_59", 34, gender="m", department="59")
    for who in (ella, noah):
        who.enter_room("amitie")
    ella.wait_person("Noah_59")

    def shown() -> set[str]:
        names = ella.page.eval_on_selector_all(
            ".people-list .person", "els => els.map(e => e.dataset.pseudonym)"
        )
        return set(names)

    assert {"Ella_35", "Noah_59"} <= shown()
    filters = ella.page.locator(".filters")
    assert filters.get_attribute("open") is None  # folded by default, the people first
    filters.locator("summary").click()
    ella.page.select_option(".filters select >> nth=0", "m")
    assert "Noah_59" in shown() and "Ella_35" not in shown()
    ella.page.select_option(".filters select >> nth=0", "")
    ella.page.fill(".filters input[type=number] >> nth=0", "30")
    assert "Noah_59" in shown() and "Ella_35" not in shown()
    ella.page.fill(".filters input[type=number] >> nth=0", "")
    ella.page.fill(".filters input[type=number] >> nth=1", "25")
    assert "Ella_35" in shown() and "Noah_59" not in shown()
    ella.page.fill(".filters input[type=number] >> nth=1", "")
    ella.page.select_option(".filters select >> nth=1", "Hauts-de-France")
    assert "Noah_59" in shown() and "Ella_35" not in shown()
    ella.page.select_option(".filters select >> nth=1", "")

    tabs = ella.page.locator("[role=tab]").count()  # the living room and amitie
    ella.enter_room("musique")  # one more tab, now the active one
    assert ella.page.locator("[role=tab]").count() == tabs + 1
    noah.say("un")
    noah.say("deux")
    badge = ella.page.locator('[role=tab][data-tab="room:amitie"] .badge')
    badge.wait_for()
    ella.page.wait_for_function(
        "() => document.querySelector('[data-tab=\"room:amitie\"] .badge')?.textContent === '2'"
    )
    ella.page.click('[role=tab][data-tab="room:amitie"]')
    assert badge.count() == 0
    assert ella.texts()[-2:] == ["un", "deux"]


def test_pm_policy_nobody_refuses_requests(chatters: Any) -> None:
    """With the PM setting on "nobody", a request is refused and the sender is told."""
    calm = chatters()
    calm.join("Calme_22", 30, gender="x", department="22")
    eager = chatters()
    eager.join("Presse_22", 30, gender="m", department="22")
    for who in (calm, eager):
        who.enter_room("rencontres")
    calm.page.click(".top-actions button[aria-haspopup=dialog]")
    calm.page.get_by_label("Personne", exact=True).check()
    calm.page.locator(".notice", has_text="Réglage enregistré").wait_for()
    calm.page.keyboard.press("Escape")
    eager.wait_person("Calme_22")
    eager.page.click('.person[data-pseudonym="Calme_22"] button')
    eager.page.click(".user-dialog button.primary")
    eager.say("salut")
    eager.page.locator(".notice", has_text="n'accepte pas").wait_for()
    assert eager.page.locator("#composer-input").input_value() == "salut"  # kept, not lost
    calm.page.wait_for_timeout(300)
    assert calm.page.locator(".request").count() == 0
    for chatter in (calm, eager):
        assert chatter.errors == [] and chatter.csp_violations == [] and chatter.dialogs == []


def test_pm_request_accepted_and_answered(chatters: Any, shots_dir: pathlib.Path) -> None:
    """A private message is a request; once accepted, both sides can write."""
    zoe = chatters()
    zoe.join("Zoe_13", 27, gender="f", department="13")
    tom = chatters()
    tom.join("Tom_44", 29, gender="m", department="44")
    zoe.enter_room(ADULT_ROOM)
    tom.enter_room(ADULT_ROOM)
    tom.wait_person("Zoe_13")
    tom.page.click('.person[data-pseudonym="Zoe_13"] button')
    tom.page.click(".user-dialog button.primary")
    tom.page.wait_for_selector('[role=tab][data-tab="draft:Zoe_13"][aria-selected=true]')
    tom.say("Bonjour Zoé, on discute ?")
    tom.page.wait_for_selector('[role=tab][data-tab^="pm:"][aria-selected=true]')
    tom.wait_text("Bonjour Zoé, on discute ?")
    assert tom.page.locator("#composer-input").is_disabled()  # pending until accepted

    request = zoe.page.locator(".request", has_text="Tom_44")
    request.wait_for()
    assert "Bonjour Zoé, on discute ?" in request.inner_text()
    zoe.page.screenshot(path=str(shots_dir / "pm-request.png"))
    request.get_by_role("button", name="Accepter").click()
    zoe.page.wait_for_selector('[role=tab][data-tab^="pm:"][aria-selected=true]')
    zoe.wait_text("Bonjour Zoé, on discute ?")
    zoe.say("Avec plaisir !")
    tom.wait_text("Avec plaisir !")
    tom.page.wait_for_function("() => !document.querySelector('#composer-input').disabled")
    tom.say("Super")
    zoe.wait_text("Super")
    assert zoe.texts() == ["Bonjour Zoé, on discute ?", "Avec plaisir !", "Super"]
    zoe.page.screenshot(path=str(shots_dir / "pm.png"))
    assert tom.texts() == ["Bonjour Zoé, on discute ?", "Avec plaisir !", "Super"]


def test_blocked_chatter_disappears(chatters: Any) -> None:
    """Blocking someone removes them from the list and hides their messages, then and later."""
    ana = chatters()
    ana.join("Ana_69", 35, gender="f", department="69")
    relou = chatters()
    relou.join("Relou99", 40, gender="m", department="69")
    ana.enter_room(ADULT_ROOM)
    relou.enter_room(ADULT_ROOM)
    relou.say("message relou numéro un")
    ana.wait_text("message relou numéro un")

    ana.page.click('.person[data-pseudonym="Relou99"] button')
    ana.page.click(".user-dialog button.danger")
    ana.page.click(".user-dialog button.danger")  # confirm
    ana.page.wait_for_selector('.person[data-pseudonym="Relou99"]', state="detached")
    assert "message relou numéro un" not in ana.texts()

    relou.say("message relou numéro deux")
    relou.wait_text("message relou numéro deux")
    ana.say("après le blocage")  # posted after: once it shows, the other was filtered
    ana.wait_text("après le blocage")
    assert not any("relou" in text for text in ana.texts())
    assert ana.page.locator('.person[data-pseudonym="Relou99"]').count() == 0


def test_teen_and_adult_never_see_each_other(chatters: Any) -> None:
    """A teen and an adult see neither each other's rooms nor each other in any list."""
    teen = chatters()
    teen.join("Jade_16", 16, gender="f", department="33")
    adult = chatters()
    adult.join("Paul_45", 45, gender="m", department="33")
    teen.page.wait_for_selector(f'.room[data-slug="{TEEN_ROOM}"]')
    adult.page.wait_for_selector(f'.room[data-slug="{ADULT_ROOM}"]')
    teen_rooms = teen.page.eval_on_selector_all(".room", "els => els.map(e => e.dataset.slug)")
    adult_rooms = adult.page.eval_on_selector_all(".room", "els => els.map(e => e.dataset.slug)")
    assert ADULT_ROOM not in teen_rooms and TEEN_ROOM not in adult_rooms
    assert not set(teen_rooms) & set(adult_rooms)
    assert "ados" in teen.page.locator(".space").inner_text().lower()

    teen.enter_room(TEEN_ROOM)
    adult.enter_room(ADULT_ROOM)
    teen.say("coucou les ados")
    adult.say("bonsoir les adultes")
    teen.wait_text("coucou les ados")
    adult.wait_text("bonsoir les adultes")
    for who, other in ((teen, "Paul_45"), (adult, "Jade_16")):
        names = who.page.eval_on_selector_all(".person", "els => els.map(e => e.dataset.pseudonym)")
        assert other not in names
        assert other not in who.page.inner_text("body")
    assert "bonsoir" not in " ".join(teen.texts())
    assert "ados" not in " ".join(adult.texts())


def test_network_cut_and_restored_shows_missed_messages_once(chatters: Any) -> None:
    """After an offline spell the page resumes and shows every missed message once, in order."""
    eve = chatters()
    eve.join("Eve_31", 26, gender="f", department="31")
    sam = chatters()
    sam.join("Sam_31", 28, gender="m", department="31")
    eve.enter_room(ADULT_ROOM)
    sam.enter_room(ADULT_ROOM)
    sam.say("avant la coupure")
    eve.wait_text("avant la coupure")

    eve.context.set_offline(True)
    eve.page.wait_for_selector('.chat-screen:not([data-conn="online"])')
    eve.page.locator(".conn", has_text="Hors ligne").wait_for()
    assert eve.page.locator("#composer-input").is_disabled()
    missed = [f"pendant la coupure {i}" for i in range(1, 6)]
    for text in missed:
        sam.say(text)
        sam.wait_text(text)
    eve.page.wait_for_timeout(300)
    assert not any(text in eve.texts() for text in missed)  # really cut off

    eve.context.set_offline(False)
    eve.wait_online()
    eve.wait_text(missed[-1])
    sam.say("après la coupure")
    eve.wait_text("après la coupure")
    texts = [t for t in eve.texts() if "coupure" in t]
    assert texts == ["avant la coupure", *missed, "après la coupure"]


XSS_PAYLOADS = [
    "<script>window.__pwned=1</script>",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=window.__pwned=2>",
    "<img src=x onerror=alert(2)>",
    '<img src="javascript:alert(3)">',
    "<svg onload=window.__pwned=4>",
    "<svg><script>alert(5)</script></svg>",
    "<svg/onload=alert(6)>",
    "<body onload=alert(7)>",
    '<iframe src="javascript:alert(8)"></iframe>',
    "<iframe srcdoc='<script>parent.__pwned=9</script>'>",
    '<a href="javascript:alert(10)">clic</a>',
    '<a href="JaVaScRiPt:window.__pwned=11">x</a>',
    "<div onmouseover=alert(12)>survol</div>",
    "<input autofocus onfocus=alert(13)>",
    "<details open ontoggle=alert(14)>",
    "<video><source onerror=alert(15)></video>",
    "<audio src=x onerror=alert(16)>",
    "<marquee onstart=alert(17)>",
    "<object data=javascript:alert(18)>",
    "<embed src=javascript:alert(19)>",
    '<math><a xlink:href="javascript:alert(20)">m</a></math>',
    '"><script>alert(21)</script>',
    "'><img src=x onerror=alert(22)>",
    "</textarea><script>alert(23)</script>",
    "<style>@import 'javascript:alert(24)';</style>",
    '<link rel=stylesheet href="javascript:alert(25)">',
    "<meta http-equiv=refresh content='0;url=javascript:alert(26)'>",
    "<form action=javascript:alert(27)><button>go</button></form>",
    "<img src=x:y onerror=&#97;lert(28)>",
    "<scr<script>ipt>alert(29)</scr</script>ipt>",
    "<<img src=x onerror=alert(30)//<",
    "javascript:/*--></title></style></textarea></script><svg/onload=alert(31)>",
    "{{constructor.constructor('alert(32)')()}}",
    "<img src=`x`onerror=alert(33)>",
    "<!--<img src=--><img src=x onerror=alert(34)//-->",
    "<base href=javascript:alert(35)//>",
]


def test_xss_payloads_are_shown_as_text_and_run_nothing(chatters: Any) -> None:
    """Messages made of 35+ classic XSS payloads display literally and execute nothing."""
    assert len(XSS_PAYLOADS) >= 30
    mallory = chatters()
    mallory.join("Mallory", 33, gender="x", department="hors")
    victim = chatters()
    victim.join("Victime", 30, gender="f", department="59")
    mallory.enter_room(ADULT_ROOM)
    victim.enter_room(ADULT_ROOM)
    # One payload per message: packed together, a wall of `javascript:` links reads as spam
    # to the safety engine and is held (its job; this test is about rendering).
    batches = list(XSS_PAYLOADS)
    for text in batches:
        mallory.say(text)
    victim.page.wait_for_function(
        "n => document.querySelectorAll('.messages .msg-text').length >= n", arg=len(batches)
    )
    victim.page.wait_for_timeout(500)  # time for any handler to fire
    for who in (victim, mallory):
        shown = who.texts()
        for text in batches:
            assert shown.count(text) == 1
        assert who.page.evaluate("window.__pwned") is None
        assert who.dialogs == []
        injected = who.page.locator(
            ".messages script, .messages img, .messages svg, .messages iframe, "
            ".messages a, .messages object, .messages embed, .messages input"
        )
        assert injected.count() == 0
        assert who.errors == []


def test_phone_layout_has_no_horizontal_scroll(chatters: Any, shots_dir: pathlib.Path) -> None:
    """At 360×740 every screen fits the width and the panes become tabs."""
    phone = chatters(width=360, height=740)
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.page.screenshot(path=str(shots_dir / "join-phone.png"), full_page=True)
    phone.join("Nina_06", 22, gender="f", department="06")
    other = chatters()
    other.join("Hugo_06", 25, gender="m", department="06")
    other.enter_room(ADULT_ROOM)
    phone.page.click('.nav-button[data-view="rooms"]')
    phone.enter_room(ADULT_ROOM)
    assert phone.page.locator(".conv-pane").is_visible()
    assert not phone.page.locator(".rooms-pane").is_visible()
    other.say("x" * 300)
    other.say("Bienvenue Nina, " + "très " * 40)
    phone.wait_text("Bienvenue Nina")
    phone.say("Merci !")
    phone.wait_text("Merci !")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.page.screenshot(path=str(shots_dir / "chat-phone.png"))
    panes = {"rooms": ".rooms-pane", "chat": ".conv-pane", "people": ".people-pane"}
    for view in ("people", "rooms", "chat"):
        phone.page.click(f'.nav-button[data-view="{view}"]')
        assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
        visible = [name for name, sel in panes.items() if phone.page.locator(sel).is_visible()]
        assert visible == [view]  # one pane at a time
        assert phone.page.evaluate("document.documentElement.scrollHeight") <= 740
    phone.page.click('.nav-button[data-view="people"]')
    phone.wait_person("Hugo_06")
    assert phone.page.locator(".people-pane").is_visible()
    phone.page.screenshot(path=str(shots_dir / "people-phone.png"))


def test_under_15_is_refused_and_english_follows_the_browser(
    sized: Any, size: str, shots_dir: pathlib.Path
) -> None:
    """An English browser gets English; a 14-year-old is refused with an explanation, on a
    desktop and on a phone."""
    kid = sized(locale="en-GB")
    page = kid.page
    assert page.locator("form.join-form button[type=submit]").inner_text() == "Enter"
    page.fill("input[name=pseudonym]", "Kid_14")
    page.fill("input[name=age]", "14")
    page.check("input[name=gender][value=x]")
    page.select_option("select[name=department]", "75")
    page.click("form.join-form button[type=submit]")
    # Not a red error: a kind explanation that replaces the form, with where to find help.
    screen = page.locator(".too-young")
    screen.wait_for()
    assert "15" in page.locator("h1").inner_text()
    assert page.locator("form.join-form").count() == 0
    assert page.locator(".form-error").count() == 0
    assert page.locator(".chat-screen").count() == 0
    assert page.evaluate("document.activeElement.id") == "too-young-title"
    links = screen.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links == ["tel:3018", "https://3018.fr", "https://e-enfance.org"]
    page.click(".lang-switch")
    assert page.locator(".too-young h1").inner_text() == "causette, c'est à partir de 15 ans"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    for link in screen.locator("a").all():  # touch targets on a phone, as everywhere
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44 - 0.5, link.inner_text()
    shot = "under-15.png" if size == "desktop" else "under-15-phone.png"
    page.screenshot(path=str(shots_dir / shot), full_page=True)
    assert page.get_by_role("link", name="Appeler le 3018").get_attribute("href") == "tel:3018"
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert kid.errors == [] and kid.csp_violations == []
    # The server refused and remembers this browser: the same form sent again as 18 is
    # refused kindly too (issue 13, item 13), not let in.
    page.reload()
    page.fill("input[name=pseudonym]", "Kid_18")
    page.fill("input[name=age]", "18")
    page.check("input[name=gender][value=x]")
    page.select_option("select[name=department]", "75")
    page.click("form.join-form button[type=submit]")
    page.locator(".form-error").filter(has_text="3018").wait_for()
    assert page.locator(".chat-screen").count() == 0


def test_reload_keeps_the_session_and_the_conversation(chatters: Any, server_url: str) -> None:
    """Reloading the page resumes the session: same rooms, history back, nothing doubled."""
    ines = chatters()
    ines.join("Ines_67", 38, gender="f", department="67")
    ines.enter_room(ADULT_ROOM)
    ines.say("avant le rechargement")
    ines.wait_text("avant le rechargement")
    ines.page.reload()
    ines.wait_online()
    ines.page.wait_for_selector(f'[role=tab][data-tab="room:{ADULT_ROOM}"]')
    ines.wait_text("avant le rechargement")
    assert ines.texts().count("avant le rechargement") == 1
    with urllib.request.urlopen(server_url + "/api/meta", timeout=5) as answer:
        assert json.load(answer)["pow_difficulty"] == 8


def test_second_tab_takes_over_and_logout_ends_the_session(chatters: Any) -> None:
    """A second tab of the same session takes over (the first says so); leaving ends it."""
    first = chatters()
    first.join("Onglet_1", 44, gender="m", department="21")
    second_page = first.context.new_page()
    second_page.goto("/")
    second_page.wait_for_selector('.chat-screen[data-conn="online"]')
    first.page.wait_for_selector('.chat-screen[data-conn="elsewhere"]')
    assert "autre onglet" in first.page.locator(".conn").inner_text()
    first.page.wait_for_timeout(1500)  # no automatic reconnection fight
    assert first.page.get_attribute(".chat-screen", "data-conn") == "elsewhere"
    assert second_page.get_attribute(".chat-screen", "data-conn") == "online"
    first.page.get_by_role("button", name="Reprendre ici").click()
    first.wait_online()
    second_page.wait_for_selector('.chat-screen[data-conn="elsewhere"]')

    first.page.get_by_role("button", name="Quitter", exact=True).click()
    first.page.wait_for_selector("form.join-form")
    answer = first.page.evaluate(
        "fetch('/api/session').then(async r => [r.status, await r.json()])"
    )
    assert answer == [200, {"me": None}]  # no session is an answer, not an error


def test_scrolling_up_loads_older_messages(chatters: Any) -> None:
    """A room shows its last 50 messages on join; scrolling to the top brings the older ones."""
    poster = chatters()
    poster.join("Bavard_80", 50, gender="m", department="80")
    poster.enter_room("40-plus")
    texts = [f"message ancien {i:02d}" for i in range(1, 61)]
    for text in texts:
        poster.say(text)
    poster.wait_text(texts[-1])
    reader = chatters()
    reader.join("Lecteur80", 52, gender="f", department="80")
    reader.enter_room("40-plus")
    reader.wait_text(texts[-1])
    assert reader.texts() == texts[-50:]
    reader.page.eval_on_selector(".messages", "el => { el.scrollTop = 0; }")
    reader.wait_text(texts[0])
    assert reader.texts() == texts


CONTRAST_JS = """
selectors => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel)) {
      if (!el.offsetParent || el.disabled) continue;
      const fg = lum(parse(getComputedStyle(el).color).slice(0, 3));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      out.push([sel, Math.round(ratio * 100) / 100]);
    }
  }
  return out;
}
"""


def test_text_contrast_meets_wcag_aa(chatters: Any) -> None:
    """Every kind of text on the join and chat screens has a contrast ratio of 4.5:1 or more."""
    page = chatters().page
    join_selectors = ["h1", "label", ".hint", ".visible-note", ".rules", "button", ".brand"]
    chat_selectors = [
        ".brand",
        ".me-name",
        ".me-details",
        ".space",
        ".conn-text",
        ".top-actions button",
        ".rooms-pane h2",
        ".room-name",
        ".count",
        ".tab",
        ".conv-title",
        ".conv-subtitle",
        ".msg-time",
        ".msg-from",
        ".msg-text",
        ".composer button",
        ".person-name",
        ".person-details",
        ".people-count",
        ".filters summary",
        ".filters label",
    ]
    ratios = page.evaluate(CONTRAST_JS, join_selectors)
    chatter = chatters()
    chatter.join("Contraste", 30, gender="f", department="75")
    chatter.enter_room(ADULT_ROOM)
    chatter.say("lisible")
    chatter.wait_text("lisible")
    ratios += chatter.page.evaluate(CONTRAST_JS, chat_selectors)
    checked = {selector for selector, _ in ratios}
    assert {".msg-time", ".person-details", ".hint", ".count"} <= checked
    low = [(selector, ratio) for selector, ratio in ratios if ratio < 4.5]
    assert low == []


def test_request_blocked_then_unblocked_from_settings(chatters: Any) -> None:
    """Blocking a PM request hides the requester; unblocking in the settings brings them back."""
    rose = chatters()
    rose.join("Rose_64", 36, gender="f", department="64")
    lourd = chatters()
    lourd.join("Lourd_64", 41, gender="m", department="64")
    for who in (rose, lourd):
        who.enter_room("25-40")
    lourd.wait_person("Rose_64")
    lourd.page.click('.person[data-pseudonym="Rose_64"] button')
    lourd.page.click(".user-dialog button.primary")
    lourd.say("t'habites où exactement ?")
    request = rose.page.locator(".request", has_text="Lourd_64")
    request.get_by_role("button", name="Bloquer").click()
    request.wait_for(state="detached")
    rose.page.wait_for_selector('.person[data-pseudonym="Lourd_64"]', state="detached")

    rose.page.click(".top-actions button[aria-haspopup=dialog]")
    blocked = rose.page.locator(".blocked-list li", has_text="Lourd_64")
    blocked.wait_for()
    blocked.get_by_role("button").click()
    rose.wait_person("Lourd_64")
