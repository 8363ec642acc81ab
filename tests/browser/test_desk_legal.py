"""The legal officer's and the admin's screens of the console (/desk/), in a real browser.

A legal officer records a requisition for a chatter who posted (the server's refusals
shown by field), starts the export, watches it reach 100 % without a reload, downloads
the signed archive, which verifies with ``causette admin verify-export`` (the service's
key and the public key the page gives) and holds that chatter's messages only. A
moderator notifies the authorities from an ambush alert, copies the text, downloads the
JSON and marks it sent; a moderator has no requisitions. A legal officer releases a
preservation after a confirmation. An admin runs the purge (dry run first) and reads the
transparency figures. Everything usable at 360 px without horizontal scroll.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import subprocess
import sys
import zipfile
from typing import Any

from tests.browser.conftest import TIMEOUT_MS, create_moderator, desk_fetch
from tests.browser.test_desk_console import CONTRAST_PROBE

ROOM = "general"


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"scroll width {width} > viewport {viewport}"


def _verify_export(data_dir: pathlib.Path, archive: pathlib.Path, *extra: str) -> str:
    """``causette admin verify-export`` as the operator runs it; its output (it must pass)."""
    done = subprocess.run(
        [sys.executable, "-m", "causette", "admin", "verify-export", str(archive), *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "CAUSETTE_DATA_DIR": str(data_dir)},
        cwd=data_dir,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_requisition_is_recorded_exported_downloaded_and_verified(
    chatters: Any,
    consoles: Any,
    server_data_dir: pathlib.Path,
    shots_dir: pathlib.Path,
    tmp_path: pathlib.Path,
) -> None:
    create_moderator(server_data_dir, "juriste-req", "legal")
    ysee = chatters()
    ysee.join("Ysee_Req", 33, gender="f", department="13")
    other = chatters()
    other.join("Autre_Req", 40, gender="m", department="13")
    for who in (ysee, other):
        who.enter_room(ROOM)
    ysee.say("premier message de Ysee")
    ysee.say("second message de Ysee")
    other.say("un message de quelqu'un d'autre")
    other.wait_text("second message de Ysee")
    ysee.wait_text("un message de quelqu'un d'autre")

    console = consoles()
    console.login("juriste-req")
    console.wait_live()
    page = console.page
    assert page.locator("nav.tabs a.tab").all_inner_texts() == ["Juridique"]
    new = page.locator("section[data-list=requisitions] a", has_text="Enregistrer une réquisition")
    new.click()
    form = page.locator("form.req-form")
    form.wait_for()

    # The server checks; its refusals come back next to the field they name.
    form.locator("button[type=submit]").click()
    targets = form.locator(".field-error[data-field=targets]")
    targets.wait_for()
    assert "scope" in targets.inner_text()
    assert form.locator(".req-status[data-kind=error]").inner_text() == "Corrigez le champ signalé."
    form.locator("textarea[name=message_ids]").fill("pas un identifiant")
    form.locator("button[type=submit]").click()
    assert "salon#numéro" in form.locator(".field-error[data-field=message_ids]").inner_text()
    form.locator("textarea[name=message_ids]").fill("")
    form.locator("textarea[name=pseudonyms]").fill("Ysee_Req")
    form.locator("button[type=submit]").click()
    authority_error = form.locator(".field-error[data-field=authority]")
    authority_error.wait_for()
    assert "authority" in authority_error.inner_text()
    assert form.locator("input[name=authority]").get_attribute("aria-invalid") == "true"
    assert form.locator(".field-error[data-field=targets]").inner_text() == ""
    form.locator("input[name=authority]").fill("Tribunal judiciaire de Marseille")
    form.locator("input[name=reference]").fill("PV 2026/0815")
    form.locator("input[name=legal_basis]").fill("art. 60-1 CPP")
    page.screenshot(path=str(shots_dir / "desk-legal-requisition-form.png"), full_page=True)
    form.locator("button[type=submit]").click()

    # Its page: start the export, see the progress reach 100 % live, in the same document.
    export = page.locator("section.req-export")
    export.wait_for()
    assert page.locator("h1#view-title").inner_text() == "Réquisition PV 2026/0815"
    assert "Ysee_Req" in page.locator("dl.req-facts").inner_text()
    assert export.get_attribute("data-status") == "recorded"
    page.evaluate("window.__sameDocument = true")
    page.locator("button.req-start").click()
    page.locator("section.req-export[data-status=done]").wait_for(timeout=TIMEOUT_MS * 3)
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("progress.req-progress").evaluate("(el) => el.value") == 100
    assert page.locator(".req-percent").inner_text() == "100 %"
    done_status = page.locator(".req-export-status[data-kind=ok]").inner_text()
    assert done_status.startswith("Export terminé"), done_status
    page.screenshot(path=str(shots_dir / "desk-legal-requisition.png"), full_page=True)

    # Download the archive (a plain link: the desk cookie goes with it).
    with page.expect_download() as downloading:
        page.locator("a.req-download").click()
    download = downloading.value
    archive = tmp_path / download.suggested_filename
    download.save_as(archive)
    assert archive.name.startswith("requisition-") and archive.suffix == ".zip"
    shown_sha = page.locator("code.req-sha256").inner_text()
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == shown_sha
    assert "archive intact and signed" in _verify_export(server_data_dir, archive)

    # The public key the page gives verifies it too (as the authority would).
    page.locator("button.req-key-show").click()
    pem_box = page.locator("textarea.pem")
    pem_box.wait_for()
    assert pem_box.input_value().startswith("-----BEGIN PUBLIC KEY-----")
    with page.expect_download() as downloading:
        page.locator("button.req-key-download").click()
    key = tmp_path / "key.pem"
    downloading.value.save_as(key)
    assert key.read_text() == pem_box.input_value()
    _verify_export(server_data_dir, archive, "--public-key", str(key))

    # Exactly the scope: Ysee's messages, nobody else's.
    with zipfile.ZipFile(archive) as zf:
        messages = json.loads(zf.read("messages.json"))
        sessions = json.loads(zf.read("sessions.json"))
    assert {m["pseudonym"] for m in messages} == {"Ysee_Req"}
    assert {m["text"] for m in messages} == {"premier message de Ysee", "second message de Ysee"}
    assert {s["pseudonym"] for s in sessions} == {"Ysee_Req"}

    # Back on the list: the requisition is there, done, at 100 %.
    page.locator("a.back-link").click()
    item = page.locator(".req-item", has_text="PV 2026/0815")
    item.wait_for()
    assert item.get_attribute("data-status") == "done"
    assert "100 %" in item.inner_text()
    for who in (console, ysee, other):
        assert not who.errors, who.errors
        assert not who.csp_violations, who.csp_violations


def test_a_moderator_notifies_the_authorities_from_an_ambush_alert(
    chatters: Any,
    consoles: Any,
    server_data_dir: pathlib.Path,
    shots_dir: pathlib.Path,
    tmp_path: pathlib.Path,
) -> None:
    create_moderator(server_data_dir, "modo-urgence")
    marc = chatters()
    marc.join("Marc_Urg", 35, gender="m", department="67")
    kev = chatters()
    kev.join("Kev_Urg", 28, gender="m", department="67")
    for who in (marc, kev):
        who.enter_room(ROOM)
    # A plain message (the engine holds menacing ones): the report names the threat.
    threat_message = "salut, tu viens souvent dans ce salon ?"
    kev.say(threat_message)
    marc.wait_text(threat_message)
    message = marc.page.locator(".messages .msg", has_text=threat_message)
    message.locator(".msg-report").click()
    marc.page.locator('dialog.report-dialog[open] button[data-category="ambush"]').click()
    marc.page.locator(".report-sent").wait_for()

    console = consoles()
    console.context.grant_permissions(["clipboard-read", "clipboard-write"])
    console.login("modo-urgence")
    page = console.page
    # A moderator has no requisitions: no section, and the page itself is refused.
    assert page.locator("nav.tabs a.tab").all_inner_texts() == ["File", "Recours", "Juridique"]

    alert = page.locator(".queue-item[data-kind=alert]", has_text="Kev_Urg").first
    alert.wait_for()
    alert.locator("a").click()
    case = page.locator("article.case")
    case.wait_for()
    panel = case.locator("section.emergency")
    panel.locator("button.emergency-open").click()
    emergency_form = panel.locator("form.emergency-form")
    assert panel.locator("button.emergency-open").get_attribute("aria-expanded") == "true"
    emergency_form.locator("input[name=recipient][value=police]").check()
    emergency_form.locator("button[type=submit]").click()  # no threat: refused, by field
    threat_error = emergency_form.locator(".field-error[data-field=threat]")
    threat_error.wait_for()
    assert "threat" in threat_error.inner_text()
    emergency_form.locator("textarea[name=threat]").fill(
        "Menace de se rendre au domicile d'une personne du salon ce soir."
    )
    emergency_form.locator("button[type=submit]").click()

    # The ready notification: its text to paste, read-only, with a copy button.
    card = panel.locator("article.notif")
    card.wait_for()
    assert card.get_attribute("data-status") == "ready"
    text_box = card.locator("textarea.notif-text")
    text = text_box.input_value()
    assert text.startswith("SIGNALEMENT") and "Police" in text
    assert "Kev_Urg" in text and threat_message in text
    assert "127.0.0.1" not in text  # never connection data
    assert text_box.evaluate("(el) => el.readOnly") is True
    card.locator("button.notif-copy").click()
    card.locator(".notif-copy-status[data-kind=ok]").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == text
    with page.expect_download() as downloading:
        card.locator("button.notif-json").click()
    saved = tmp_path / "notification.json"
    downloading.value.save_as(saved)
    notification = json.loads(saved.read_text())
    assert notification["status"] == "ready" and notification["recipient"] == "police"
    assert notification["body"]["text"] == text
    page.screenshot(path=str(shots_dir / "desk-legal-emergency.png"), full_page=True)

    # Mark it sent: how, and the reference received.
    sent_form = card.locator("form.notif-sent-form")
    sent_form.locator("input[name=via]").fill("courriel au commissariat")
    sent_form.locator("input[name=reference]").fill("PJ-2026-0099")
    sent_form.locator("button[type=submit]").click()
    panel.locator(".emergency-sent").wait_for()
    sent_card = panel.locator("article.notif")
    assert sent_card.get_attribute("data-status") == "sent"
    assert "PJ-2026-0099" in sent_card.inner_text()
    assert sent_card.locator("form.notif-sent-form").count() == 0

    # The legal tab lists it as sent, and the preservation the notification made.
    page.locator("nav.tabs a[data-tab=legal]").click()
    notifications = page.locator("section[data-list=notifications]")
    listed = notifications.locator(f"article.notif[data-id='{notification['id']}']")
    listed.wait_for()
    assert listed.get_attribute("data-status") == "sent"
    preservation_id = notification["body"]["preservation_id"]
    preservations = page.locator("section[data-list=preservations]")
    preservations.locator(f".pres-item[data-id='{preservation_id}']").wait_for()
    assert page.locator("section[data-list=requisitions]").count() == 0
    assert page.locator("button.pres-release").count() == 0  # releasing is legal's only
    page.screenshot(path=str(shots_dir / "desk-legal-moderator.png"), full_page=True)
    page.evaluate("location.hash = '#/legal/requisition/new'")
    page.locator("main .error[role=alert]").wait_for()
    assert page.locator("form.req-form").count() == 0
    assert desk_fetch(page, "GET", "/api/desk/requisitions")["status"] == 403
    for who in (console, marc, kev):
        assert not who.errors, who.errors
        assert not who.csp_violations, who.csp_violations


def test_a_legal_officer_releases_a_preservation(
    consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "juriste-gel", "legal")
    console = consoles()
    console.login("juriste-gel")
    console.wait_live()
    page = console.page
    section = page.locator("section[data-list=preservations]")
    section.wait_for()

    # Made here, by hand: a room over a window, with a reason.
    section.locator("details.legal-create > summary").click()
    form = section.locator("form.pres-form")
    form.locator("input[name=channel]").fill("room:general")
    form.locator("button[type=submit]").click()  # no reason: refused, by field
    form.locator(".field-error[data-field=reason]").wait_for()
    reason = "Enquête en cours sur le salon général (test de libération)"
    form.locator("textarea[name=reason]").fill(reason)
    form.locator("button[type=submit]").click()
    form.locator(".pres-form-status[data-kind=ok]").wait_for()
    item = section.locator(".pres-item[data-state=active]", has_text=reason)
    item.wait_for()

    # Release, after a confirmation; "cancel" first does nothing.
    item.locator("button.pres-release").click()
    assert "purge normale" in item.locator(".confirm-question").inner_text()
    item.locator("button.confirm-no").click()
    assert item.locator("button.pres-release").is_visible()
    item.locator("button.pres-release").click()
    page.screenshot(path=str(shots_dir / "desk-legal-release.png"), full_page=True)
    item.locator("button.confirm-yes").click()
    section.locator(".pres-item", has_text=reason).wait_for(state="detached")

    # With the toggle, released ones show too, as released; the server agrees.
    section.locator("input[name=all]").check()
    released = section.locator(".pres-item[data-state=released]", has_text=reason)
    released.wait_for()
    assert "libéré" in released.inner_text()
    everything = desk_fetch(page, "GET", "/api/desk/preservations?all=1")["body"]
    found = next(p for p in everything["preservations"] if p["reason"] == reason)
    assert found["released_at"] is not None and found["channel"] == "room:general"
    # No admin tab for a legal officer, and the server refuses the purge anyway.
    assert page.locator("nav.tabs a.tab").all_inner_texts() == ["Juridique"]
    refused = desk_fetch(page, "POST", "/api/desk/purge", {"dry_run": True})
    assert refused["status"] == 403 and refused["body"]["error"]["code"] == "forbidden"
    assert not console.errors and not console.csp_violations


def test_an_admin_purges_and_reads_the_transparency_figures(
    consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "admin-ops", "admin")
    console = consoles()
    console.login("admin-ops")
    page = console.page
    assert "Administration" in page.locator("nav.tabs a.tab").all_inner_texts()
    page.locator("nav.tabs a[data-tab=admin]").click()
    purge = page.locator("section[data-panel=purge]")
    purge.wait_for()
    assert purge.locator("button.purge-run").is_hidden()  # a dry run first
    purge.locator("button.purge-dry").click()
    counts = purge.locator("[data-dry-run=true] table.purge-counts")
    counts.wait_for()
    assert "Serait supprimé" in counts.locator("caption").inner_text()
    assert counts.locator("tbody tr").count() >= 2  # each table, then the total
    purge.locator("button.purge-run").click()
    purge.locator("button.confirm-yes").click()
    purge.locator("[data-dry-run=false] table.purge-counts").wait_for()
    assert purge.locator(".purge-status[data-kind=ok]").inner_text() == "Purge terminée."

    figures = page.locator("section[data-panel=transparency]")
    figures.locator("input[name=from]").fill("2026-02-01")
    figures.locator("input[name=to]").fill("2026-01-01")  # before the start: refused
    figures.locator("button[type=submit]").click()
    figures.locator(".field-error[data-field=to]").wait_for()
    figures.locator("input[name=from]").fill("2024-01-01")
    figures.locator("input[name=to]").fill("2030-12-31")
    figures.locator("button[type=submit]").click()
    figures.locator("table.figures").first.wait_for()
    captions = figures.locator("table.figures caption").all_inner_texts()
    assert "Signalements" in captions and "Réquisitions" in captions
    reports = figures.locator("table.figures", has=page.locator("caption", has_text="Signalements"))
    assert "reçus" in reports.first.inner_text()
    page.screenshot(path=str(shots_dir / "desk-legal-admin.png"), full_page=True)
    assert not console.errors and not console.csp_violations


def test_the_legal_screens_at_360_px(
    consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "juriste-mobile", "legal")
    create_moderator(server_data_dir, "admin-mobile", "admin")
    console = consoles(width=360, height=740)
    console.login("juriste-mobile")
    page = console.page
    page.locator("section[data-list=notifications]").wait_for()
    _no_horizontal_scroll(page)
    assert page.evaluate(CONTRAST_PROBE) == []
    page.screenshot(path=str(shots_dir / "desk-legal-360.png"), full_page=True)

    page.locator("section[data-list=requisitions] a.button-link").click()
    form = page.locator("form.req-form")
    form.wait_for()
    form.locator("textarea[name=pseudonyms]").fill("Personne_Inconnue_Longue")
    authority = "Tribunal judiciaire de Bobigny, parquet des mineurs"
    form.locator("input[name=authority]").fill(authority)
    form.locator("input[name=reference]").fill("PV 2026/360")
    form.locator("input[name=legal_basis]").fill("art. 77-1-1 CPP")
    _no_horizontal_scroll(page)
    form.locator("button[type=submit]").click()
    page.locator("button.req-start").click()
    page.locator("section.req-export[data-status=done]").wait_for(timeout=TIMEOUT_MS * 3)
    page.locator("button.req-key-show").click()
    page.locator("textarea.pem").wait_for()
    _no_horizontal_scroll(page)
    assert page.evaluate(CONTRAST_PROBE) == []
    page.screenshot(path=str(shots_dir / "desk-legal-360-requisition.png"), full_page=True)
    assert not console.errors and not console.csp_violations

    # The admin's screens, in English this time (a browser that prefers it).
    admin = consoles(locale="en-US", width=360, height=740)
    admin.login("admin-mobile")
    admin.page.locator("nav.tabs a[data-tab=admin]").click()
    dry_run = admin.page.locator("section[data-panel=purge] button.purge-dry")
    assert dry_run.inner_text() == "Dry run (count)"
    dry_run.click()
    caption = admin.page.locator("table.purge-counts caption").inner_text()
    assert caption.startswith("Would delete:"), caption
    admin.page.locator("section[data-panel=transparency] button[type=submit]").click()
    tables = admin.page.locator("section[data-panel=transparency] table.figures")
    tables.first.wait_for()
    assert "Reports" in tables.locator("caption").all_inner_texts()
    _no_horizontal_scroll(admin.page)
    assert admin.page.evaluate(CONTRAST_PROBE) == []
    admin.page.screenshot(path=str(shots_dir / "desk-legal-360-admin.png"), full_page=True)
    assert not admin.errors and not admin.csp_violations
