"""``causette.server.web``: static files and security headers, without a browser."""

from __future__ import annotations

import pathlib
from typing import Any

from aiohttp import web

from causette.server.web import CONTENT_SECURITY_POLICY, setup_web


def _app(root: pathlib.Path) -> web.Application:
    app = web.Application()

    async def boom(request: web.Request) -> web.Response:
        raise web.HTTPBadRequest(text="no")

    async def ws(request: web.Request) -> web.WebSocketResponse:
        sock = web.WebSocketResponse()
        await sock.prepare(request)
        await sock.close()
        return sock

    app.router.add_get("/api/boom", boom)
    app.router.add_get("/ws", ws)
    setup_web(app, root)
    return app


def _site(tmp_path: pathlib.Path) -> pathlib.Path:
    root = tmp_path / "web"
    (root / "js").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>t</title>")
    (root / "js" / "a.js").write_text("export const a = 1;")
    (root / "app.css").write_text("body{}")
    (root / ".secret").write_text("hidden")
    (tmp_path / "outside.txt").write_text("outside")
    return root


async def test_index_and_modules_have_the_right_types(aiohttp_client: Any, tmp_path: Any) -> None:
    """/ is the page, modules are text/javascript, styles text/css, all revalidated."""
    client = await aiohttp_client(_app(_site(tmp_path)))
    page = await client.get("/")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    module = await client.get("/static/js/a.js")
    assert module.headers["Content-Type"].startswith("text/javascript")
    assert module.headers["Cache-Control"] == "no-cache"
    style = await client.get("/static/app.css")
    assert style.headers["Content-Type"].startswith("text/css")


async def test_security_headers_on_every_kind_of_response(
    aiohttp_client: Any, tmp_path: Any
) -> None:
    """Files, raised errors and unknown paths all carry the CSP and its companions.

    The WebSocket handshake (101) does not: no document is rendered from it, and whatever
    headers it is given stay in memory for the socket's whole life (~0.7 KB per idle
    chatter, issue 8)."""
    client = await aiohttp_client(_app(_site(tmp_path)))
    for path in ("/", "/static/js/a.js", "/api/boom", "/nowhere"):
        answer = await client.get(path)
        assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in answer.headers["Permissions-Policy"]
    sock = await client.ws_connect("/ws")
    assert "Content-Security-Policy" not in sock._response.headers
    await sock.close()


async def test_nothing_outside_the_web_folder_or_hidden_is_served(
    aiohttp_client: Any, tmp_path: Any
) -> None:
    """Traversal, encoded traversal and dot files answer 404."""
    client = await aiohttp_client(_app(_site(tmp_path)))
    for path in (
        "/static/../outside.txt",
        "/static/%2e%2e/outside.txt",
        "/static/.secret",
        "/static/js/",
        "/static/missing.js",
    ):
        answer = await client.get(path)
        assert answer.status == 404, path


def test_the_packaged_client_is_found() -> None:
    """The default root is the package's web folder, with the page and its entry module."""
    from causette.server import web as module

    assert (module.WEB_ROOT / "index.html").is_file()
    assert (module.WEB_ROOT / "js" / "main.js").is_file()
