"""The moderation console (/desk/) in a real browser (issue 6).

The scenario end to end: a chatter reports another in the chat client, the report appears
live in a logged-in moderator's queue, the moderator bans the reported chatter by device,
the chatter gets the statement of reasons and appeals, the same moderator cannot decide
the appeal, a second moderator reverses it and the chatter can join again. Then: a wrong
password, a legal officer's console (no sanction buttons) and the console at 360 px.
"""

from __future__ import annotations

import contextlib
import json
import pathlib
from typing import Any

from tests.browser.conftest import TIMEOUT_MS, create_moderator, desk_fetch

ROOM = "general"

# Contrast ratio of every visible text against its effective background (WCAG formula).
CONTRAST_PROBE = """() => {
  const lum = (c) => {
    const [r, g, b] = c.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const rgba = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const el of document.querySelectorAll("body *")) {
    const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || Number(style.opacity) < 1) continue;
    const fg = lum(rgba(style.color).slice(0, 3));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const text = el.textContent.trim().slice(0, 30);
    if (ratio < 4.5) worst.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${text}"`);
  }
  return worst;
}"""


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"scroll width {width} > viewport {viewport}"


def _capture_frames(page: Any) -> list[dict[str, Any]]:
    """Every JSON frame the page's WebSockets receive, in order."""
    frames: list[dict[str, Any]] = []

    def on_socket(socket: Any) -> None:
        def on_frame(payload: Any) -> None:
            if isinstance(payload, str):
                with contextlib.suppress(ValueError):
                    frames.append(json.loads(payload))

        socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return frames


def page_join_refused(chatter: Any, pseudonym: str) -> None:
    """Fill the join form and see it refused with ``banned`` (the form stays, with why)."""
    page = chatter.page
    page.fill("input[name=pseudonym]", pseudonym)
    page.fill("input[name=age]", "31")
    page.check("input[name=gender][value=m]")
    page.select_option("select[name=department]", "69")
    with page.expect_response("**/api/join") as answer:
        page.click("form.join-form button[type=submit]")
    response = answer.value
    assert response.status == 403, response.status
    assert response.json()["error"]["code"] == "banned"
    page.locator(".form-error[role=alert]:not(:empty)").wait_for()
    assert page.locator(".chat-screen").count() == 0


def test_a_report_flows_live_to_a_ban_an_appeal_and_a_reversal(
    chatters: Any, consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "modo-alpha")
    create_moderator(server_data_dir, "modo-beta")

    # A moderator is at the console, live, before anything happens.
    alpha = consoles()
    alpha.login("modo-alpha")
    alpha.wait_live()
    page = alpha.page
    page.evaluate("window.__sameDocument = true")

    # Brute first used another pseudonym on the same browser (same device key).
    brute = chatters()
    brute_frames = _capture_frames(brute.page)
    brute.join("Brute_alt", 31, gender="m", department="69")
    brute.page.get_by_role("button", name="Quitter").first.click()
    brute.page.wait_for_selector("form.join-form")
    brute.join("Brute_27", 31, gender="m", department="69")
    clara = chatters()
    clara.join("Clara_34", 29, gender="f", department="69")
    for who in (clara, brute):
        who.enter_room(ROOM)
    # Rude enough to report, not enough for the engine to hold it before anyone sees it
    # ("personne ne veut de toi ici" is held as harassment by the learned layer).
    insult = "arrête de parler, t'es pénible"
    brute.say(insult)
    clara.wait_text(insult)

    # Two clicks in the chat: Signaler, then Harcèlement.
    message = clara.page.locator(".messages .msg", has_text=insult)
    message.locator(".msg-report").click()
    clara.page.locator('dialog.report-dialog[open] button[data-category="harassment"]').click()
    clara.page.locator(".report-sent").wait_for()

    # The report appears in the queue without a reload, marked new.
    item = page.locator(".queue-item.is-new", has_text="Brute_27")
    item.wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate("window.__sameDocument") is True
    assert item.get_attribute("data-kind") == "report"
    badges = item.locator(".badge").all_inner_texts()
    assert "Nouveau" in badges and "Signalement" in badges and "Harcèlement" in badges
    assert "1 nouveau" in page.locator("nav.tabs").inner_text()
    page.screenshot(path=str(shots_dir / "desk-queue-live.png"))

    # The case: the conversation with the reported message highlighted, the subject, and
    # the other pseudonym of the same device (a count and a link, never an IP).
    item.locator("a").click()
    case = page.locator("article.case")
    case.wait_for()
    assert page.locator(".queue-item.is-new").count() == 0  # opened: no longer new
    focus = case.locator(".conv-msg.is-focus")
    assert insult in focus.inner_text()
    assert "Brute_27" in case.locator(".profile").inner_text()
    assert "31 ans" in case.locator(".profile").inner_text()
    same = case.locator(".same-device-title").inner_text()
    assert same.startswith("1 autre"), same
    assert case.locator(".same-device a").all_inner_texts() == ["Brute_alt"]
    assert "127.0.0" not in case.inner_text()
    page.screenshot(path=str(shots_dir / "desk-case.png"), full_page=True)

    # Ban by device key, permanent: a rule and a reason are required.
    form = case.locator("form.action-form")
    form.locator("input[name=action][value=ban]").check()
    form.locator("button[type=submit]").click()
    assert form.locator(".action-status").inner_text() == "Choisissez la règle enfreinte."
    form.locator("select[name=rule]").select_option("harassment")
    form.locator("button[type=submit]").click()
    assert form.locator(".action-status").inner_text() == "Écrivez le motif."
    # Only invisible characters: the server refuses it (reason_required), the form says so.
    form.locator("textarea[name=reason]").fill("\u200b\u202e")
    form.locator("button[type=submit]").click()
    form.locator(".action-status[data-kind=error]", has_text="doit savoir pourquoi").wait_for()
    reason = "Insultes répétées envers une autre personne du salon."
    form.locator("textarea[name=reason]").fill(reason)
    form.locator("input[name=scope][value=device]").check()
    assert form.locator("select[name=duration]").input_value() == ""  # permanent
    form.locator("button[type=submit]").click()
    form.locator(".action-status[data-kind=ok]").wait_for()
    page.screenshot(path=str(shots_dir / "desk-banned.png"), full_page=True)
    page.locator(".queue-item", has_text="Brute_27").wait_for(state="detached")

    # The chatter gets the statement of reasons (DSA art. 17) on their connection.
    brute.page.wait_for_function(
        "() => !document.querySelector('.chat-screen[data-conn=\"online\"]')",
        timeout=TIMEOUT_MS,
    )
    statements = [f["statement"] for f in brute_frames if f.get("type") == "sanction"]
    assert statements, [f.get("type") for f in brute_frames]
    statement = statements[-1]
    assert statement["action"] == "ban" and statement["scope"] == "device"
    assert statement["rule"] == "harassment" and statement["reason"] == reason
    assert statement["automated"] is False and statement["appeal_token"]

    # Banned: the same browser cannot join, under any pseudonym.
    brute.page.get_by_role("button", name="Quitter").first.click()
    brute.page.wait_for_selector("form.join-form")
    page_join_refused(brute, "Brute_neuf")

    # The chatter appeals with the statement's token (no chat session needed).
    appeal_text = "Je me suis emporté, je ne recommencerai pas."
    filed = desk_fetch(
        brute.page,
        "POST",
        "/api/appeals",
        {"token": statement["appeal_token"], "text": appeal_text},
    )
    assert filed["status"] == 201, filed

    # The appeal reaches the queue live; the moderator who banned cannot decide it.
    appeal_item = page.locator(".queue-item[data-kind=appeal]", has_text="Brute_27")
    appeal_item.wait_for()
    page.locator("nav.tabs a[data-tab=appeals]").click()
    card = page.locator("article.appeal.appeal-open", has_text=appeal_text)
    card.wait_for()
    assert card.locator("button[data-decision]").count() == 0
    own = card.locator(".own-sanction").inner_text()
    assert "un autre modérateur doit trancher" in own
    page.screenshot(path=str(shots_dir / "desk-appeal-own.png"), full_page=True)
    appeal_id = card.get_attribute("data-id")
    refused = desk_fetch(
        page, "POST", f"/api/desk/appeals/{appeal_id}/decide", {"decision": "reverse", "text": "x"}
    )
    assert refused["status"] == 403 and refused["body"]["error"]["code"] == "same_moderator"

    # A second moderator reverses it with an explanation.
    beta = consoles()
    beta.login("modo-beta")
    beta.page.locator("nav.tabs a[data-tab=appeals]").click()
    card = beta.page.locator("article.appeal.appeal-open", has_text=appeal_text)
    card.locator("textarea[name=text]").fill("Premier écart : la sanction est levée.")
    card.locator("button[data-decision=reverse]").click()
    card.locator(".appeal-status[data-kind=ok]").wait_for()
    beta.page.screenshot(path=str(shots_dir / "desk-appeal-reversed.png"), full_page=True)
    # Gone from the first moderator's queue, live.
    page.locator("nav.tabs a[data-tab=queue]").click()
    page.locator(".queue-item[data-kind=appeal]", has_text="Brute_27").wait_for(state="detached")

    # The chatter can join again from the same browser.
    brute.join("Brute_27", 31, gender="m", department="69")
    for who in (alpha, beta, clara, brute):
        assert not who.errors, who.errors
        assert not who.csp_violations, who.csp_violations


def test_a_warning_reaches_the_chat_as_a_statement_and_its_appeal_the_queue(
    chatters: Any, consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    """A warning decided at the console shows in the warned chatter's chat as a statement
    of reasons; the chatter appeals from it and the appeal shows up live in the queue."""
    create_moderator(server_data_dir, "modo-gamma")
    kev = chatters()
    kev.join("Kev_warned", 27, gender="m", department="33")
    zoe = chatters()
    zoe.join("Zoe_33", 26, gender="f", department="33")
    for who in (kev, zoe):
        who.enter_room(ROOM)
    _report_person(zoe, "Kev_warned", "spam")
    console = consoles()
    console.login("modo-gamma")
    page = console.page
    page.locator(".queue-item", has_text="Kev_warned").locator("a").click()
    form = page.locator("article.case form.action-form")
    form.locator("input[name=action][value=warn]").check()
    form.locator("select[name=rule]").select_option("spam")
    reason = "Trop de messages identiques."
    form.locator("textarea[name=reason]").fill(reason)
    form.locator("button[type=submit]").click()
    form.locator(".action-status[data-kind=ok]").wait_for()

    statement = kev.page.locator(".sanction-statement", has_text=reason)
    statement.wait_for()
    statement.locator("button[data-action=appeal]").click()
    appeal_text = "Je partageais une annonce, une seule fois."
    statement.locator("form.appeal-form textarea").fill(appeal_text)
    statement.locator("form.appeal-form button[type=submit]").click()
    page.locator(".queue-item.is-new[data-kind=appeal]", has_text="Kev_warned").wait_for()
    kev.page.screenshot(path=str(shots_dir / "desk-chatter-statement.png"))
    page.locator("nav.tabs a[data-tab=appeals]").click()
    card = page.locator("article.appeal.appeal-open", has_text=appeal_text)
    card.wait_for()
    assert "Trop de messages identiques." in card.inner_text()
    assert card.locator(".own-sanction").count() == 1  # modo-gamma warned: not theirs
    for who in (kev, zoe, console):
        assert not who.errors, who.errors
        assert not who.csp_violations, who.csp_violations


def _report_person(reporter: Any, pseudonym: str, category: str) -> None:
    """Report a chatter from the people list: the person's Signaler, then the category."""
    person = reporter.page.locator(f'.person[data-pseudonym="{pseudonym}"]')
    person.wait_for()
    person.locator(".report-button").click()
    reporter.page.locator(f'dialog.report-dialog[open] button[data-category="{category}"]').click()
    reporter.page.locator(".report-sent").wait_for()
    reporter.page.keyboard.press("Escape")


def test_a_wrong_password_shows_the_error(
    consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "modo-typo")
    console = consoles()
    page = console.page
    answer = page.goto("/desk")  # redirected to /desk/, under the same strict CSP
    assert answer is not None and answer.url.endswith("/desk/")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    page.wait_for_selector("form.login-form")
    assert page.title() == "causette — modération"
    page.fill("input[name=name]", "modo-typo")
    page.fill("input[name=password]", "not the right password")
    page.press("input[name=password]", "Enter")
    error = page.locator(".login-error[role=alert]")
    error.wait_for()
    assert error.inner_text() == "Nom ou mot de passe incorrect."
    assert page.locator("input[name=password]").input_value() == ""
    assert page.locator("nav.tabs").count() == 0
    page.screenshot(path=str(shots_dir / "desk-login-failed.png"))
    console.login("modo-typo")  # the right password still works
    assert not console.errors and not console.csp_violations


def test_a_legal_officer_sees_no_sanction_buttons(
    chatters: Any, consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "juriste-une", "legal")
    # Something in the queue to (not) see.
    lina = chatters()
    lina.join("Lina_44", 44, gender="f", department="59")
    spam = chatters()
    spam.join("Spam_Bot", 30, gender="m", department="59")
    for who in (lina, spam):
        who.enter_room(ROOM)
    _report_person(lina, "Spam_Bot", "spam")

    console = consoles()
    console.login("juriste-une")
    page = console.page
    tabs = page.locator("nav.tabs a.tab").all_inner_texts()
    assert tabs == ["Juridique"]
    page.locator("section.legal-section").first.wait_for()
    assert page.locator("section.legal-section").count() == 3
    page.screenshot(path=str(shots_dir / "desk-legal.png"), full_page=True)
    for hash_ in ("#/queue", "#/appeals", "#/chatter/x"):
        page.evaluate(f"location.hash = '{hash_}'")
        page.locator("main .error[role=alert]").wait_for()
        assert page.locator("form.action-form").count() == 0
        assert page.locator(".queue-item").count() == 0
    body = page.locator("body").inner_text()
    for label in ("Bannir", "Avertir", "Expulser", "Rendre muet", "Classer sans suite"):
        assert label not in body
    # And the server refuses anyway.
    refused = desk_fetch(page, "POST", "/api/desk/actions", {"action": "warn"})
    assert refused["status"] == 403 and refused["body"]["error"]["code"] == "forbidden"
    assert desk_fetch(page, "GET", "/api/desk/queue")["status"] == 403
    assert not console.errors and not console.csp_violations


def test_the_console_at_360_px(
    chatters: Any, consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    """Readable and usable on a small phone: no horizontal scroll on the queue or a case,
    the keyboard focus visible, every text at least 4.5:1."""
    create_moderator(server_data_dir, "modo-mobile")
    nora = chatters()
    nora.join("Nora_25", 25, gender="f", department="31")
    pierre = chatters()
    pierre.join("Pierre_Tres_Long_N", 38, gender="m", department="31")
    for who in (nora, pierre):
        who.enter_room(ROOM)
    _report_person(nora, "Pierre_Tres_Long_N", "personal_data")

    console = consoles(width=360, height=740)
    console.login("modo-mobile")
    page = console.page
    item = page.locator(".queue-item", has_text="Pierre_Tres_Long_N")
    item.wait_for()
    _no_horizontal_scroll(page)
    assert page.evaluate(CONTRAST_PROBE) == []
    page.screenshot(path=str(shots_dir / "desk-360-queue.png"), full_page=True)

    # Keyboard: Tab reaches the item's link; the focus ring is visible; Enter opens it.
    link = item.locator("a")
    for _ in range(15):
        page.keyboard.press("Tab")
        if link.evaluate("(el) => el === document.activeElement"):
            break
    assert link.evaluate("(el) => el === document.activeElement")
    outline = link.evaluate("(el) => getComputedStyle(el).outline")
    assert "solid" in outline and "3px" in outline, outline
    page.keyboard.press("Enter")
    page.locator("article.case").wait_for()
    assert page.locator(".queue-pane").is_hidden()  # the case takes the whole width
    assert page.locator("a.back").is_visible()
    page.locator("form.action-form").wait_for()
    _no_horizontal_scroll(page)
    assert page.evaluate(CONTRAST_PROBE) == []
    page.screenshot(path=str(shots_dir / "desk-360-case.png"), full_page=True)
    page.locator("a.back").click()
    page.locator(".queue-pane").wait_for()
    assert not console.errors and not console.csp_violations
