"""The moderators' queue: reports, automatic alerts and held messages, and their decisions.

Every decision is audited with the moderator who took it.
"""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from causette.core.errors import ChatError, ErrorCode
from causette.core.roles import Permission
from causette.server.desk.auth import require
from causette.server.desk.service import DESK
from causette.server.http_api import json_response
from causette.server.keys import SERVICE
from causette.server.safety_layer import SafetyLayer


def _safety(request: web.Request) -> SafetyLayer:
    layer = request.app[SERVICE].safety
    if layer is None:
        raise ChatError(ErrorCode.NOT_FOUND)
    return layer


async def alerts(request: web.Request) -> web.Response:
    await require(request, Permission.QUEUE_READ)
    layer = _safety(request)
    return json_response({"alerts": [asdict(a) for a in await layer.store.alerts()]})


async def held(request: web.Request) -> web.Response:
    await require(request, Permission.QUEUE_READ)
    layer = _safety(request)
    return json_response({"held": [asdict(h) for h in await layer.store.held()]})


async def reports(request: web.Request) -> web.Response:
    await require(request, Permission.QUEUE_READ)
    found = await request.app[SERVICE].reports.store.open_reports()
    return json_response({"reports": [asdict(r) for r in found]})


async def approve(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.HELD_DECIDE)
    held_id = request.match_info["held_id"]
    record = await _safety(request).approve(held_id, moderator.id)
    if record is None:
        raise ChatError(ErrorCode.NOT_FOUND)
    await request.app[DESK].audit_action(
        moderator, "held.approve", f"held:{held_id}", {"channel": record.channel, "id": record.id}
    )
    return json_response({"channel": record.channel, "id": record.id})


async def reject(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.HELD_DECIDE)
    held_id = request.match_info["held_id"]
    rejected = await _safety(request).reject(held_id, moderator.id)
    if not rejected:
        raise ChatError(ErrorCode.NOT_FOUND)
    await request.app[DESK].audit_action(
        moderator, "held.reject", f"held:{held_id}", {"copies": rejected[1:]}
    )
    return web.Response(status=204)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/desk/alerts", alerts)
    app.router.add_get("/api/desk/held", held)
    app.router.add_get("/api/desk/reports", reports)
    app.router.add_post("/api/desk/held/{held_id}/approve", approve)
    app.router.add_post("/api/desk/held/{held_id}/reject", reject)
