"""The browser client's files and the security headers every response carries.

``setup_web(app)`` does two things and touches nothing else:

1. serves ``src/causette/web/``: ``index.html`` at ``/`` and every other file under
   ``/static/<path>``, with explicit content types (``.js`` is always ``text/javascript``,
   whatever the host's mimetypes table says) and ``Cache-Control: no-cache`` so a new
   version is picked up at the next reload; the moderation console's page
   (``web/desk/index.html``) at ``/desk/``, its files under ``/static/desk/``;
2. appends a middleware, and an ``on_response_prepare`` hook for responses that never pass
   through a middleware (WebSocket handshakes, errors raised before routing), which set the
   strict Content-Security-Policy and the usual hardening headers on every response.

The client is plain ES modules: no inline script or style, no ``eval``, so the CSP below
needs no exception. Paths are resolved inside the web folder only; anything that escapes it,
is hidden (dot files), is too long or does not exist answers 404; a control character
(``%00``) answers 400.
"""

from __future__ import annotations

import pathlib
from collections.abc import Awaitable, Callable

from aiohttp import web

WEB_ROOT = pathlib.Path(__file__).resolve().parent.parent / "web"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
    ),
}

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _apply_headers(response: web.StreamResponse) -> None:
    if response.prepared:
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Set the security headers on every answer, including raised HTTP errors."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _apply_headers(exc)
        raise
    _apply_headers(response)
    return response


async def _on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    # Called from inside ``prepare``, when ``response.prepared`` already reads True but the
    # headers are not written yet: set them unconditionally. Not on a WebSocket's 101: no
    # document is rendered from it, and its headers stay in memory as long as the socket.
    if isinstance(response, web.WebSocketResponse):
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def _file_response(path: pathlib.Path) -> web.FileResponse:
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return web.FileResponse(
        path, headers={"Content-Type": content_type, "Cache-Control": "no-cache"}
    )


# Longer than any file of the client: answered 404 without asking the file system (which
# raises on a name over 255 bytes or a path over 4096).
PATH_MAX_CHARS = 512


def _resolve(root: pathlib.Path, relative: str) -> pathlib.Path | None:
    """The file ``relative`` names inside ``root``, or None if it is outside or missing.

    A NUL or another control character is a malformed request (400); an odd name (too
    long, undecodable) is simply not there: one access-log line, never a traceback."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in relative):
        raise web.HTTPBadRequest(text="malformed path")
    if (
        not relative
        or len(relative) > PATH_MAX_CHARS
        or any(part.startswith(".") for part in relative.split("/"))
    ):
        return None
    try:
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
    except (OSError, ValueError):  # a name too long for the file system, a lone surrogate
        return None
    return candidate


def make_handlers(root: pathlib.Path) -> tuple[Handler, Handler]:
    """The ``/`` and ``/static/{path}`` handlers serving the files under ``root``."""
    root = root.resolve()

    async def index(request: web.Request) -> web.StreamResponse:
        path = root / "index.html"
        if not path.is_file():
            raise web.HTTPNotFound()
        return _file_response(path)

    async def static(request: web.Request) -> web.StreamResponse:
        path = _resolve(root, request.match_info["path"])
        if path is None:
            raise web.HTTPNotFound()
        return _file_response(path)

    return index, static


async def _to_desk(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/desk/")


def page_handler(root: pathlib.Path, name: str) -> Handler:
    """A handler for one top-level page of the web folder (``/report.html``: the public
    report page, for people who are not in the chat)."""
    root = root.resolve()

    async def page(request: web.Request) -> web.StreamResponse:
        path = _resolve(root, name)
        if path is None:
            raise web.HTTPNotFound()
        return _file_response(path)

    return page


def setup_web(app: web.Application, root: pathlib.Path | None = None) -> None:
    """Serve the browser client from ``root`` (the package's web folder) and harden headers."""
    index, static = make_handlers(root or WEB_ROOT)
    app.router.add_get("/", index)
    app.router.add_get("/report.html", page_handler(root or WEB_ROOT, "report.html"))
    # The web app: its service worker must sit at the root to serve the whole site, and
    # the page it shows when the network is gone.
    app.router.add_get("/sw.js", page_handler(root or WEB_ROOT, "sw.js"))
    app.router.add_get("/offline.html", page_handler(root or WEB_ROOT, "offline.html"))
    app.router.add_get("/static/{path:.+}", static)
    # The moderation console (web/desk/): its page at /desk/, its files under /static/desk/.
    desk_index, _ = make_handlers((root or WEB_ROOT) / "desk")
    app.router.add_get("/desk/", desk_index)
    app.router.add_get("/desk", _to_desk)
    app.middlewares.append(security_headers)
    app.on_response_prepare.append(_on_prepare)
