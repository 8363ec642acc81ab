"""The admin's shared rule lists and packs in the console, in a real browser.

An admin adds entries (one that looks like personal data is refused under its field),
downloads a signed pack, removes an entry, trusts the instance's own public key (as the
admin of another instance would), imports the file: the review lists each entry as new or
already there, nothing applied yet; applying the checked ones brings the entry back. A
pack file edited by hand is refused with its stable code's text.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

from tests.browser.conftest import create_moderator


def test_an_admin_exports_trusts_imports_and_reviews_a_rule_pack(
    consoles: Any, server_data_dir: pathlib.Path, shots_dir: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    create_moderator(server_data_dir, "admin-rules", "admin")
    console = consoles()
    console.login("admin-rules")
    page = console.page
    page.locator("nav.tabs a[data-tab=admin]").click()
    panel = page.locator("section[data-panel=rules]")
    panel.wait_for()
    add = panel.locator("form.rules-add")
    add.locator("input[name=entry]").fill("appelle-moi-0612345678")
    add.locator("button[type=submit]").click()
    error = add.locator(".field-error[data-field=entry]")
    error.wait_for()
    assert "personal data" in error.inner_text()
    for list_name, entry in (("pseudonym", "grosminet"), ("link_domain", "arnaque.example")):
        add.locator("select[name=list]").select_option(list_name)
        add.locator("input[name=entry]").fill(entry)
        add.locator("button[type=submit]").click()
        panel.locator(f"li.rule-entry[data-entry='{entry}']").wait_for()

    with page.expect_download() as downloading:
        panel.locator("button.rules-export").click()
    pack_file = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(pack_file)
    pack = json.loads(pack_file.read_text())
    assert [e["entry"] for e in pack["entries"]] == ["arnaque.example", "grosminet"]

    entry = panel.locator("li.rule-entry[data-entry='arnaque.example']")
    entry.locator("button.rule-remove").click()
    entry.locator("button.confirm-yes").click()
    entry.wait_for(state="detached")

    panel.locator("button.rules-key-show").click()
    pem = panel.locator(".rules-own-key textarea.pem").input_value()
    issuer = panel.locator("form.rules-issuer")
    issuer.locator("input[name=issuer_name]").fill("Nous-mêmes")
    issuer.locator("textarea[name=public_key]").fill(pem)
    issuer.locator("button[type=submit]").click()
    panel.locator("li.rule-issuer", has_text="Nous-mêmes").wait_for()

    # A hand-edited file: refused, with the code's text.
    forged = tmp_path / "forged.json"
    pack["entries"][0]["entry"] = "autre.example"
    forged.write_text(json.dumps(pack))
    panel.locator("input.rules-file").set_input_files(str(forged))
    panel.locator("form.rules-import button[type=submit]").click()
    status = panel.locator(".rules-status[data-kind=error]")
    status.wait_for()
    assert "signature ne correspond pas" in status.inner_text()

    panel.locator("input.rules-file").set_input_files(str(pack_file))
    panel.locator("form.rules-import button[type=submit]").click()
    review = panel.locator("section.rule-pack[data-status=pending]")
    review.wait_for()
    states = review.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.state)")
    assert states == ["new", "present"]
    assert panel.locator("li.rule-entry[data-entry='arnaque.example']").count() == 0  # not yet
    page.screenshot(path=str(shots_dir / "desk-rule-pack-review.png"), full_page=True)
    review.locator("button.pack-apply").click()
    panel.locator("section.rule-pack[data-status=applied]").wait_for()
    panel.locator("li.rule-entry[data-entry='arnaque.example']").wait_for()
    assert "1 entrée(s) ajoutée(s)" in panel.locator(".rules-status").inner_text()
    assert not console.errors and not console.csp_violations
