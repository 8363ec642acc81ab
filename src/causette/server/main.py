"""Run the server: uvloop when available, graceful shutdown on SIGINT/SIGTERM.

Two process-wide settings come from the evening-peak benchmark (bench/README.md): a listen
backlog deep enough for a reconnect storm (the default 128 drops SYNs, and clients then
back off for seconds), and a garbage collector that walks neither the start-up objects
(rules, lexicons, catalogue) nor, again, what survived a collection (server/gc_policy.py) —
at 18,000 connections one full collection paused the process for about 1.8 s.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from causette.server import metrics
from causette.server.app import build_app
from causette.server.gc_policy import FreezeSurvivors
from causette.settings import Settings


def serve(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    loop: asyncio.AbstractEventLoop
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = build_app(settings)
    # Start-up's objects (rules, lexicons, catalogue) frozen, then every collection's
    # survivors (server/gc_policy.py): no collection walks 18,000 connections' state again.
    app.cleanup_ctx.append(FreezeSurvivors().running)
    metrics.watch_gc()
    print(f"causette: http://{settings.host}:{settings.port}/", flush=True)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        loop=loop,
        print=None,
        access_log=None,
        shutdown_timeout=5.0,
        backlog=4096,
    )
