"""The HTTP side of a chatter's own data (server/own_data.py): ``GET /api/me/data`` (JSON
to download, or ``?format=html`` to read) and ``POST /api/me/erase``.

Rules: the chatter's own session only (cookie and device, or bearer); the HTML page escapes
every value (it holds chat text) and is served under the site's strict CSP (no script, no
style needed); nothing is cached (``no-store``).
"""

from __future__ import annotations

import html
import time
from typing import Any

import orjson
from aiohttp import web

from causette.core.errors import bad_field
from causette.server.chatter import Chatter
from causette.server.http_api import json_response, read_json, request_lang
from causette.server.keys import SERVICE
from causette.server.sessions import clear_session_cookie, credentials

# What ``GET /api/me/data?format=`` may ask for (JSON by default); /openapi.json reads it.
OWN_DATA_FORMATS = ("json", "html")

# -- the readable page ---------------------------------------------------------------------
_LABELS = {
    "fr": {
        "title": "Mes données sur causette",
        "intro": "Ce que causette garde sur votre session, le {date} (heure UTC).",
        "session": "Ma session",
        "rooms": "Mes salons",
        "blocked": "Personnes que j'ai bloquées",
        "conversations": "Mes conversations privées",
        "messages": "Messages (les miens, et ceux reçus dans mes conversations privées)",
        "held_messages": "Mes messages retenus pour un modérateur",
        "reports": "Mes signalements",
        "sanctions": "Décisions de modération me concernant",
        "appeals": "Mes recours",
        "safety_flags": "Indicateurs de sécurité",
        "connection_data": "Données de connexion (scellées, conservées un an : LCEN)",
        "retention_days": "Durées de conservation (jours)",
        "not_included": "Non inclus",
        "none": "Rien.",
        "me": "moi",
    },
    "en": {
        "title": "My data on causette",
        "intro": "What causette keeps about your session, on {date} (UTC).",
        "session": "My session",
        "rooms": "My rooms",
        "blocked": "People I blocked",
        "conversations": "My private conversations",
        "messages": "Messages (mine, and those received in my private conversations)",
        "held_messages": "My messages held for a moderator",
        "reports": "My reports",
        "sanctions": "Moderation decisions about me",
        "appeals": "My appeals",
        "safety_flags": "Safety flags",
        "connection_data": "Connection data (sealed, kept one year: LCEN)",
        "retention_days": "Retention periods (days)",
        "not_included": "Not included",
        "none": "Nothing.",
        "me": "me",
    },
}
_SECTIONS = (
    "session",
    "rooms",
    "blocked",
    "conversations",
    "messages",
    "held_messages",
    "reports",
    "sanctions",
    "appeals",
    "safety_flags",
    "connection_data",
    "retention_days",
    "not_included",
)


def _when(ts: Any) -> str:
    if isinstance(ts, int | float) and not isinstance(ts, bool) and ts > 1e8:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))
    return "" if ts is None else str(ts)


def _cell(key: str, value: Any) -> str:
    text = (
        _when(value)
        if key in ("ts", "created_at", "last_seen", "ended_at") or key.endswith(("_at", "_ts"))
        else ("" if value is None else str(value))
    )
    return html.escape(text)


def _table(rows: list[dict[str, Any]], none: str) -> str:
    if not rows:
        return f"<p>{html.escape(none)}</p>"
    keys = list(rows[0])
    head = "".join(f'<th scope="col">{html.escape(k)}</th>' for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(k, row.get(k))}</td>" for k in keys) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: dict[str, Any], lang: str) -> str:
    """The export as a page a person can read; every value escaped (it holds chat text)."""
    labels = _LABELS["en" if lang == "en" else "fr"]
    parts = [
        "<!doctype html>",
        f'<html lang="{"en" if lang == "en" else "fr"}"><head><meta charset="utf-8">',
        f"<title>{html.escape(labels['title'])}</title></head><body>",
        f"<h1>{html.escape(labels['title'])}</h1>",
        f"<p>{html.escape(labels['intro'].format(date=_when(data['generated_at'])))}</p>",
    ]
    for section in _SECTIONS:
        value = data.get(section)
        parts.append(f'<section id="{section}"><h2>{html.escape(labels[section])}</h2>')
        if isinstance(value, dict):
            rows = [{"": k, " ": v} for k, v in value.items()]
            parts.append(_table([{"name": r[""], "value": r[" "]} for r in rows], labels["none"]))
        elif value and isinstance(value[0], dict):
            parts.append(_table(value, labels["none"]))
        elif value:
            items = "".join(f"<li>{html.escape(str(v))}</li>" for v in value)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append(f"<p>{html.escape(labels['none'])}</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


async def _chatter(request: web.Request) -> Chatter:
    token, device = credentials(request)
    return await request.app[SERVICE].live.authenticate(token, device)


async def my_data(request: web.Request) -> web.Response:
    chatter = await _chatter(request)
    wanted = request.query.get("format", "json")
    if wanted not in OWN_DATA_FORMATS:
        raise bad_field(f"format: {' or '.join(OWN_DATA_FORMATS)}")
    data = await request.app[SERVICE].own.export(chatter)
    headers = {"Cache-Control": "no-store"}
    if wanted == "html":
        lang = request.query.get("lang") or request_lang(request)
        return web.Response(text=render_html(data, lang), content_type="text/html", headers=headers)
    headers["Content-Disposition"] = 'attachment; filename="causette-data.json"'
    return web.Response(
        body=orjson.dumps(data, option=orjson.OPT_INDENT_2),
        content_type="application/json",
        headers=headers,
    )


async def erase(request: web.Request) -> web.Response:
    chatter = await _chatter(request)
    body = await read_json(request)
    if body.get("confirm") is not True:
        raise bad_field("confirm: must be true")
    summary = await request.app[SERVICE].own.erase(chatter)
    response = json_response(summary)
    clear_session_cookie(response)
    return response


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/me/data", my_data)
    app.router.add_post("/api/me/erase", erase)
