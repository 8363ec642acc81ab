"""The WebSocket handlers running now: aiohttp's request tasks, held so that a graceful
stop ends every one of them.

Rules:
- server/ws.py adds each handler's task when it starts and discards it when it ends; a
  handler that starts once the stop has begun is refused.
- ``stop`` (server/app.py's drain, after the sockets were closed with 1001) cancels the
  handlers still running and waits for them, bounded: none outlives the store and the bus
  it uses, which are closed after.
"""

from __future__ import annotations

import asyncio
from typing import Any


class Handlers:
    """Why: a handler the drain cannot reach (one waiting for its hello, a resume queued
    behind a busy store during a reconnect storm) ran on after the drain; aiohttp then
    waited for it for its shutdown timeout, twice, and gave up on the cleanup (see
    server/main.py), so the store and the bus were never closed (issue 17)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False

    def __len__(self) -> int:
        return len(self._tasks)

    def add(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)

    def discard(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)

    # One budget, waited quietly: a stop goes on whatever a handler does.
    async def stop(self, timeout: float) -> int:  # noqa: ASYNC109
        """Cancel every handler still running and wait for them, at most ``timeout``
        seconds (a handler's cleanup is bounded: Connection.stop, TaskOwner.close); from
        now on a new socket is refused. The number of handlers cancelled."""
        self.stopping = True
        pending = set(self._tasks)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return len(pending)
