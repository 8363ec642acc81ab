"""Resume: from the last ids a client saw, what it must receive so it misses nothing and
gets nothing twice.

Ids increase by one per channel. For each channel the chatter may read, the client gets
every message with an id above its own, in order; if some of them were purged, first a
``gap`` saying where the kept history starts. Channels the client names but may not read
are ignored (never an error: it may have been moved out of a room, or lie).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    channel: str
    after: int
    gap_first: int | None  # oldest id still kept, when the client's position was purged


def plan_resume(
    last_ids: Mapping[str, int],
    readable: Iterable[str],
    heads: Mapping[str, int],
    first_kept: Mapping[str, int],
) -> list[ReplayPlan]:
    """One plan per readable channel that has something the client has not seen.

    A channel the client does not mention is replayed from its last 0 only if it is a
    conversation (a request that arrived while away); rooms start fresh from ``joined``.
    """
    plans: list[ReplayPlan] = []
    for channel in sorted(set(readable)):
        head = heads.get(channel, 0)
        if channel in last_ids:
            after = max(0, int(last_ids[channel]))
        elif channel.startswith("pm:"):
            after = 0
        else:
            continue
        if head <= after:
            continue
        first = first_kept.get(channel, 1)
        gap = first if after + 1 < first else None
        plans.append(ReplayPlan(channel, after, gap))
    return plans


class SeenIds:
    """The highest id delivered per channel on one connection: drops duplicates."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def first_time(self, channel: str, message_id: int) -> bool:
        if message_id <= self._last.get(channel, 0):
            return False
        self._last[channel] = message_id
        return True

    def snapshot(self) -> dict[str, int]:
        return dict(self._last)
