"""Appeals against sanctions (DSA art. 20): filed by the chatter, decided by another moderator.

Rules:
- A chatter appeals with the token of the statement of reasons, over plain HTTP: a banned
  chatter, who has no chat session, can still appeal (``POST /api/appeals``) and follow it
  (``GET /api/appeals/{token}``). One appeal per sanction.
- An appeal joins the moderators' queue; ``decide`` refuses the moderator who took the
  sanction (``same_moderator``). ``reverse`` lifts the sanction at once; either way the
  chatter is told (event ``appeal_decided``) and the decision is audited.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.keys import token_hash
from causette.core.roles import Permission
from causette.server.desk.auth import require
from causette.server.http_api import json_response, read_json, request_lang
from causette.server.keys import SERVICE
from causette.store.sanctions import AppealRecord, SanctionRecord

APPEAL_TEXT_MAX = 2000
TOKEN_MAX = 64


def appeal_body(appeal: AppealRecord, sanction: SanctionRecord) -> dict[str, Any]:
    return {
        "id": appeal.id,
        "ts": appeal.ts,
        "text": appeal.text,
        "status": appeal.status,
        "decided_by": appeal.decided_by,
        "decided_at": appeal.decided_at,
        "decision": appeal.decision,
        "sanction": sanction.public(),
    }


# -- the desk -------------------------------------------------------------------------------
async def list_appeals(request: web.Request) -> web.Response:
    await require(request, Permission.QUEUE_READ)
    found = await request.app[SERVICE].sanctions.store.appeals()
    found.sort(key=lambda pair: (pair[0].status != "open", pair[0].ts))
    return json_response({"appeals": [appeal_body(a, s) for a, s in found]})


async def decide(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.APPEAL_DECIDE)
    body = await read_json(request)
    decision = body.get("decision")
    if decision not in ("uphold", "reverse"):
        raise bad_field("decision: uphold or reverse")
    text = body.get("text", "")
    if not isinstance(text, str) or len(text) > APPEAL_TEXT_MAX:
        raise bad_field(f"text: at most {APPEAL_TEXT_MAX} characters")
    service = request.app[SERVICE]
    sanctions = service.sanctions
    appeal_id = request.match_info["appeal_id"]
    appeal, sanction = await sanctions.store.decide_appeal(
        appeal_id, moderator.id, decision == "reverse", text.strip(), service.clock()
    )
    await sanctions.lift(
        sanction,
        {
            "appeal_id": appeal.id,
            "sanction_id": sanction.id,
            "decision": decision,
            "text": appeal.decision,
        },
    )
    service.queue.queue_changed("removed", "appeal", appeal.id)
    return json_response({"appeal": appeal_body(appeal, sanction)})


# -- the chatter ----------------------------------------------------------------------------
async def _sanction_of(request: web.Request, token: object) -> SanctionRecord:
    if not isinstance(token, str) or not 0 < len(token) <= TOKEN_MAX:
        raise ChatError(ErrorCode.NOT_FOUND)
    found = await request.app[SERVICE].sanctions.store.by_token_hash(token_hash(token))
    if found is None:
        raise ChatError(ErrorCode.NOT_FOUND)
    return found


async def file_appeal(request: web.Request) -> web.Response:
    body = await read_json(request)
    sanction = await _sanction_of(request, body.get("token"))
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > APPEAL_TEXT_MAX:
        raise bad_field(f"text: your reasons, 1 to {APPEAL_TEXT_MAX} characters")
    service = request.app[SERVICE]
    appeal_id = await service.sanctions.store.add_appeal(sanction.id, text.strip(), service.clock())
    service.queue.queue_changed("added", "appeal", appeal_id)
    return json_response({"appeal_id": appeal_id}, 201)


async def follow_appeal(request: web.Request) -> web.Response:
    sanction = await _sanction_of(request, request.match_info["token"])
    sanctions = request.app[SERVICE].sanctions
    shown = sanctions.statement(sanction, request_lang(request))
    del shown["appeal_token"]
    found = await sanctions.store.appeals(sanction_id=sanction.id)
    appeal = None
    if found:
        a = found[0][0]
        appeal = {
            "id": a.id,
            "status": a.status,
            "decision": a.decision,
            "decided_at": a.decided_at,
        }
    return json_response({"sanction": {**shown, "status": sanction.status}, "appeal": appeal})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/desk/appeals", list_appeals)
    app.router.add_post("/api/desk/appeals/{appeal_id}/decide", decide)
    app.router.add_post("/api/appeals", file_appeal)
    app.router.add_get("/api/appeals/{token}", follow_appeal)
