"""The stall watchdog names the code that blocks the event loop."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from causette.server import metrics
from causette.server.watchdog import StallWatchdog


def _lags_over(seconds: float) -> float:
    for metric in metrics.LOOP_LAG.collect():
        for sample in metric.samples:
            if sample.name.endswith("_bucket") and sample.labels["le"] == "+Inf":
                total = sample.value
            elif sample.name.endswith("_bucket") and float(sample.labels["le"]) == seconds:
                under = sample.value
    return total - under


def _hog_the_loop(seconds: float) -> None:
    time.sleep(seconds)


async def test_a_blocked_loop_is_reported_once_with_the_blocking_stack(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watchdog = StallWatchdog(threshold_s=0.05)
    caplog.set_level(logging.WARNING, logger="causette.server.watchdog")
    long_lags = _lags_over(0.25)
    watchdog.start()
    try:
        await asyncio.sleep(0.1)
        assert watchdog.stalls == 0  # an idle loop is not a stalled one
        _hog_the_loop(0.3)
        await asyncio.sleep(0.1)
    finally:
        await watchdog.stop()
    assert watchdog.stalls == 1
    assert _lags_over(0.25) == long_lags + 1  # the whole stall is measured, once
    assert "_hog_the_loop" in caplog.text and "event loop blocked" in caplog.text
