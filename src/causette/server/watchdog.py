"""A watchdog for event-loop stalls: when the loop does not come back for longer than a
threshold, log where it is stuck (its thread's Python stack).

Every chatter waits while the loop is blocked, so a stall is a latency spike for all of
them; the stack says whose code it was. The loop touches a heartbeat every ``tick``; a
thread checks it and, past ``threshold_s``, takes the loop thread's current frame (the
check itself costs nothing to the loop). Off unless ``stall_log_ms`` is set.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback

from causette.server import metrics
from causette.tasks import TaskOwner

log = logging.getLogger(__name__)


class StallWatchdog:
    def __init__(self, threshold_s: float, tick_s: float = 0.01) -> None:
        self.threshold_s = threshold_s
        self.tick_s = tick_s
        self.beat = time.monotonic()
        self.stalls = 0
        self._loop_thread = threading.get_ident()
        self._stop = threading.Event()
        self.tasks = TaskOwner("watchdog")
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._loop_thread = threading.get_ident()
        self.tasks.spawn(self._heartbeat(), name="heartbeat")
        self._thread = threading.Thread(target=self._watch, name="causette-watchdog", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        await self.tasks.close()

    async def _heartbeat(self) -> None:
        while True:
            before = time.monotonic()
            self.beat = before
            await asyncio.sleep(self.tick_s)
            # How much later than asked the loop came back: the whole stall, measured.
            metrics.LOOP_LAG.observe(max(0.0, time.monotonic() - before - self.tick_s))

    def _watch(self) -> None:
        reported = 0.0
        while not self._stop.wait(self.threshold_s / 2):
            late = time.monotonic() - self.beat
            if late < self.threshold_s or self.beat == reported:
                continue
            reported = self.beat  # one report per stall, taken while it lasts
            self.stalls += 1
            frame = sys._current_frames().get(self._loop_thread)
            stack = "".join(traceback.format_stack(frame, limit=12)) if frame else "?"
            log.warning("event loop blocked for %.0f ms so far, in:\n%s", late * 1000, stack)
