"""The client's language catalogues and source, checked without a browser."""

from __future__ import annotations

import pathlib
import re

WEB = pathlib.Path(__file__).resolve().parents[2] / "src" / "causette" / "web"
PROTOCOL = pathlib.Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
KEY = re.compile(r'^\s*"([a-z_]+\.[a-z_.0-9]+)":', re.MULTILINE)


def _keys(lang: str) -> set[str]:
    return set(KEY.findall((WEB / "i18n" / f"{lang}.js").read_text(encoding="utf-8")))


def _protocol_error_codes() -> set[str]:
    text = PROTOCOL.read_text(encoding="utf-8")
    table = text.split("### Errors", 1)[1].split("###", 1)[0]
    codes: set[str] = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            codes.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return codes


def test_french_and_english_catalogues_have_the_same_keys() -> None:
    """Every string exists in both languages."""
    french, english = _keys("fr"), _keys("en")
    assert len(french) > 100
    assert french == english


def test_every_protocol_error_code_has_a_message_in_both_languages() -> None:
    """Each error code of docs/protocol.md maps to a readable message in fr and en."""
    codes = _protocol_error_codes()
    assert {"pseudonym_taken", "age_too_young", "join_rate_limited", "pm_refused"} <= codes
    for lang in ("fr", "en"):
        missing = {c for c in codes if f"err.{c}" not in _keys(lang)}
        assert not missing, f"{lang} lacks {sorted(missing)}"


def test_client_source_never_uses_html_sinks_or_eval() -> None:
    """No innerHTML, outerHTML, insertAdjacentHTML, document.write, eval or new Function."""
    sinks = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
        r"setAttribute\(\s*[\"']style|\.style\."
    )
    offenders = []
    for path in sorted(WEB.rglob("*.js")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//", 1)[0]
            if sinks.search(code):
                offenders.append(f"{path.relative_to(WEB)}:{number}: {line.strip()}")
    assert offenders == []


def test_index_has_no_inline_script_or_style() -> None:
    """The page only references same-origin files, so the strict CSP needs no exception."""
    html = (WEB / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "<style" not in html and "style=" not in html
    assert "http://" not in html and "https://" not in html


def test_the_desk_shows_the_rule_numbers_the_terms_publish() -> None:
    """A moderator picks "4. Harcèlement": the chatter's statement cites rule 4 of
    /legal/terms (core/sanctions.py RULE_NUMBERS), in the same order."""
    from causette.core.sanctions import MODERATOR_RULES, RULE_NUMBERS

    for lang in ("fr", "en"):
        text = (WEB / "desk" / "i18n" / f"{lang}.js").read_text(encoding="utf-8")
        labels = dict(re.findall(r'^\s*"rule\.([a-z_]+)": "([^"]*)"', text, re.MULTILINE))
        assert set(labels) == set(RULE_NUMBERS), lang
        for rule, number in RULE_NUMBERS.items():
            assert labels[rule].startswith(f"{number}. "), (lang, rule)
    source = (WEB / "desk" / "js" / "views" / "actions.js").read_text(encoding="utf-8")
    listed = re.findall(r'"([a-z_]+)"', source.split("export const RULES = [", 1)[1].split("]")[0])
    assert listed == sorted(MODERATOR_RULES, key=RULE_NUMBERS.__getitem__)


def _desk_keys(lang: str) -> set[str]:
    path = WEB / "desk" / "i18n" / f"{lang}.js"
    return set(KEY.findall(path.read_text(encoding="utf-8")))


def test_the_desk_catalogues_have_the_same_keys_and_the_desk_refusals() -> None:
    """The console's strings exist in both languages, among them the refusals only the
    desk shows (trusted flaggers, rule packs)."""
    french, english = _desk_keys("fr"), _desk_keys("en")
    assert french == english, sorted(french ^ english)
    desk_codes = {"flagger_revoked", "pack_issuer_unknown", "pack_signature_invalid"}
    assert {f"err.{code}" for code in desk_codes} <= french
