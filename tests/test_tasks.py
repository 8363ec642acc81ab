"""The task owner: nothing it started outlives close(), and no failure goes unseen."""

from __future__ import annotations

import asyncio
import logging

import pytest

from causette.tasks import TaskOwner


async def test_close_cancels_and_waits_until_each_task_is_over() -> None:
    owner = TaskOwner("test")
    started = asyncio.Event()
    cleaned_up: list[str] = []

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            # Cleanup that itself awaits: close() must not return before it is done.
            await asyncio.sleep(0)
            cleaned_up.append("done")

    task = owner.spawn(forever(), name="forever")
    await started.wait()
    await owner.close()
    assert task.cancelled()
    assert cleaned_up == ["done"]
    assert len(owner) == 0


async def test_a_job_is_given_time_to_finish_before_it_is_cancelled() -> None:
    owner = TaskOwner("test", finish_within=5.0)
    release = asyncio.Event()
    landed: list[str] = []

    async def write() -> None:
        await release.wait()
        landed.append("written")

    owner.spawn(write(), name="write", finish=True)
    await asyncio.sleep(0)
    closing = asyncio.ensure_future(owner.close())
    await asyncio.sleep(0)
    release.set()
    await closing
    assert landed == ["written"]


async def test_an_exception_is_logged_with_its_context_and_not_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = TaskOwner("test")

    async def fails() -> None:
        raise ValueError("broken")

    task = owner.spawn(fails(), name="check", context="message 42")
    with caplog.at_level(logging.ERROR, logger="causette.tasks"):
        await asyncio.wait([task])
    assert owner.failures == 1
    [record] = [r for r in caplog.records if r.name == "causette.tasks"]
    assert "test:check failed (message 42)" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
    await owner.close()


async def test_a_failed_timer_is_logged_and_close_cancels_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = TaskOwner("test")
    fired = asyncio.Event()
    called: list[str] = []

    def fails() -> None:
        fired.set()
        raise RuntimeError("timer broke")

    owner.later(0, fails)
    waiting = owner.later(3600, called.append, "late")
    with caplog.at_level(logging.ERROR, logger="causette.tasks"):
        await fired.wait()
        await asyncio.sleep(0)
    assert owner.failures == 1
    assert any("timer fails failed" in r.getMessage() for r in caplog.records)
    await owner.close()
    assert waiting.cancelled()


async def test_the_caller_of_close_can_still_be_cancelled() -> None:
    owner = TaskOwner("test")
    let_go = asyncio.Event()

    async def stubborn() -> None:
        # Slow to end: the one waiting on close() is cancelled meanwhile.
        try:
            await asyncio.Event().wait()
        finally:
            await let_go.wait()

    task = owner.spawn(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    closer = asyncio.ensure_future(owner.close())
    await asyncio.sleep(0)
    closer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closer
    let_go.set()
    await asyncio.wait([task])


async def test_nothing_starts_after_close() -> None:
    owner = TaskOwner("test")
    await owner.close()
    ran: list[str] = []

    async def job() -> None:
        ran.append("ran")

    future = owner.spawn(job(), name="late")
    assert future.cancelled()
    assert owner.later(0, ran.append, "timer").cancelled()
    assert len(owner) == 0


async def test_join_waits_for_every_task_without_cancelling_any() -> None:
    owner = TaskOwner("test")
    release = asyncio.Event()
    done: list[str] = []

    async def second() -> None:
        done.append("second")

    async def first() -> None:
        await release.wait()
        owner.spawn(second(), name="second")  # started while join() waits: awaited too
        done.append("first")

    owner.spawn(first(), name="first")
    joining = asyncio.ensure_future(owner.join())
    await asyncio.sleep(0)
    assert not joining.done()
    release.set()
    await joining
    assert done == ["first", "second"]
    await owner.close()


async def test_jobs_done_waits_for_the_jobs_and_their_follow_ups_not_the_loops() -> None:
    owner = TaskOwner("test")
    done: list[str] = []
    release = asyncio.Event()

    async def follow_up() -> None:
        await release.wait()
        done.append("follow-up")

    async def job() -> None:
        await asyncio.sleep(0)
        owner.spawn(follow_up(), name="follow-up", finish=True)
        done.append("job")

    loop_task = owner.spawn(asyncio.Event().wait(), name="loop")  # a background loop
    owner.spawn(job(), name="job", finish=True)
    waiting = asyncio.ensure_future(owner.jobs_done())
    for _ in range(5):
        await asyncio.sleep(0)
    # The job is over, its follow-up is not: still waiting.
    assert done == ["job"] and not waiting.done()
    release.set()
    await asyncio.wait_for(waiting, 5)
    assert done == ["job", "follow-up"]
    assert not loop_task.done()
    await owner.close()
