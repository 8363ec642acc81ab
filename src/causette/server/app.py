"""Build the aiohttp application: settings -> store, bus, chat service, routes."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from importlib import resources

from aiohttp import web

from causette.bus import LocalBus
from causette.core.rooms import Catalogue, parse_catalogue
from causette.safety.engine import SafetyEngine
from causette.safety.model import LearnedLayer, load_learned
from causette.safety.rules import Rules, load_rules
from causette.server.chat import ChatService
from causette.server.desk import setup_desk
from causette.server.http_api import api_errors, same_origin, setup_routes
from causette.server.keys import SERVICE, SETTINGS
from causette.server.legal_pages import setup_routes as setup_legal_pages
from causette.server.openapi import setup_routes as setup_openapi
from causette.server.own_data_api import setup_routes as setup_own_data
from causette.server.public_reports import setup_routes as setup_public_reports
from causette.server.retention import load_audit_keys, load_keyring
from causette.server.safety_gate import SafetyGate
from causette.server.safety_layer import SafetyLayer
from causette.server.watchdog import StallWatchdog
from causette.server.ws import websocket_handler
from causette.settings import Settings
from causette.store import SqlStore

log = logging.getLogger(__name__)
# Seconds a graceful stop gives sockets to flush and close (docs/deploy.md): half to hand
# queued frames over, half for the close handshakes.
DRAIN_S = 4.0


def load_catalogue(settings: Settings) -> Catalogue:
    if settings.rooms_file is not None:
        text = settings.rooms_file.read_text("utf-8")
    else:
        text = resources.files("causette").joinpath("data/rooms.toml").read_text("utf-8")
    return parse_catalogue(text)


@functools.cache
def shared_rules() -> Rules:
    """The safety rules, loaded and validated once per process (an engine's state is its
    own; its rules are read-only)."""
    return load_rules()


@functools.cache
def shared_learned() -> LearnedLayer | None:
    """The safety engine's learned layer, read once per process (read-only weights; its
    word cache is a memo any engine may share)."""
    return load_learned()


def build_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[api_errors, same_origin], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    catalogue = load_catalogue(settings)
    store = SqlStore(
        settings.sqlalchemy_url(),
        batch_max=settings.group_commit_max,
        synchronous=settings.sqlite_synchronous,
        audit_keys=load_audit_keys(settings),
        # Message bodies are sealed at rest with the connection data's keys.
        message_keys=load_keyring(settings),
    )
    if settings.redis_url:
        # Several processes, one chat: Redis carries the bus and the shared presence.
        from causette.bus.redis import RedisBus
        from causette.server.cluster import Cluster

        bus = RedisBus(settings.redis_url, settings.redis_prefix)
        service = ChatService(settings, catalogue, store, bus)
        service.cluster = Cluster(service, bus, settings.redis_prefix, settings.cluster_ttl_s)
    else:
        service = ChatService(settings, catalogue, store, LocalBus())
    if settings.safety_enabled:
        service.safety = SafetyLayer(
            service,
            SafetyGate(SafetyEngine(shared_rules(), shared_learned()), settings),
        )
    app[SERVICE] = service

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        watchdog = StallWatchdog(settings.stall_log_ms / 1000) if settings.stall_log_ms else None
        if watchdog is not None:
            watchdog.start()
        await store.start()
        await service.start()
        log.info("causette ready: %d rooms, store %s", len(catalogue.rooms), store.url)
        yield
        await service.close()
        await store.close()
        if watchdog is not None:
            await watchdog.stop()

    async def drain(app: web.Application) -> None:
        # aiohttp has stopped accepting connections; close ours cleanly (1001) before it
        # waits for the handlers, instead of cutting them after its timeout (1006).
        await service.drain(DRAIN_S)

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(drain)
    setup_routes(app)
    setup_openapi(app)
    setup_desk(app)
    setup_public_reports(app)
    setup_legal_pages(app)
    setup_own_data(app)
    app.router.add_get("/ws", websocket_handler)
    try:
        from causette.server.web import setup_web
    except ImportError:
        pass
    else:
        setup_web(app)
    return app
