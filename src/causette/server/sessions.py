"""Where a request's credentials come from: the browser's cookies or a bearer token.

The session cookie is HttpOnly and SameSite=Strict (scripts cannot read it, other sites
cannot ride it). The device cookie outlives sessions: it binds a session to the browser that
opened it, so a stolen token alone does not resume a browser session.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from causette.server.keys import SETTINGS
from causette.server.proxy import is_https

SESSION_COOKIE = "causette_session"
DEVICE_COOKIE = "causette_device"
DEVICE_MAX_AGE = 365 * 24 * 3600


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def credentials(request: web.Request) -> tuple[str | None, str | None]:
    """(token, device token to check): a bearer token needs no device; a cookie does."""
    token = bearer_token(request)
    if token is not None:
        return token, None
    token = request.cookies.get(SESSION_COOKIE)
    return token, (request.cookies.get(DEVICE_COOKIE, "") if token else None)


def set_session_cookies(
    response: web.StreamResponse, request: web.Request, token: str, device: str, max_age: int
) -> None:
    # Behind a TLS-ending load balancer the hop to us is plain HTTP: trust its word.
    secure = is_https(request, request.app[SETTINGS].trusted_proxies)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="Strict",
        secure=secure,
        path="/",
    )
    set_device_cookie(response, request, device)


def new_device_token() -> str:
    return secrets.token_urlsafe(24)


def set_device_cookie(response: web.StreamResponse, request: web.Request, device: str) -> None:
    """The browser's lasting device token (also on an under-15 refusal: the device
    remembers it, core/devices.py)."""
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Strict",
        secure=is_https(request, request.app[SETTINGS].trusted_proxies),
        path="/",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")
