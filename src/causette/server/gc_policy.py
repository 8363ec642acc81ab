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
- After every collection its survivors are frozen (a callback, in whatever thread allocated
  last: freezing is a list splice under the GIL).
- Frozen objects are still freed by reference counting; reference cycles among them are
  not (a closed aiohttp connection leaves ~57 objects in cycles: tracebacks, its handler
  and transport). So the frozen set is allowed to grow to ``growth`` times what it was after
  the previous clean-up (and at least ``floor`` objects); past that, on the event loop, it is
  unfrozen and collected once (one long pause, each time the live state has doubled or as
  much as it holds has been left behind), then frozen again.
- One policy per process (``serve`` installs it); ``uninstall`` restores the collector.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

log = logging.getLogger(__name__)

# Objects allocated (net) between two young collections: the pause is proportional to it.
# 100,000 (the previous setting) paused 20-50 ms on this loaded 2-core machine.
YOUNG_THRESHOLD = 20_000
GROWTH = 2.0
FLOOR = 500_000


class FreezeSurvivors:
    def __init__(self, *, growth: float = GROWTH, floor: int = FLOOR) -> None:
        self.growth = growth
        self.floor = floor
        self.baseline = 0  # frozen objects right after the last clean-up
        self.cleanups = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._due = False
        self._cleaning = False
        self._thresholds = gc.get_threshold()

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Collect and freeze what start-up built, then freeze every collection's survivors."""
        self._loop = loop
        self._thresholds = gc.get_threshold()
        gc.collect()
        gc.freeze()
        self.baseline = gc.get_freeze_count()
        gc.set_threshold(YOUNG_THRESHOLD, 50, 1000)
        if self._after not in gc.callbacks:
            gc.callbacks.append(self._after)

    def uninstall(self) -> None:
        if self._after in gc.callbacks:
            gc.callbacks.remove(self._after)
        gc.set_threshold(*self._thresholds)
        gc.unfreeze()
        self._loop = None

    @property
    def limit(self) -> int:
        return max(self.floor, int(self.baseline * self.growth))

    def _after(self, phase: str, _info: dict[str, Any]) -> None:
        if phase != "stop" or self._cleaning:
            return
        gc.freeze()
        if not self._due and gc.get_freeze_count() > self.limit and self._loop is not None:
            # Not from here: a collection cannot start inside a collector callback.
            self._due = True
            try:
                self._loop.call_soon_threadsafe(self.clean_up)
            except RuntimeError:  # the loop is closed: the process is ending
                self._due = False

    def clean_up(self) -> None:
        """Unfreeze, collect everything once, freeze the survivors; a new baseline."""
        self._due = False
        self._cleaning = True
        started = time.perf_counter()
        try:
            gc.unfreeze()
            found = gc.collect()
            gc.freeze()
        finally:
            self._cleaning = False
        self.baseline = gc.get_freeze_count()
        self.cleanups += 1
        log.info(
            "gc: full clean-up %d collected %d objects in %.0f ms; %d objects frozen",
            self.cleanups,
            found,
            (time.perf_counter() - started) * 1000,
            self.baseline,
        )
