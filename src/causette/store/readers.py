"""The store's reader threads, oldest request first.

Why: in a resume storm (the clients of a process that died, all back at once: bench
bench_chaos.py, issue 17) every resume asks for its reads one after the other, and with a
first-come queue each of its reads waits behind the reads every other resume asked for
meanwhile. The measure: 4 reads per resume, each a few milliseconds in the database, and
seconds in the queue, so that every resume of a storm ended near the storm's end. Served
oldest request first, the reads of a resume that arrived earlier go ahead of those of the
resumes that came after it: resumes end one after the other in their order of arrival,
the first ones at once, and the storm takes no longer.

Rules:
- A read's age is ``since``: the time the work it serves began (``reads_since``, set by
  the server around a resume: its hello's arrival), else the time it is asked for; ties
  in the order asked. Monotonic seconds (``time.monotonic``).
- A read cancelled before a thread takes it is never run.
- ``shutdown`` runs what is queued, then stops the threads; nothing is taken after it.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_SINCE: contextvars.ContextVar[float | None] = contextvars.ContextVar("read_since", default=None)

_Item = tuple[float, int, Callable[[], Any] | None, "Future[Any] | None"]


@contextlib.contextmanager
def reads_since(since: float) -> Iterator[None]:
    """The reads asked inside (by this task, and by the tasks it starts) are as old as
    ``since`` (``time.monotonic()``)."""
    token = _SINCE.set(since)
    try:
        yield
    finally:
        _SINCE.reset(token)


class OldestFirst:
    """``threads`` reader threads (started at the first read) taking the oldest read."""

    def __init__(self, threads: int, name: str) -> None:
        self._size = threads
        self._name = name
        self._queue: queue.PriorityQueue[_Item] = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        since = _SINCE.get()
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new reads after shutdown")
            if not self._threads:
                for i in range(self._size):
                    thread = threading.Thread(
                        target=self._work, name=f"{self._name}_{i}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
            self._queue.put(
                (time.monotonic() if since is None else since, next(self._order), fn, future)
            )
        return future

    def _work(self) -> None:
        while True:
            _, _, fn, future = self._queue.get()
            if fn is None or future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while it waited: its reader is gone
            try:
                result = fn()
            except BaseException as exc:  # handed to the caller, as an executor does
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            for _ in threads:
                self._queue.put((math.inf, next(self._order), None, None))
        for thread in threads:
            thread.join()
