"""The pages a service must publish: terms of use (and their teen version), privacy notice,
legal notice and points of contact, at ``/legal/<page>`` in French and English.

Owns: finding a page's text, filling in the operator's values and the house rules, and the
HTML document around it.

Rules:
- A page's text is Markdown: ``<legal_pages_dir>/<lang>/<page>.md`` when the operator has
  one, else the default shipped in ``causette/data/legal/<lang>/``. It is read at each
  request (an edit shows at the next reload, no restart) and rendered with raw HTML off: a
  text can format, never inject markup or script.
- ``{{name}}`` placeholders are filled in *after* rendering, each value HTML-escaped; an
  empty setting reads "not configured" and names the setting, so a missing publisher is
  visible, never invented. An unknown placeholder stays as it is written (a typo shows).
- ``{{rule:<key>}}`` is a house rule of core/sanctions.py with its number and an anchor
  (``#rule-N``): statements of reasons cite these numbers. The terms list at their end
  every rule their text does not mention, so each number a statement cites exists.
- The language is ``?lang=fr|en`` (the client's links carry its own choice), else the first
  French or English tag of ``Accept-Language``, else French.
- No inline script or style: the page uses /static/css/legal.css under the site's CSP.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import web
from markdown_it import MarkdownIt

from causette.core.sanctions import RULE_NUMBERS, RULES, rule_text
from causette.server.keys import SETTINGS
from causette.settings import Settings

LANGS = ("fr", "en")
# page -> (French title, English title), in the order of the pages' navigation.
PAGES: dict[str, tuple[str, str]] = {
    "terms": ("Charte et conditions d'utilisation", "Terms of use"),
    "terms-teen": ("La charte en version courte (15–17 ans)", "The rules, short version (15–17)"),
    "privacy": ("Vos données personnelles", "Privacy notice"),
    "notice": ("Mentions légales", "Legal notice"),
    "contact": ("Nous contacter", "Contact points"),
}
TERMS_PAGES = frozenset({"terms", "terms-teen"})
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([a-z_]+))?\s*\}\}")
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")

# Operator values: placeholder -> setting it comes from.
TEXT_SETTINGS: dict[str, str] = {
    "publisher": "legal_publisher",
    "publisher_address": "legal_publisher_address",
    "publisher_contact": "legal_publisher_contact",
    "publisher_registration": "legal_publisher_registration",
    "publication_director": "legal_publication_director",
    "host_name": "legal_host_name",
    "host_address": "legal_host_address",
    "host_phone": "legal_host_phone",
    "users_contact": "legal_users_contact",
    "authorities_contact": "legal_contact",
    "privacy_contact": "legal_privacy_contact",
}
# Figures: placeholder -> setting (days, hours).
NUMBER_SETTINGS: dict[str, str] = {
    "retention_connection_days": "retention_connection_days",
    "retention_session_days": "retention_session_days",
    "retention_room_days": "retention_room_days",
    "retention_pm_days": "retention_pm_days",
    "retention_moderation_days": "retention_moderation_days",
    "device_memory_hours": "device_memory_hours",
    "repeat_count": "repeat_count",
    "repeat_window_days": "repeat_window_days",
    "repeat_suspension_hours": "repeat_suspension_hours",
}
_CHROME = {
    "fr": {
        "nav": "Pages légales",
        "back": "Retour au chat",
        "report": "Signaler un contenu",
        "switch": "English",
        "other_rules": "Les autres règles",
        "rule": "Règle {n}",
        "missing": "non renseigné (réglage {setting})",
    },
    "en": {
        "nav": "Legal pages",
        "back": "Back to the chat",
        "report": "Report content",
        "switch": "Français",
        "other_rules": "The other rules",
        "rule": "Rule {n}",
        "missing": "not configured (setting {setting})",
    },
}


def page_lang(request: web.Request) -> str:
    """``?lang=`` first (the client's own choice), then ``Accept-Language``, then French."""
    asked = request.query.get("lang", "")
    if asked in LANGS:
        return asked
    for tag in request.headers.get("Accept-Language", "").split(","):
        base = tag.split(";")[0].strip().lower().split("-")[0]
        if base in LANGS:
            return base
    return "fr"


def page_source(settings: Settings, lang: str, page: str) -> str:
    """The page's Markdown: the operator's file if there is one, else the default."""
    if settings.legal_pages_dir is not None:
        own = settings.legal_pages_dir / lang / f"{page}.md"
        if own.is_file():
            return own.read_text("utf-8")
    return resources.files("causette").joinpath(f"data/legal/{lang}/{page}.md").read_text("utf-8")


def _rule_html(rule: str, lang: str) -> str:
    number = RULE_NUMBERS[rule]
    label = _CHROME[lang]["rule"].format(n=number)
    return (
        f'<span class="rule-number" id="rule-{number}">{label}</span> — '
        f"{html.escape(rule_text(rule, lang))}"
    )


def _contact_html(value: str) -> str:
    """An operator value; an e-mail address becomes a mailto link (escaped either way)."""
    escaped = html.escape(value)
    if re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+", value):
        return f'<a href="mailto:{escaped}">{escaped}</a>'
    return escaped


def fill(rendered: str, settings: Settings, lang: str) -> tuple[str, set[str]]:
    """The rendered page with its placeholders filled in, and the rules it showed."""
    shown: set[str] = set()

    def one(match: re.Match[str]) -> str:
        name, arg = match.group(1), match.group(2)
        if name == "rule" and arg in RULE_NUMBERS:
            shown.add(arg)
            return _rule_html(arg, lang)
        if arg is None and name in TEXT_SETTINGS:
            setting = TEXT_SETTINGS[name]
            value = str(getattr(settings, setting)).strip()
            if not value:
                missing = _CHROME[lang]["missing"].format(setting=setting)
                return f'<span class="not-configured">{html.escape(missing)}</span>'
            return _contact_html(value)
        if arg is None and name in NUMBER_SETTINGS:
            return html.escape(f"{getattr(settings, NUMBER_SETTINGS[name]):g}")
        return match.group(0)

    return _PLACEHOLDER.sub(one, rendered), shown


def render_body(settings: Settings, lang: str, page: str) -> str:
    """The page's content as HTML (the ``<main>`` part)."""
    body, shown = fill(_MARKDOWN.render(page_source(settings, lang, page)), settings, lang)
    if page in TERMS_PAGES:
        missing = [r for r in sorted(RULES, key=RULE_NUMBERS.__getitem__) if r not in shown]
        if missing:
            items = "".join(f"<li>{_rule_html(r, lang)}</li>" for r in missing)
            title = html.escape(_CHROME[lang]["other_rules"])
            body += f'<h2>{title}</h2>\n<ul class="rules">{items}</ul>\n'
    return body


def render_page(settings: Settings, lang: str, page: str) -> str:
    """The whole HTML document of one legal page."""
    chrome = _CHROME[lang]
    title = PAGES[page][1 if lang == "en" else 0]
    other = "en" if lang == "fr" else "fr"
    nav = "".join(
        f'<li><a href="/legal/{name}?lang={lang}"'
        + (' aria-current="page"' if name == page else "")
        + f">{html.escape(titles[1 if lang == 'en' else 0])}</a></li>"
        for name, titles in PAGES.items()
    )
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>{html.escape(title)} — causette</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/css/legal.css">
</head>
<body class="legal-page" data-page="{page}">
<header class="legal-header">
<a class="brand" href="/">causette</a>
<a class="lang-switch" href="/legal/{page}?lang={other}" hreflang="{other}" lang="{other}">
{chrome["switch"]}</a>
</header>
<main id="main" class="legal-text">
<h1>{html.escape(title)}</h1>
{render_body(settings, lang, page)}</main>
<footer class="legal-footer">
<nav aria-label="{chrome["nav"]}"><ul>{nav}</ul></nav>
<p><a href="/">{chrome["back"]}</a> · <a href="/report.html">{chrome["report"]}</a></p>
</footer>
</body>
</html>
"""


def _handler(page: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def show(request: web.Request) -> web.Response:
        lang = page_lang(request)
        text = render_page(request.app[SETTINGS], lang, page)
        return web.Response(
            text=text,
            content_type="text/html",
            headers={
                "Content-Language": lang,
                "Cache-Control": "no-cache",
                "Vary": "Accept-Language",
            },
        )

    return show


def setup_routes(app: web.Application) -> None:
    for page in PAGES:
        app.router.add_get(f"/legal/{page}", _handler(page))
