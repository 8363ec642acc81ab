"""When objects leave the garbage collector's sight, and when they come back.

What it owns: ``gc.freeze``/``gc.unfreeze`` and the collector's thresholds, for a process
that holds many long-lived connections.

Why: CPython walks, at each young collection, every object allocated since the last one;
those that survive move on to older generations, which are walked again, all together, by
the rarer older collections. A connection's state lives for minutes or hours: walking it
again finds nothing, and with 18,000 connections one such walk stopped the event loop for
0.5-2 s (bench/README.md). Objects that survived a collection are frozen instead, so a
collection only ever walks what was allocated since the previous one: a pause is bounded
by the young threshold, whatever the number of connections.

Rules:
- After every collection its survivors are frozen (a collector callback, in whatever thread
  allocated last: freezing is a list splice under the GIL, it walks nothing).
- Frozen objects are still freed by reference counting; reference cycles among them are
  not (a closed aiohttp connection leaves ~57 objects in cycles: tracebacks, its handler
  and transport). So every ``check_s`` the loop reads the memory blocks Python holds
  (``sys.getallocatedblocks``, ~1 ms; counting the frozen objects walks them all: ~50 ms
  at 3 million); when they have grown ``growth`` times since the last clean-up (and past
  ``floor``), everything is unfrozen and collected once (one long pause, each time the
  live state has doubled or as much as it holds has been left behind), then frozen again.
- One policy per process: ``serve`` runs it around the app (``running``), which installs
  it, owns its check loop and uninstalls it at the end.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from causette.tasks import TaskOwner

log = logging.getLogger(__name__)

# Objects allocated (net) between two young collections: the pause is proportional to it.
# 100,000 (the previous setting) paused 20-50 ms on this loaded 2-core machine.
YOUNG_THRESHOLD = 20_000
GROWTH = 2.0
FLOOR = 2_000_000  # memory blocks (~ objects) under which no clean-up is worth a pause
CHECK_S = 10.0


class FreezeSurvivors:
    def __init__(
        self, *, growth: float = GROWTH, floor: int = FLOOR, check_s: float = CHECK_S
    ) -> None:
        self.growth = growth
        self.floor = floor
        self.check_s = check_s
        self.baseline = 0  # memory blocks right after the last clean-up
        self.cleanups = 0
        self._cleaning = False
        self._thresholds = gc.get_threshold()
        self.tasks = TaskOwner("gc")

    def install(self) -> None:
        """Collect and freeze what start-up built, then freeze every collection's survivors."""
        self._thresholds = gc.get_threshold()
        gc.collect()
        gc.freeze()
        self.baseline = sys.getallocatedblocks()
        gc.set_threshold(YOUNG_THRESHOLD, 50, 1000)
        if self._after not in gc.callbacks:
            gc.callbacks.append(self._after)

    def uninstall(self) -> None:
        if self._after in gc.callbacks:
            gc.callbacks.remove(self._after)
        gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    async def running(self, _app: web.Application) -> AsyncIterator[None]:
        """An aiohttp cleanup context: installed, checked every ``check_s``, uninstalled."""
        self.install()
        self.tasks = TaskOwner("gc")
        self.tasks.spawn(self._check_loop(), name="check")
        yield
        await self.tasks.close()
        self.uninstall()

    @property
    def limit(self) -> int:
        return max(self.floor, int(self.baseline * self.growth))

    def _after(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "stop" and not self._cleaning:
            gc.freeze()

    async def _check_loop(self) -> None:
        while True:
            await asyncio.sleep(self.check_s)
            self.check()

    def check(self) -> bool:
        """Clean up if the memory held has grown past the limit; True if it did."""
        if sys.getallocatedblocks() <= self.limit:
            return False
        self.clean_up()
        return True

    def clean_up(self) -> None:
        """Unfreeze, collect everything once, freeze the survivors; a new baseline."""
        self._cleaning = True
        started = time.perf_counter()
        try:
            gc.unfreeze()
            found = gc.collect()
            gc.freeze()
        finally:
            self._cleaning = False
        self.baseline = sys.getallocatedblocks()
        self.cleanups += 1
        log.info(
            "gc: full clean-up %d collected %d objects in %.0f ms; %d memory blocks held",
            self.cleanups,
            found,
            (time.perf_counter() - started) * 1000,
            self.baseline,
        )
