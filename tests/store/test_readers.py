"""The reader threads take the oldest read first (store/readers.py, issue 17): the reads of
a resume that arrived earlier go ahead of those of the resumes that came after it."""

from __future__ import annotations

import asyncio
import threading
import time

from causette.store.readers import OldestFirst, reads_since


def _blocked(pool: OldestFirst) -> tuple[threading.Event, threading.Event]:
    """Occupy the pool's one thread until ``release`` is set; ``busy`` once it is."""
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(10)

    pool.submit(hold)
    assert busy.wait(10)
    return busy, release


async def test_reads_are_taken_oldest_first_not_first_asked() -> None:
    pool = OldestFirst(1, "test-reader")
    try:
        _, release = _blocked(pool)
        ran: list[str] = []
        futures = []
        t = time.monotonic()
        # Asked in this order while the thread is busy: a late resume's read, an early
        # resume's later read, a read outside any resume (its age: when it is asked), the
        # read of the earliest resume.
        for name, since in [("late", t - 1), ("early", t - 3), ("now", None), ("first", t - 5)]:
            if since is None:
                futures.append(pool.submit(lambda name=name: ran.append(name)))
                continue
            with reads_since(since):
                futures.append(pool.submit(lambda name=name: ran.append(name)))
        release.set()
        await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
        assert ran == ["first", "early", "late", "now"]
    finally:
        pool.shutdown()


async def test_a_read_cancelled_before_its_turn_never_runs() -> None:
    pool = OldestFirst(1, "test-reader")
    try:
        _, release = _blocked(pool)
        ran: list[str] = []
        dropped = pool.submit(lambda: ran.append("dropped"))
        kept = pool.submit(lambda: ran.append("kept"))
        assert dropped.cancel()
        release.set()
        await asyncio.wrap_future(kept)
        assert ran == ["kept"]
    finally:
        pool.shutdown()


async def test_shutdown_runs_what_is_queued_then_takes_nothing() -> None:
    pool = OldestFirst(2, "test-reader")
    ran: list[int] = []
    futures = [pool.submit(lambda i=i: ran.append(i)) for i in range(20)]
    pool.shutdown()
    assert all(f.done() for f in futures) and sorted(ran) == list(range(20))
    try:
        pool.submit(lambda: None)
    except RuntimeError:
        pass
    else:
        raise AssertionError("a read was taken after shutdown")
