"""The interim moderation API: alerts and held messages, for one operator token.

Until the trust-and-safety desk (moderator accounts, roles, audit) exists, an operator who
sets ``CAUSETTE_MODERATOR_TOKEN`` can read the alert and report queues and approve or reject
held messages with ``Authorization: Bearer <token>``. Without the setting these routes answer 404,
so nothing is exposed by default.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict

from aiohttp import web

from causette.core.errors import ChatError, ErrorCode
from causette.server.http_api import json_response
from causette.server.keys import SERVICE
from causette.server.safety_layer import SafetyLayer
from causette.server.sessions import bearer_token


def _layer(request: web.Request) -> SafetyLayer:
    service = request.app[SERVICE]
    expected = service.settings.moderator_token
    if not expected or service.safety is None:
        raise web.HTTPNotFound()
    given = bearer_token(request) or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ChatError(ErrorCode.NOT_AUTHENTICATED)
    return service.safety


async def alerts(request: web.Request) -> web.Response:
    layer = _layer(request)
    return json_response({"alerts": [asdict(a) for a in await layer.store.alerts()]})


async def held(request: web.Request) -> web.Response:
    layer = _layer(request)
    return json_response({"held": [asdict(h) for h in await layer.store.held()]})


async def reports(request: web.Request) -> web.Response:
    _layer(request)
    found = await request.app[SERVICE].reports.store.open_reports()
    return json_response({"reports": [asdict(r) for r in found]})


async def approve(request: web.Request) -> web.Response:
    layer = _layer(request)
    record = await layer.approve(request.match_info["held_id"], "operator")
    if record is None:
        raise web.HTTPNotFound()
    return json_response({"channel": record.channel, "id": record.id})


async def reject(request: web.Request) -> web.Response:
    layer = _layer(request)
    if not await layer.reject(request.match_info["held_id"], "operator"):
        raise web.HTTPNotFound()
    return web.Response(status=204)


def setup_moderation_routes(app: web.Application) -> None:
    app.router.add_get("/api/mod/alerts", alerts)
    app.router.add_get("/api/mod/held", held)
    app.router.add_get("/api/mod/reports", reports)
    app.router.add_post("/api/mod/held/{held_id}/approve", approve)
    app.router.add_post("/api/mod/held/{held_id}/reject", reject)
