"""Background work owned by one service: every task and timer it starts is held, named, its
failure logged (never lost), and ``close()`` cancels what is left and waits until it is over.

Used by the server's services, the Redis bus and the store alike (it imports nothing of
them), each starting its owner's work in its start and closing it in its close.

Rules:
- ``spawn(coro, name=...)`` starts a task the owner holds until it ends. A task that raises
  is logged with its name (and whatever ``context`` the caller gave, a message id); the
  service goes on.
- ``finish=True`` marks a short job whose effect should land (a session's last-seen time,
  a snapshot): ``close()`` lets it run up to ``finish_within`` seconds before cancelling it.
  Everything else (loops, waits) is cancelled at once.
- ``later(delay, callback, ...)`` is a timer: cancelled by ``close()``, its exception logged.
- ``join()`` waits for every task to end by itself (a connection's posts in flight).
- ``close()`` returns only once every task has ended, so nothing the service started
  touches a store or a socket that is closed after it. A cancellation of ``close()``'s own
  caller is never swallowed.
- After ``close()``, nothing new starts: a late job is dropped (and logged at debug).

Why not ``asyncio.TaskGroup`` itself: a group cancels every sibling when one task fails and
raises them all to the one ``async with`` that encloses it; a failed side job (a trim, a
snapshot write) must be logged, not stop the chat, and a service starts and closes in two
calls, not one block.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

FINISH_WITHIN_S = 1.0


class TaskOwner:
    def __init__(self, owner: str, *, finish_within: float = FINISH_WITHIN_S) -> None:
        self.owner = owner
        self.finish_within = finish_within
        self.failures = 0
        self.closed = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._jobs: set[asyncio.Task[Any]] = set()  # the ``finish=True`` ones, also in _tasks
        # Made at the first timer: most owners (a chatter's posts in flight) have none.
        self._timers: weakref.WeakSet[asyncio.TimerHandle] | None = None

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        name: str,
        finish: bool = False,
        context: str = "",
    ) -> asyncio.Future[T]:
        """Start ``coro`` as a task this owner holds (after ``close()``: not started, and
        the future returned is cancelled, as if close had come a moment later)."""
        loop = asyncio.get_running_loop()
        if self.closed:
            log.debug("%s: closed, %s not started", self.owner, name)
            coro.close()
            dropped: asyncio.Future[T] = loop.create_future()
            dropped.cancel()
            return dropped
        task = loop.create_task(coro, name=f"{self.owner}:{name}")
        self._tasks.add(task)
        if finish:
            self._jobs.add(task)
        task.add_done_callback(lambda done: self._ended(done, context))
        return task

    def later(
        self, delay: float, callback: Callable[..., object], *args: Any
    ) -> asyncio.TimerHandle:
        """Call ``callback(*args)`` in ``delay`` seconds, unless cancelled (or closed) first."""
        handle = asyncio.get_running_loop().call_later(delay, self._call, callback, args)
        if self.closed:
            handle.cancel()
            return handle
        if self._timers is None:
            self._timers = weakref.WeakSet()
        self._timers.add(handle)
        return handle

    def _call(self, callback: Callable[..., object], args: tuple[Any, ...]) -> None:
        try:
            callback(*args)
        except Exception:
            self.failures += 1
            log.exception("%s: timer %s failed", self.owner, getattr(callback, "__name__", "?"))

    def _ended(self, task: asyncio.Task[Any], context: str) -> None:
        self._tasks.discard(task)
        self._jobs.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.failures += 1
            log.error(
                "%s failed%s",
                task.get_name(),
                f" ({context})" if context else "",
                exc_info=exc,
            )

    async def join(self) -> None:
        """Wait, without cancelling anything, until every task has ended (those started
        meanwhile too)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def jobs_done(self) -> None:
        """Wait, cancelling nothing, until every side job (``finish=True``) started so
        far, and those started meanwhile, has ended: what a message set off after its
        ack (safety's ``after``) is over. A barrier for tests that prove nothing more
        happened, instead of a sleep."""
        while self._jobs:
            await asyncio.wait(set(self._jobs))

    async def close(self) -> None:
        """Cancel what is left (after a short time for jobs) and wait for every task."""
        self.closed = True
        for handle in list(self._timers or ()):
            handle.cancel()
        self._timers = None
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=self.finish_within)
        # A task may start another while it is cancelled (a finally that spawns): go on
        # until none is left.
        while self._tasks:
            pending = set(self._tasks)
            for task in pending:
                task.cancel()
            # asyncio.wait never raises the tasks' errors (logged by _ended) nor their
            # cancellation; a cancellation of this coroutine's caller goes through.
            await asyncio.wait(pending)
