"""Run the server: uvloop when available, graceful shutdown on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from causette.server.app import build_app
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
    print(f"causette: http://{settings.host}:{settings.port}/", flush=True)
    web.run_app(
        build_app(settings),
        host=settings.host,
        port=settings.port,
        loop=loop,
        print=None,
        access_log=None,
        shutdown_timeout=5.0,
    )
