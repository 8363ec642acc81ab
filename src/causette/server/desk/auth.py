"""Moderators' login, sessions and the permission check every desk route goes through.

Rules:
- A desk session is its own cookie (``causette_desk``, HttpOnly, SameSite=Strict, path
  ``/api/desk``) or a bearer token (for scripts); a chatter's session opens nothing here.
- ``require(request, permission)`` answers 401 without a live session and 403 when the
  moderator's role lacks the permission (core/roles.py), before the handler reads anything.
- Login failures are throttled per name and per address prefix (server/desk/service.py).
"""

from __future__ import annotations

import secrets

from aiohttp import web

from causette.core.errors import ChatError, ErrorCode
from causette.core.keys import token_hash
from causette.core.roles import GRANTS, Permission, allowed
from causette.server.desk.service import DESK
from causette.server.http_api import json_response, read_json
from causette.server.keys import SETTINGS
from causette.server.proxy import client_address, is_https
from causette.server.sessions import bearer_token
from causette.store.moderators import Moderator

DESK_COOKIE = "causette_desk"
COOKIE_PATH = "/api/desk"
MODERATOR: web.RequestKey[Moderator] = web.RequestKey("moderator", Moderator)


def _desk_token(request: web.Request) -> str | None:
    return bearer_token(request) or request.cookies.get(DESK_COOKIE)


async def current_moderator(request: web.Request) -> Moderator:
    token = _desk_token(request)
    if not token or len(token) > 128:
        raise ChatError(ErrorCode.NOT_AUTHENTICATED)
    desk = request.app[DESK]
    moderator = await desk.moderators.session_moderator(token_hash(token), desk.clock())
    if moderator is None:
        raise ChatError(ErrorCode.NOT_AUTHENTICATED)
    return moderator


async def require(request: web.Request, permission: Permission) -> Moderator:
    """The moderator making this request, if their role has ``permission``."""
    moderator = await current_moderator(request)
    if not allowed(moderator.role, permission):
        raise ChatError(ErrorCode.FORBIDDEN)
    return moderator


async def login(request: web.Request) -> web.Response:
    body = await read_json(request)
    name, password = body.get("name"), body.get("password")
    if not isinstance(name, str) or not isinstance(password, str) or len(password) > 1024:
        raise ChatError(ErrorCode.LOGIN_FAILED)
    desk = request.app[DESK]
    address = client_address(request, request.app[SETTINGS].trusted_proxies)
    moderator = await desk.login(name, password, address)
    token = secrets.token_urlsafe(32)
    now = desk.clock()
    ttl = desk.settings.desk_session_ttl_s
    await desk.moderators.open_session(token_hash(token), moderator.id, now, now + ttl)
    response = json_response({"moderator": moderator.public, "token": token, "expires_in": ttl})
    response.set_cookie(
        DESK_COOKIE,
        token,
        max_age=int(ttl),
        httponly=True,
        samesite="Strict",
        secure=is_https(request, request.app[SETTINGS].trusted_proxies),
        path=COOKIE_PATH,
    )
    return response


async def logout(request: web.Request) -> web.Response:
    token = _desk_token(request)
    if token:
        await request.app[DESK].moderators.close_session(token_hash(token))
    response = web.Response(status=204)
    response.del_cookie(DESK_COOKIE, path=COOKIE_PATH)
    return response


def permissions(moderator: Moderator) -> list[str]:
    """What the moderator's role may do (core/roles.py), sorted: the console shows only
    what a click could do."""
    return sorted(p.value for p in GRANTS[moderator.role])


async def me(request: web.Request) -> web.Response:
    moderator = await current_moderator(request)
    return json_response({"moderator": {**moderator.public, "permissions": permissions(moderator)}})


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/desk/login", login)
    app.router.add_post("/api/desk/logout", logout)
    app.router.add_get("/api/desk/me", me)
