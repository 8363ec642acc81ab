"""Run the server: uvloop when available, graceful shutdown on SIGINT/SIGTERM, bounded.

Two process-wide settings come from the evening-peak benchmark (bench/README.md): a listen
backlog deep enough for a reconnect storm (the default 128 drops SYNs, and clients then
back off for seconds), and a garbage collector that walks neither the start-up objects
(rules, lexicons, catalogue) nor, again, what survived a collection (server/gc_policy.py) —
at 18,000 connections one full collection paused the process for about 1.8 s.

The stop (docs/deploy.md, "A process is stopped"):
- Not aiohttp's ``run_app``: it stops by cancelling the task that then runs the whole
  shutdown, and aiohttp re-raises a handler's shutdown timeout in a cancelled task, which
  skipped every cleanup context (store, bus, safety state) and left the loop's last
  ``cancel everything`` to wait on a handler whose store write would never come: a process
  of a rolling restart under a resume storm stayed up, idle, until SIGKILLed (issue 17).
  Here the signal sets an event and the stop runs in a task nobody cancels.
- A stop ends within ``STOP_S`` (server/app.py) of the signal: the drain, the handlers
  still running, then each cleanup, every network wait bounded in its own module. Should
  anything still hold the process at ``STOP_S`` (a database call that never returns in a
  worker thread, which the interpreter's exit would join), a watchdog thread logs every
  thread's stack and ends the process with ``EXIT_OVERDUE``: every acknowledged message
  is already stored, so ending there loses nothing, and the status says it was not clean.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import logging
import os
import signal
import sys
import threading

from aiohttp import web

from causette.server import metrics
from causette.server.app import HTTP_REQUESTS_S, STOP_S, build_app
from causette.server.gc_policy import FreezeSurvivors
from causette.settings import Settings

log = logging.getLogger(__name__)

# The exit status of a stop that overran STOP_S (EX_SOFTWARE): systemd logs it as a failure.
EXIT_OVERDUE = 70


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
    try:
        loop.run_until_complete(_run(app, settings))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()
    # The interpreter's exit would now collect the whole heap (server/gc_policy.py's freeze
    # is undone by its cleanup): 3-5 s after the stop for a process that held 1,000
    # clients, on a loaded 2-core machine (py-spy: gc_collect_main, after the loop had
    # closed). The store and the bus are closed: nothing left needs collecting. Frozen,
    # the exit does not walk it.
    gc.freeze()


async def _run(app: web.Application, settings: Settings) -> None:
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        # What is left for a plain HTTP request in progress at the stop; the WebSocket
        # handlers were ended by the drain before (server/app.py).
        shutdown_timeout=HTTP_REQUESTS_S,
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port, backlog=4096)
        await site.start()
        print(f"causette: http://{settings.host}:{settings.port}/", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        log.info("stopping: draining within %.0f s", STOP_S)
        _overdue_after(STOP_S)
    finally:
        await runner.cleanup()
    log.info("stopped")


def _overdue_after(seconds: float) -> None:
    """From now on, the process ends within ``seconds`` whatever holds it."""

    def overdue() -> None:
        log.error("stop overdue after %.0f s: every thread's stack follows; exiting", seconds)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        logging.shutdown()
        os._exit(EXIT_OVERDUE)

    timer = threading.Timer(seconds, overdue)
    timer.daemon = True  # never itself what the interpreter's exit waits for
    timer.name = "causette-stop-watchdog"
    timer.start()
