"""Trusted flaggers (DSA art. 22): the admins register and revoke them.

- ``GET /api/desk/flaggers`` lists them (active and revoked).
- ``POST /api/desk/flaggers`` ``{"name", "contact"}`` registers one and answers 201
  ``{"flagger", "token"}``: the credential the flagger files reports with
  (``POST /api/reports/flagger``, server/public_reports.py). It is shown this once and kept
  only as its sha256; a lost one is revoked and the flagger registered again.
- ``POST /api/desk/flaggers/{id}/revoke`` ends a credential at once (its past reports stay
  named after the flagger).

Rules:
- Admins only (``Permission.OPERATE``): a moderator may not choose whose reports jump the
  queue.
- Registering and revoking are audited in the keyed chain, in the same transaction as the
  change (store/flaggers.py); the audit entry names the flagger, never the credential.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from causette.core.errors import bad_field
from causette.core.keys import token_hash
from causette.core.roles import Permission
from causette.core.text import cleaned
from causette.server.desk.auth import require
from causette.server.desk.service import DESK
from causette.server.http_api import json_response, read_json
from causette.store.flaggers import Flagger, FlaggerStore

NAME_MIN, NAME_MAX = 3, 80
CONTACT_MAX = 254
_FIELDS = {"name", "contact"}


def _text(body: dict[str, object], name: str, low: int, high: int) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise bad_field(f"{name}: a string")
    # Cleaned as chat text is: a direction control must not reverse what the desk shows.
    value = cleaned(value).strip()
    if not low <= len(value) <= high or not value.isprintable():
        raise bad_field(f"{name}: {low} to {high} printable characters")
    return value


def parse_flagger(body: dict[str, object]) -> tuple[str, str]:
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise bad_field(f"{unknown[0]}: unknown field")
    return _text(body, "name", NAME_MIN, NAME_MAX), _text(body, "contact", 3, CONTACT_MAX)


async def list_flaggers(request: web.Request) -> web.Response:
    await require(request, Permission.OPERATE)
    found = await FlaggerStore(request.app[DESK].store).all()
    return json_response({"flaggers": [f.public for f in found]})


async def register(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    name, contact = parse_flagger(await read_json(request))
    desk = request.app[DESK]
    token = secrets.token_urlsafe(32)
    flagger = Flagger(
        secrets.token_hex(8), name, contact, desk.clock(), f"moderator:{moderator.id}", None, None
    )
    await FlaggerStore(desk.store).create(flagger, token_hash(token))
    return json_response({"flagger": flagger.public, "token": token}, 201)


async def revoke(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    desk = request.app[DESK]
    flagger = await FlaggerStore(desk.store).revoke(
        request.match_info["flagger_id"], desk.clock(), f"moderator:{moderator.id}"
    )
    return json_response({"flagger": flagger.public})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/desk/flaggers", list_flaggers)
    app.router.add_post("/api/desk/flaggers", register)
    app.router.add_post("/api/desk/flaggers/{flagger_id}/revoke", revoke)
