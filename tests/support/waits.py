"""Waiting on a condition, never on time: tests retry a probe until it holds or time runs out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


async def eventually(
    probe: Callable[[], Awaitable[Any]], timeout: float = 5.0, interval: float = 0.05
) -> Any:
    """Retry ``probe`` until it returns a truthy value (views that converge, not at once)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"never true: {value!r}")
        await asyncio.sleep(interval)
