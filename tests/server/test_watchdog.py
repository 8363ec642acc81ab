"""The stall watchdog names the code that blocks the event loop."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from causette.server.watchdog import StallWatchdog


def _hog_the_loop(seconds: float) -> None:
    time.sleep(seconds)


async def test_a_blocked_loop_is_reported_once_with_the_blocking_stack(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watchdog = StallWatchdog(threshold_s=0.05)
    caplog.set_level(logging.WARNING, logger="causette.server.watchdog")
    watchdog.start()
    try:
        await asyncio.sleep(0.1)
        assert watchdog.stalls == 0  # an idle loop is not a stalled one
        _hog_the_loop(0.3)
        await asyncio.sleep(0.1)
    finally:
        await watchdog.stop()
    assert watchdog.stalls == 1
    assert "_hog_the_loop" in caplog.text and "event loop blocked" in caplog.text
