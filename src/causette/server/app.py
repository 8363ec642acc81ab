"""Build the aiohttp application: settings -> store, bus, the server's parts, routes.

The one place that builds the server's parts and hands each the ones it uses
(``build_app``); everywhere else, a part is given, never made or assigned.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Callable
from importlib import resources
from typing import TYPE_CHECKING

from aiohttp import web

from causette.bus import Bus, LocalBus
from causette.core.rooms import Catalogue, parse_catalogue
from causette.safety.engine import SafetyEngine
from causette.safety.model import LearnedLayer, load_learned
from causette.safety.rules import Rules, load_rules
from causette.server.chat import ChatService
from causette.server.desk import DESK, Desk, setup_desk
from causette.server.desk.actions import ACTIONS
from causette.server.desk.queue import QUEUE_SOURCES
from causette.server.handlers import Handlers
from causette.server.http_api import api_errors, same_origin, setup_routes
from causette.server.keys import SERVICE, SETTINGS, WS_HANDLERS
from causette.server.legal_pages import setup_routes as setup_legal_pages
from causette.server.live import LiveChat
from causette.server.openapi import setup_routes as setup_openapi
from causette.server.own_data import OwnData
from causette.server.own_data_api import setup_routes as setup_own_data
from causette.server.pass_through import PassThrough
from causette.server.public_reports import setup_routes as setup_public_reports
from causette.server.reports import Reports
from causette.server.retention import Retention, load_audit_keys, load_keyring
from causette.server.rule_lists import RuleLists
from causette.server.safety_gate import SafetyGate
from causette.server.safety_layer import SafetyLayer
from causette.server.sanctions import Sanctions
from causette.server.single_process import SingleProcess
from causette.server.state import LiveState
from causette.server.watchdog import StallWatchdog
from causette.server.ws import websocket_handler
from causette.settings import Settings
from causette.store import SqlStore

if TYPE_CHECKING:
    from causette.server.cluster import Cluster
    from causette.server.ports import Processes

log = logging.getLogger(__name__)
# A graceful stop (SIGTERM; docs/deploy.md), in seconds. The sockets: half to hand queued
# frames over, half for the close handshakes.
DRAIN_S = 4.0
# Then the WebSocket handlers still running (one waiting for a hello, a resume queued behind
# the store) are cancelled and given this long to end.
HANDLERS_S = 1.0
# Then a plain HTTP request still in progress (aiohttp's shutdown timeout).
HTTP_REQUESTS_S = 1.0
# Then the cleanups: the safety state saved, the last writes committed, the bus and the
# store closed, each network wait bounded in its own module.
CLOSE_S = 3.0
# The whole stop: past it, server/main.py ends the process anyway (status 70).
STOP_S = DRAIN_S + HANDLERS_S + HTTP_REQUESTS_S + CLOSE_S


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


def build_app(settings: Settings, *, clock: Callable[[], float] = time.time) -> web.Application:
    """The whole server, built here and only here: each part is handed, by its constructor,
    the parts it uses (or the narrow ports of server/ports.py they play), from the bottom
    up: store and bus, the live state, the cluster, retention, the desk's feed, the live
    chat, then the parts that judge and act (own data, sanctions, safety, rules, reports),
    and the chat service on top. Nothing is wired afterwards. ``clock``: the one time
    every part reads (a test moves it)."""
    app = web.Application(middlewares=[api_errors, same_origin], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    catalogue = load_catalogue(settings)
    keyring = load_keyring(settings)
    store = SqlStore(
        settings.sqlalchemy_url(),
        batch_max=settings.group_commit_max,
        synchronous=settings.sqlite_synchronous,
        audit_keys=load_audit_keys(settings),
        # Message bodies are sealed at rest with the connection data's keys.
        message_keys=keyring,
    )
    state = LiveState()
    bus: Bus
    cluster: Cluster | None = None
    if settings.redis_url:
        # Several processes, one chat: Redis carries the bus and the shared presence.
        from causette.bus.redis import RedisBus
        from causette.server.cluster import Cluster

        bus = redis_bus = RedisBus(settings.redis_url, settings.redis_prefix)
        cluster = Cluster(
            state, store, catalogue, redis_bus, settings.redis_prefix, settings.cluster_ttl_s
        )
    else:
        bus = LocalBus()
    # The other processes as every part sees them: the cluster, or none (a null cluster).
    processes: Processes = cluster if cluster is not None else SingleProcess(state, bus)
    # Connection data is kept with every message, whatever routes are installed.
    retention = Retention(store, keyring, settings, clock)
    desk = app[DESK] = Desk(store, settings, cluster=cluster, clock=clock)
    gate = (
        SafetyGate(SafetyEngine(shared_rules(), shared_learned()), settings)
        if settings.safety_enabled
        else None
    )
    live = LiveChat(
        settings,
        catalogue,
        store,
        bus,
        state,
        retention,
        processes,
        read_flags=gate is not None,
        clock=clock,
    )
    # The live chat plays the sessions, rooms, conversations and messages of server/ports.py.
    own = OwnData(
        store,
        state,
        sessions=live,
        conversations=live,
        bus=bus,
        catalogue=catalogue,
        policy=retention.policy,
        limits=processes,
        clock=clock,
    )
    sanctions = Sanctions(
        settings,
        store,
        state,
        sessions=live,
        rooms=live,
        conversations=live,
        retractions=own,
        bus=bus,
        tasks=live.tasks,
        cluster=processes,
        clock=clock,
    )
    safety = None
    if gate is not None:
        shared = None
        if cluster is not None:
            # Here, not at the top: Redis is the `cluster` extra, absent from a single process.
            from causette.server.safety_shared import SharedRisk

            shared = SharedRisk(cluster.bus, settings.redis_prefix, gate.engine)
        safety = SafetyLayer(
            gate,
            settings,
            store,
            state,
            sessions=live,
            rooms=live,
            conversations=live,
            messages=live,
            bus=bus,
            queue=desk,
            cluster=processes,
            shared=shared,
            clock=clock,
        )
    rules = RuleLists(store, processes, live.tasks)
    reports = Reports(
        store,
        sessions=live,
        messages=live,
        queue=desk,
        preservations=retention,
        alerts=safety,
        clock=clock,
    )
    service = app[SERVICE] = ChatService(
        live,
        sanctions=sanctions,
        rules=rules,
        retention=retention,
        own=own,
        reports=reports,
        queue=desk,
        # The engine off: messages pass through (server/pass_through.py).
        screening=safety if safety is not None else PassThrough(),
        safety=safety,
    )

    # The desk's actions and queue read the few parts they use through narrow ports.
    app[ACTIONS] = service
    app[QUEUE_SOURCES] = service

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        watchdog = StallWatchdog(settings.stall_log_ms / 1000) if settings.stall_log_ms else None
        if watchdog is not None:
            watchdog.start()
        await store.start()
        await service.start()
        retention.start()
        log.info("causette ready: %d rooms, store %s", len(catalogue.rooms), store.url)
        yield
        await retention.close()
        await service.close()
        # The last writes (sessions' last-seen times, the safety state) commit, bounded.
        await store.close(timeout=CLOSE_S)
        if watchdog is not None:
            await watchdog.stop()

    handlers = app[WS_HANDLERS] = Handlers()

    async def drain(app: web.Application) -> None:
        # aiohttp has stopped accepting connections; close ours cleanly (1001) before it
        # waits for the handlers, instead of cutting them after its timeout (1006).
        await live.drain(DRAIN_S)
        # The handlers the drain could not end (no connection yet: a hello awaited, a
        # resume in the store's queue) end now: none outlives the store it uses.
        cancelled = await handlers.stop(HANDLERS_S)
        if cancelled:
            log.info(
                "stop: %d WebSocket handlers still running after the drain, cancelled", cancelled
            )

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
