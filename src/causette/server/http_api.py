"""The HTTP API: join, session, rooms, meta, health and metrics.

Every refusal is ``{"error": {"code", "message"}}`` with a 4xx status, in the caller's
language (``Accept-Language``); an unexpected failure is a 500 ``internal``, never a crash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from causette import __version__
from causette.core.errors import ChatError, ErrorCode
from causette.core.geography import departments
from causette.core.identity import MAX_AGE, MIN_AGE, PSEUDONYM_MAX, PSEUDONYM_MIN, Gender
from causette.server import metrics
from causette.server.chatter import Chatter
from causette.server.events import JoinRequest, parse_body
from causette.server.keys import SERVICE
from causette.server.proxy import client_address
from causette.server.retention import source_of
from causette.server.sessions import (
    DEVICE_COOKIE,
    clear_session_cookie,
    credentials,
    new_device_token,
    set_device_cookie,
    set_session_cookies,
)

log = logging.getLogger(__name__)

STATUS_BY_CODE = {
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.PSEUDONYM_TAKEN: 409,
    ErrorCode.JOIN_RATE_LIMITED: 429,
    ErrorCode.REPORT_RATE_LIMITED: 429,
    ErrorCode.POW_INVALID: 403,
    ErrorCode.POW_EXPIRED: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.LOGIN_FAILED: 401,
    ErrorCode.LOGIN_THROTTLED: 429,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.ALREADY_DECIDED: 409,
    ErrorCode.NOT_READY: 409,
    ErrorCode.SAME_MODERATOR: 403,
    ErrorCode.BANNED: 403,
    ErrorCode.DEVICE_PAUSED: 403,
    ErrorCode.MUTED: 403,
    ErrorCode.ORIGIN_REFUSED: 403,
    ErrorCode.FLAGGER_REVOKED: 403,
    ErrorCode.NOT_AUTHOR: 403,
    ErrorCode.MESSAGE_UNKNOWN: 404,
    ErrorCode.DATA_RATE_LIMITED: 429,
    ErrorCode.UNSUPPORTED_CONTENT_TYPE: 415,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.STORE_UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}
# What aiohttp's router raises for an /api/ request no route takes, as an API error.
_ROUTING_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}
# Requests that change state: their Origin, when a browser sends one, must be this site's.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY = 4096
STARTED = time.time()


def request_lang(request: web.Request) -> str:
    header = request.headers.get("Accept-Language", "")
    first = header.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "fr"


def json_response(body: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def error_response(exc: ChatError, lang: str) -> web.Response:
    response = json_response({"error": exc.as_dict(lang)}, STATUS_BY_CODE.get(exc.code, 400))
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@web.middleware
async def api_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ChatError as exc:
        return error_response(exc, request_lang(request))
    except web.HTTPException as exc:
        # An unknown /api/ path or method is an API answer too: the JSON error object with
        # a stable code, not aiohttp's text page (the web pages keep theirs).
        code = _ROUTING_CODES.get(exc.status)
        if code is None or not request.path.startswith("/api/"):
            raise
        response = error_response(ChatError(code), request_lang(request))
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        log.exception("HTTP handler failed: %s %s", request.method, request.path)
        return error_response(ChatError(ErrorCode.INTERNAL), request_lang(request))


def _host_port(netloc: str, scheme: str) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    netloc = netloc.strip().lower()
    default = {"http": ":80", "https": ":443", "ws": ":80", "wss": ":443"}.get(scheme, "")
    return netloc[: -len(default)] if default and netloc.endswith(default) else netloc


def same_site_origin(request: web.Request) -> bool:
    """False when a browser says the request comes from another site.

    ``Origin`` (sent by browsers on every cross-site POST and WebSocket handshake) must name
    this host, as the client reached it (``Host``, which the proxy passes on; the scheme is
    not compared: TLS may end at the proxy). ``Origin: null`` (sandboxed frames, some
    redirects) is refused. Without ``Origin``, ``Sec-Fetch-Site`` decides when present; a
    request with neither is not from a browser (curl, scripts, tests): a forged request
    needs the victim's browser, which says where it comes from."""
    origin = request.headers.get("Origin")
    if origin is not None:
        scheme, sep, netloc = origin.partition("://")
        if not sep or not netloc or "/" in netloc:
            return False  # "null" and anything that is not scheme://host[:port]
        host = request.headers.get("Host", "")
        return bool(host) and _host_port(netloc, scheme) == _host_port(host, scheme)
    fetch_site = request.headers.get("Sec-Fetch-Site")
    return fetch_site is None or fetch_site in ("same-origin", "none")


@web.middleware
async def same_origin(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Cross-site request forgery: refuse a state-changing ``/api/`` request, or a
    WebSocket handshake (``/ws``), that a browser sent from another site (403
    ``origin_refused``), before its handler reads anything. Inside ``api_errors``."""
    changes = request.method in UNSAFE_METHODS and request.path.startswith("/api/")
    if (changes or request.path == "/ws") and not same_site_origin(request):
        log.warning(
            "cross-site request refused: %s %s from %r",
            request.method,
            request.path,
            request.headers.get("Origin", request.headers.get("Sec-Fetch-Site")),
        )
        raise ChatError(ErrorCode.ORIGIN_REFUSED)
    return await handler(request)


async def _chatter(request: web.Request) -> Chatter:
    token, device = credentials(request)
    return await request.app[SERVICE].live.authenticate(token, device)


async def meta(request: web.Request) -> web.Response:
    settings = request.app[SERVICE].settings
    return json_response(
        {
            "version": __version__,
            "genders": [g.value for g in Gender],
            "departments": [
                {"code": d.code, "name": d.name, "region": d.region} for d in departments().values()
            ],
            "limits": {
                "pseudonym_min": PSEUDONYM_MIN,
                "pseudonym_max": PSEUDONYM_MAX,
                "min_age": MIN_AGE,
                "max_age": MAX_AGE,
                "message_max_chars": settings.message_max_chars,
            },
            "pow_difficulty": request.app[SERVICE].pow_difficulty(),
        }
    )


async def pow_challenge(request: web.Request) -> web.Response:
    return json_response(request.app[SERVICE].issue_challenge())


async def read_body(request: web.Request, max_bytes: int = MAX_BODY) -> bytes:
    """The request's JSON body, refused (never truncated) past ``max_bytes``; a body that
    is not ``Content-Type: application/json`` is refused (415 ``unsupported_content_type``):
    a cross-site HTML form can only send form or text types, never JSON."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise ChatError(ErrorCode.BAD_FIELD, detail="body too large")
    raw = await request.content.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ChatError(ErrorCode.BAD_FIELD, detail="body too large")
    if raw.strip() and request.content_type != "application/json":
        raise ChatError(ErrorCode.UNSUPPORTED_CONTENT_TYPE)
    return raw


async def read_json(request: web.Request, max_bytes: int = MAX_BODY) -> dict[str, Any]:
    """The body as a JSON object (an empty body is ``{}``), or ``bad_json``."""
    raw = await read_body(request, max_bytes)
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ChatError(ErrorCode.BAD_JSON) from None
    if not isinstance(body, dict):
        raise ChatError(ErrorCode.BAD_JSON)
    return body


async def join(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    form = parse_body(JoinRequest, await read_body(request))
    if form.lang is None:
        form = form.model_copy(update={"lang": request_lang(request)})
    # The device token is made here when the browser has none, so that a refusal the
    # device must remember (under 15) can give it to the browser too.
    device = request.cookies.get(DEVICE_COOKIE) or new_device_token()
    try:
        token, device, chatter = await service.join(
            form, client_address(request, service.settings.trusted_proxies), device
        )
    except ChatError as exc:
        # What a join storm looks like from outside: refusals by code (join_rate_limited,
        # pow_invalid, device_paused, banned…) in causette_refused_total.
        metrics.REFUSED.labels(code=exc.code.value).inc()
        response = error_response(exc, form.lang or "fr")
        if exc.code is ErrorCode.AGE_TOO_YOUNG and DEVICE_COOKIE not in request.cookies:
            set_device_cookie(response, request, device)
        return response
    source = source_of(request, service.settings.trusted_proxies, service.clock())
    await service.retention.joined(chatter, source)
    response = json_response({"token": token, "me": chatter.me()}, 201)
    set_session_cookies(response, request, token, device, int(service.settings.session_ttl_s))
    return response


async def session(request: web.Request) -> web.Response:
    # "No session (yet)" is an answer, not an error: a first visit asks this every time.
    try:
        chatter = await _chatter(request)
    except ChatError as exc:
        if exc.code is ErrorCode.NOT_AUTHENTICATED:
            return json_response({"me": None})
        raise
    # A banned chatter's session is not "still open": say why, with the statement.
    await request.app[SERVICE].sanctions.check_hello(chatter)
    return json_response({"me": chatter.me()})


async def logout(request: web.Request) -> web.Response:
    chatter = await _chatter(request)
    service = request.app[SERVICE]
    # The chatter's socket may be held by another process: it ends there too.
    await service.live.logout(chatter, everywhere=True)
    response = web.Response(status=204)
    clear_session_cookie(response)
    return response


async def rooms(request: web.Request) -> web.Response:
    chatter = await _chatter(request)
    return json_response({"rooms": request.app[SERVICE].rooms(chatter)})


async def healthz(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    store = service.store
    # The outcome of the last write: a failed one (database away, disk full) until the
    # next one succeeds.
    available = store.available
    body: dict[str, object] = {
        "status": "ok",
        "version": __version__,
        "uptime_s": round(time.time() - STARTED, 1),
        "online": len(service.presence.profiles),
        "store": {
            "commits": store.commits,
            "writes": store.writes,
            "available": available,
            "outages": store.outages,
        },
        # What a join costs now, and why: raised under a join storm (docs/deploy.md).
        "pow": {
            "difficulty": service.pow_difficulty(),
            "solved_last_minute": service.join_storm_rate(),
        },
    }
    if not available:
        # Posts are refused with store_unavailable; live sockets and presence carry on.
        body["status"] = "degraded"
    cluster = service.cluster.status()
    if cluster is not None:
        # Redis down is "degraded", not a failure: this process still serves its clients.
        body["cluster"] = cluster
        if cluster["redis"] != "up":
            body["status"] = "degraded"
    return json_response(body)


async def metrics_endpoint(request: web.Request) -> web.Response:
    response = web.Response(body=generate_latest())
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/meta", meta)
    app.router.add_get("/api/pow", pow_challenge)
    app.router.add_post("/api/join", join)
    app.router.add_get("/api/session", session)
    app.router.add_post("/api/logout", logout)
    app.router.add_get("/api/rooms", rooms)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
