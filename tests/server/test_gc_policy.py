"""The collector's policy (server/gc_policy.py): survivors of a collection are frozen, and
reference cycles left among frozen objects are collected once the frozen set has grown past
its limit."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Iterator

import pytest
from aiohttp import web

from causette.server.gc_policy import YOUNG_THRESHOLD, FreezeSurvivors


class Node:
    """A reference cycle of its own, as a closed connection's handler and transport are."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def policy() -> Iterator[FreezeSurvivors]:
    thresholds = gc.get_threshold()
    made = FreezeSurvivors(floor=0, growth=1.05)
    yield made
    made.uninstall()
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


def test_survivors_of_a_collection_are_frozen(policy: FreezeSurvivors) -> None:
    policy.install()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    before = gc.get_freeze_count()
    alive = [Node() for _ in range(5_000)]
    gc.collect(0)
    assert gc.get_freeze_count() >= before + len(alive)
    assert policy.cleanups == 0


def test_cycles_among_frozen_objects_are_collected_past_the_limit(
    policy: FreezeSurvivors,
) -> None:
    policy.install()
    left = [Node() for _ in range(10_000)]
    gc.collect(0)  # frozen while alive
    probe = weakref.ref(left[0])
    del left  # now garbage, in cycles, frozen: reference counting cannot free it
    gc.collect()
    assert probe() is not None
    assert policy.cleanups == 0
    # What is held grows past the limit: the next check cleans up.
    alive = [Node() for _ in range(max(0, policy.limit - sys.getallocatedblocks()) + 1_000)]
    assert policy.check()
    assert policy.cleanups == 1
    assert probe() is None
    # The survivors are frozen again, and the new baseline counts them.
    assert gc.get_freeze_count() >= len(alive)
    assert not policy.check()


async def test_the_app_context_installs_checks_and_uninstalls() -> None:
    made = FreezeSurvivors(check_s=3600)
    context = made.running(web.Application())
    await anext(context)
    assert made._after in gc.callbacks
    assert len(made.tasks) == 1
    with pytest.raises(StopAsyncIteration):
        await anext(context)
    assert made._after not in gc.callbacks
    assert len(made.tasks) == 0
