"""Each channel's messages in id order, exactly once: what to deliver now, and which hole
to read from the store.

Owns, per channel, the last id delivered, the messages held back because they came early,
and the state of a fill from the store. The caller (server/cluster.py) reads the store and
delivers; this module decides. No clock, no I/O: the time is passed in.

Rules:
- The store gives a channel's ids in commit order, one after the other
  (docs/decisions/005-message-ids-across-processes.md). An id at or below the last one
  delivered is a duplicate: dropped.
- The next id is delivered at once, followed by every held-back id that now follows it.
- An id that comes early is held back and a fill is asked for ``fill_wait_s`` later (the bus
  often brings the missing ones meanwhile). One fill per channel at a time.
- A fill reads the store after the last id delivered, up to the hole's end: just below the
  lowest held-back id (every id below a published one is committed), or a head the store
  reported (``upto``), whichever is higher; a page at a time, until nothing is held back.
- What the store no longer has (trimmed, purged) is passed over: the first kept id after it
  is delivered next, and a hole the store has nothing for is skipped whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

FILL_WAIT_S = 0.05
FILL_PAGE = 500

Item = TypeVar("Item")


class Offered(NamedTuple, Generic[Item]):
    """What an offered message makes ready (in delivery order), and when to start a fill
    of its channel (None: no fill needed, or one is already under way)."""

    ready: tuple[Item, ...]
    fill_at: float | None


@dataclass(frozen=True, slots=True)
class Hole:
    """Read the store after ``after`` (the last id delivered), at most ``limit`` messages,
    and hand back the ids found up to ``upto`` (inclusive) to :meth:`Sequencer.filled`."""

    channel: str
    after: int
    upto: int
    limit: int


class FillStep(NamedTuple, Generic[Item]):
    """One turn of a fill: held-back messages now in order (deliver them first), and the hole
    to read next, or None when the fill is over."""

    ready: tuple[Item, ...]
    hole: Hole | None


_NOTHING: tuple[()] = ()


class Sequencer(Generic[Item]):
    """The order of every channel one process delivers; ``Item`` is what the caller wants
    back for a held-back message (the server: its envelope)."""

    def __init__(self, *, fill_wait_s: float = FILL_WAIT_S, page: int = FILL_PAGE) -> None:
        self.fill_wait_s = fill_wait_s
        self.page = page
        # Flat dicts, not an object per channel: a process knows every PM channel it ever
        # delivered (memory, issue 8).
        self._delivered: dict[str, int] = {}
        self._held: dict[str, dict[int, Item]] = {}
        self._upto: dict[str, int] = {}
        self._filling: set[str] = set()

    def start_from(self, heads: Mapping[str, int]) -> None:
        """Every channel's last id already delivered (a starting process: the store's
        heads; it sends nothing older than what it starts from)."""
        self._delivered = dict(heads)

    def delivered(self, channel: str) -> int:
        return self._delivered.get(channel, 0)

    def held(self, channel: str) -> frozenset[int]:
        return frozenset(self._held.get(channel, ()))

    def filling(self, channel: str) -> bool:
        return channel in self._filling

    def offer(self, channel: str, message_id: int, item: Item, now: float) -> Offered[Item]:
        """A message from the bus: what to deliver now, and whether a fill must start."""
        last = self._delivered.get(channel, 0)
        if message_id <= last:
            return Offered(_NOTHING, None)
        if message_id == last + 1:
            self._delivered[channel] = message_id
            if channel not in self._held:
                return Offered((item,), None)
            return Offered((item, *self._flush(channel)), None)
        self._held.setdefault(channel, {})[message_id] = item
        return Offered(_NOTHING, self.fill(channel, now, wait=self.fill_wait_s))

    def fill(self, channel: str, now: float, *, upto: int = 0, wait: float = 0.0) -> float | None:
        """Ask for a fill (up to ``upto`` at least): when to start it, or None when one is
        already under way (it will go as far)."""
        if upto > self._upto.get(channel, 0):
            self._upto[channel] = upto
        if channel in self._filling:
            return None
        self._filling.add(channel)
        return now + wait

    def next_hole(self, channel: str) -> FillStep[Item]:
        """The next turn of the fill under way: what is in order now, and what to read."""
        ready = self._flush(channel)
        last = self._delivered.get(channel, 0)
        held = self._held.get(channel)
        # Every id below a held-back one is committed (ids follow commit order).
        below_held = min(held) - 1 if held else 0
        target = max(below_held, self._upto.get(channel, 0))
        if target <= last:
            # Nothing held back is left after a flush (the lowest would be last + 1).
            self._upto.pop(channel, None)
            self._filling.discard(channel)
            return FillStep(ready, None)
        return FillStep(ready, Hole(channel, last, target, min(self.page, target - last)))

    def filled(self, hole: Hole, found: Iterable[int]) -> list[int]:
        """The ids the store returned for ``hole`` (ascending): those to deliver now, in
        order. Whatever came over the bus while the store was read is not sent twice."""
        channel = hole.channel
        taken: list[int] = []
        for message_id in found:
            if message_id > hole.upto:
                break
            if message_id <= self._delivered.get(channel, 0):
                continue
            # A gap before it: trimmed or purged from the store, gone for everyone.
            self._delivered[channel] = message_id
            taken.append(message_id)
        if not taken and self._delivered.get(channel, 0) == hole.after:
            # Nothing in the store between the last id and the hole's end: skip it whole.
            self._delivered[channel] = hole.upto
        return taken

    def fill_stopped(self, channel: str) -> None:
        """The fill ended early (the store failed, the process stops): the next early
        message or :meth:`fill` starts another."""
        self._filling.discard(channel)

    def _flush(self, channel: str) -> tuple[Item, ...]:
        waiting = self._held.get(channel)
        ready: list[Item] = []
        while waiting:
            following = self._delivered.get(channel, 0) + 1
            item = waiting.pop(following, None)
            if item is None:
                # Drop what is already delivered; stop at the next hole.
                for stale in [i for i in waiting if i < following]:
                    del waiting[stale]
                break
            self._delivered[channel] = following
            ready.append(item)
        if not waiting:
            self._held.pop(channel, None)
        return tuple(ready)
