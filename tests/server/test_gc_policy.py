"""The collector's policy (server/gc_policy.py): survivors of a collection are frozen, and
reference cycles left among frozen objects are collected once the frozen set has grown past
its limit."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from causette.server.gc_policy import YOUNG_THRESHOLD, FreezeSurvivors


class Node:
    """A reference cycle of its own, as a closed connection's handler and transport are."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def policy() -> Iterator[FreezeSurvivors]:
    thresholds = gc.get_threshold()
    made = FreezeSurvivors(floor=50_000)
    yield made
    made.uninstall()
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


async def _loop_turns(n: int = 3) -> None:
    """Let callbacks scheduled on the loop (from the collector's callback) run."""
    for _ in range(n):
        await asyncio.sleep(0)


async def test_survivors_of_a_collection_are_frozen(policy: FreezeSurvivors) -> None:
    policy.install(asyncio.get_running_loop())
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    before = gc.get_freeze_count()
    alive = [Node() for _ in range(5_000)]
    gc.collect(0)
    assert gc.get_freeze_count() >= before + len(alive)
    assert policy.cleanups == 0


async def test_cycles_among_frozen_objects_are_collected_past_the_limit(
    policy: FreezeSurvivors,
) -> None:
    policy.install(asyncio.get_running_loop())
    left = [Node() for _ in range(10_000)]
    gc.collect(0)  # frozen while alive
    probe = weakref.ref(left[0])
    del left  # now garbage, in cycles, frozen: reference counting cannot free it
    await _loop_turns()
    assert probe() is not None
    assert policy.cleanups == 0
    # The live state grows past the limit: the next collection asks for a clean-up.
    alive = [Node() for _ in range(policy.limit)]
    gc.collect(0)
    await _loop_turns()
    assert policy.cleanups == 1
    assert probe() is None
    # The survivors are frozen again, and the new baseline counts them.
    assert policy.baseline >= len(alive)
    assert gc.get_freeze_count() >= len(alive)
