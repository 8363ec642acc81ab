"""The legal pages over HTTP (issue 15 item 1): each page in French and English, the
language chosen as the client chooses it, the operator's values filled in and escaped, an
empty setting shown as "not configured", the operator's own texts over the defaults, and
the terms carrying every numbered rule a statement of reasons cites."""

from __future__ import annotations

import pathlib
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from causette.core.sanctions import RULE_NUMBERS, RULES, rule_text, statement
from causette.core.sanctions import Sanction as CoreSanction
from causette.server.app import build_app
from causette.server.legal_pages import PAGES
from causette.settings import Settings
from tests.conftest import TEST_SETTINGS

LEGAL = {
    "legal_publisher": "Causette Association",
    "legal_publisher_address": "12 rue des Lilas, 75020 Paris",
    "legal_publication_director": "Jeanne Martin",
    "legal_host_name": "Hébergeur SAS",
    "legal_users_contact": "contact@causette.example",
    "legal_contact": "juridique@causette.example",
    "retention_room_days": 45,
}


@pytest.fixture
def settings(tmp_path: pathlib.Path) -> Settings:
    # Pages only: no chat backend is involved, so one backend (SQLite) is enough.
    return Settings(data_dir=tmp_path, **TEST_SETTINGS, **LEGAL)


async def _get(base_url: str, path: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(base_url + path.lstrip("/"), headers=headers) as resp,
    ):
        return resp.status, await resp.text(), dict(resp.headers)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("page", list(PAGES))
async def test_each_page_answers_in_each_language(base_url: str, page: str, lang: str) -> None:
    status, text, headers = await _get(base_url, f"/legal/{page}?lang={lang}")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Content-Language"] == lang
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert f'<html lang="{lang}">' in text
    title = PAGES[page][1 if lang == "en" else 0]
    assert f"<h1>{title.replace(chr(39), '&#x27;')}</h1>" in text
    # No inline script or style: the CSP would refuse them.
    assert "<script" not in text and "<style" not in text and "style=" not in text
    assert "{{" not in text  # every placeholder was known and filled
    # Every other legal page is one click away, in the same language.
    for other in PAGES:
        assert f'href="/legal/{other}?lang={lang}"' in text


async def test_the_language_follows_lang_then_accept_language(base_url: str) -> None:
    _, text, headers = await _get(base_url, "/legal/privacy", **{"Accept-Language": "en-GB"})
    assert headers["Content-Language"] == "en" and "Privacy notice" in text
    # The first French or English tag wins, as in the client (js/i18n.js).
    _, _, headers = await _get(base_url, "/legal/privacy", **{"Accept-Language": "de, en;q=0.8"})
    assert headers["Content-Language"] == "en"
    _, _, headers = await _get(base_url, "/legal/privacy", **{"Accept-Language": "de"})
    assert headers["Content-Language"] == "fr"
    # ?lang= (what the client's links carry) wins over the header.
    _, text, headers = await _get(base_url, "/legal/privacy?lang=fr", **{"Accept-Language": "en"})
    assert headers["Content-Language"] == "fr" and "Vos données personnelles" in text
    _, _, headers = await _get(base_url, "/legal/privacy?lang=xx", **{"Accept-Language": "en"})
    assert headers["Content-Language"] == "en"


async def test_the_operator_values_and_retention_periods_are_filled_in(base_url: str) -> None:
    _, notice, _ = await _get(base_url, "/legal/notice?lang=fr")
    assert "Causette Association" in notice and "12 rue des Lilas, 75020 Paris" in notice
    assert "Jeanne Martin" in notice and "Hébergeur SAS" in notice
    # Unset: said so, naming the setting to fill in; never a made-up name.
    assert "non renseigné (réglage legal_host_address)" in notice
    assert "non renseigné (réglage legal_host_phone)" in notice
    _, privacy, _ = await _get(base_url, "/legal/privacy?lang=en")
    assert "<td>45 days</td>" in privacy  # the operator's room retention
    assert "<td>365 days, sealed by encryption</td>" in privacy  # LCEN connection data
    assert "730 days after they close" in privacy
    _, contact, _ = await _get(base_url, "/legal/contact?lang=en")
    assert '<a href="mailto:contact@causette.example">contact@causette.example</a>' in contact
    assert "juridique@causette.example" in contact  # the authorities' point of contact
    assert "not configured (setting legal_privacy_contact)" in contact


async def test_nothing_configured_reads_not_configured(tmp_path: pathlib.Path) -> None:
    server = TestServer(build_app(Settings(data_dir=tmp_path, **TEST_SETTINGS)), host="127.0.0.1")
    await server.start_server()
    try:
        _, text, _ = await _get(str(server.make_url("/")), "/legal/notice?lang=en")
    finally:
        await server.close()
    missing = re.findall(r'<span class="not-configured">not configured \(setting (\w+)\)', text)
    assert set(missing) == {
        "legal_publisher",
        "legal_publisher_address",
        "legal_publisher_contact",
        "legal_publisher_registration",
        "legal_publication_director",
        "legal_host_name",
        "legal_host_address",
        "legal_host_phone",
    }


@pytest.mark.parametrize("page", ["terms", "terms-teen"])
@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_the_terms_number_every_rule_a_statement_cites(
    base_url: str, page: str, lang: str
) -> None:
    _, text, _ = await _get(base_url, f"/legal/{page}?lang={lang}")
    for rule, number in RULE_NUMBERS.items():
        assert text.count(f'id="rule-{number}"') == 1, rule
        word = "Rule" if lang == "en" else "Règle"
        escaped = rule_text(rule, lang).replace("'", "&#x27;")
        assert f'id="rule-{number}">{word} {number}</span> — {escaped}' in text
    # The statement a sanctioned chatter receives points at one of these anchors.
    sanction = CoreSanction("s1", 0.0, "warn", None, None, "hate", "r", False, "active")
    url = statement(sanction, lang, "tok")["rule_url"]
    assert url.endswith(f"#rule-{RULE_NUMBERS['hate']}")
    assert set(RULE_NUMBERS) == set(RULES)


@pytest.fixture
def escaping_settings(tmp_path: pathlib.Path) -> Settings:
    own = tmp_path / "legal"
    (own / "fr").mkdir(parents=True)
    (own / "fr" / "notice.md").write_text(
        "## Éditeur maison\n\nÉdité par {{publisher}}.\n\n<script>alert(1)</script>\n\n"
        "[lien](javascript:alert(1)) {{unknown_thing}} {{rule:spam}}\n",
        "utf-8",
    )
    return Settings(
        data_dir=tmp_path,
        **TEST_SETTINGS,
        legal_pages_dir=own,
        legal_publisher='<img src=x onerror="alert(1)"> & Cie',
        legal_users_contact='"><script>alert(2)</script>@x.y',
    )


@pytest.fixture
async def escaping_url(escaping_settings: Settings) -> AsyncIterator[str]:
    server = TestServer(build_app(escaping_settings), host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/"))
    await server.close()


async def test_the_operator_text_overrides_the_default_and_everything_is_escaped(
    escaping_url: str,
) -> None:
    _, own, _ = await _get(escaping_url, "/legal/notice?lang=fr")
    assert "<h2>Éditeur maison</h2>" in own and "Hébergeur" not in own
    # An operator value is text, never markup.
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Cie" in own
    assert "<img" not in own
    # The text's own raw HTML and script links are not rendered either.
    assert "<script>" not in own and "&lt;script&gt;alert(1)&lt;/script&gt;" in own
    assert 'href="javascript:' not in own
    assert "{{unknown_thing}}" in own  # a typo shows as written
    assert f'id="rule-{RULE_NUMBERS["spam"]}"' in own
    # Pages and languages the operator did not write keep the defaults.
    _, english, _ = await _get(escaping_url, "/legal/notice?lang=en")
    assert "<h2>Publisher</h2>" in english
    _, contact, _ = await _get(escaping_url, "/legal/contact?lang=en")
    assert "<script>alert(2)" not in contact and "&lt;script&gt;alert(2)" in contact
    assert 'href="mailto:' not in contact  # not an e-mail address: plain text


async def test_an_edited_text_shows_at_the_next_request(
    escaping_url: str, escaping_settings: Settings
) -> None:
    assert escaping_settings.legal_pages_dir is not None
    path = escaping_settings.legal_pages_dir / "fr" / "contact.md"
    path.write_text("Écrivez-nous : {{users_contact}}\n", "utf-8")
    _, text, _ = await _get(escaping_url, "/legal/contact?lang=fr")
    assert "<p>Écrivez-nous : " in text
