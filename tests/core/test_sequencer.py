"""The sequencer: every message delivered once, in id order, whatever the bus does."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from causette.core.sequencer import FILL_WAIT_S, Hole, Sequencer

CHANNELS = ("room:a", "pm:b")


@dataclass
class ModelStore:
    """What every process's store holds: each channel's kept ids (acknowledged messages,
    minus what was trimmed or purged)."""

    kept: dict[str, list[int]]

    def messages_after(self, channel: str, after: int, limit: int) -> list[int]:
        return [i for i in self.kept[channel] if i > after][:limit]


@dataclass
class Process:
    """One process: the sequencer, the fills it has started, what it delivered."""

    store: ModelStore
    sequencer: Sequencer[int] = field(default_factory=lambda: Sequencer[int](page=3))
    now: float = 0.0
    fill_at: dict[str, float] = field(default_factory=dict)
    reading: dict[str, tuple[Hole, list[int]]] = field(default_factory=dict)
    sent: dict[str, list[int]] = field(default_factory=lambda: {c: [] for c in CHANNELS})

    def offer(self, channel: str, message_id: int) -> None:
        ready, fill_at = self.sequencer.offer(channel, message_id, message_id, self.now)
        self.sent[channel].extend(ready)
        if fill_at is not None:
            assert channel not in self.fill_at and channel not in self.reading
            assert fill_at == self.now + FILL_WAIT_S
            self.fill_at[channel] = fill_at

    def catch_up(self, channel: str, head: int) -> None:
        fill_at = self.sequencer.fill(channel, self.now, upto=head)
        if fill_at is not None:
            self.fill_at[channel] = fill_at

    def start_reading(self, channel: str) -> None:
        """The next turn of a due fill: deliver what is in order, send the store a read."""
        assert self.now >= self.fill_at.get(channel, self.now)
        self.fill_at.pop(channel, None)
        ready, hole = self.sequencer.next_hole(channel)
        self.sent[channel].extend(ready)
        if hole is not None:
            assert hole.after == self.sequencer.delivered(channel) and hole.upto > hole.after
            page = self.store.messages_after(channel, hole.after, hole.limit)
            self.reading[channel] = (hole, page)
        else:
            assert not self.sequencer.filling(channel)

    def finish_reading(self, channel: str) -> None:
        """The store answered (meanwhile the bus may have brought more)."""
        hole, page = self.reading.pop(channel)
        self.sent[channel].extend(self.sequencer.filled(hole, page))
        self.fill_at[channel] = self.now  # the fill goes on at once

    def settle(self) -> None:
        """Run every fill to its end."""
        while self.fill_at or self.reading:
            for channel in list(self.reading):
                self.finish_reading(channel)
            self.now = max([self.now, *self.fill_at.values()])
            for channel in list(self.fill_at):
                self.start_reading(channel)


def bus_traffic(purged: bool) -> st.SearchStrategy[tuple[ModelStore, list[tuple[str, int]]]]:
    """A store, and the bus's deliveries: a sample of the acknowledged messages (some lost),
    some twice, in any order."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[ModelStore, list[tuple[str, int]]]:
        kept: dict[str, list[int]] = {}
        published: list[tuple[str, int]] = []
        for channel in CHANNELS:
            count = draw(st.integers(0, 12))
            ids = list(range(1, count + 1))
            gone = draw(st.sets(st.sampled_from(ids))) if purged and ids else set()
            kept[channel] = [i for i in ids if i not in gone]
            sent = draw(st.lists(st.sampled_from(ids), max_size=2 * count)) if ids else []
            published += [(channel, i) for i in sent]
        return ModelStore(kept), draw(st.permutations(published))

    return build()


def run(data: st.DataObject, store: ModelStore, deliveries: list[tuple[str, int]]) -> Process:
    """Deliveries, the clock, fills and the store's answers, interleaved as hypothesis
    likes; then a catch-up to every channel's head (as after an outage) and all settled."""
    process = Process(store)
    pending = list(deliveries)
    while pending or process.fill_at or process.reading:
        # Every move makes progress (a tick only while a fill waits for its time): the run
        # is bounded by the deliveries and the fills they cause.
        moves = []
        if pending:
            moves.append("offer")
        due = [c for c, t in process.fill_at.items() if t <= process.now]
        if due:
            moves.append("fill")
        if len(due) < len(process.fill_at):
            moves.append("tick")
        if process.reading:
            moves.append("answer")
        move = data.draw(st.sampled_from(moves))
        if move == "offer":
            process.offer(*pending.pop(0))
        elif move == "tick":
            process.now += data.draw(st.sampled_from([0.01, FILL_WAIT_S]))
        elif move == "fill":
            process.start_reading(data.draw(st.sampled_from(due)))
        else:
            process.finish_reading(data.draw(st.sampled_from(sorted(process.reading))))
    for channel in CHANNELS:
        process.catch_up(channel, max(store.kept[channel], default=0))
    process.settle()
    return process


@settings(max_examples=150, deadline=None)
@given(bus_traffic(purged=False), st.data())
def test_every_message_is_delivered_once_and_in_order(
    traffic: tuple[ModelStore, list[tuple[str, int]]], data: st.DataObject
) -> None:
    store, deliveries = traffic
    process = run(data, store, deliveries)
    for channel in CHANNELS:
        assert process.sent[channel] == store.kept[channel]


@settings(max_examples=150, deadline=None)
@given(bus_traffic(purged=True), st.data())
def test_what_the_store_lost_is_passed_over_and_the_rest_is_in_order(
    traffic: tuple[ModelStore, list[tuple[str, int]]], data: st.DataObject
) -> None:
    store, deliveries = traffic
    process = run(data, store, deliveries)
    for channel in CHANNELS:
        sent = process.sent[channel]
        assert sent == sorted(set(sent)), "twice, or out of order"
        assert set(store.kept[channel]) <= set(sent), "a kept message never delivered"
        offered = {i for c, i in deliveries if c == channel}
        assert set(sent) <= set(store.kept[channel]) | offered


def test_a_duplicate_is_dropped() -> None:
    sequencer = Sequencer[str]()
    assert sequencer.offer("room:a", 1, "one", 0.0).ready == ("one",)
    assert sequencer.offer("room:a", 1, "one again", 0.0) == ((), None)


def test_an_early_message_waits_and_asks_for_a_fill_after_the_wait() -> None:
    sequencer = Sequencer[str](fill_wait_s=0.05)
    assert sequencer.offer("room:a", 3, "three", 10.0) == ((), 10.05)
    # A second early one while the fill is pending asks for nothing more.
    assert sequencer.offer("room:a", 4, "four", 10.01) == ((), None)
    assert sequencer.offer("room:a", 1, "one", 10.02).ready == ("one",)
    assert sequencer.held("room:a") == {3, 4}
    assert sequencer.offer("room:a", 2, "two", 10.03).ready == ("two", "three", "four")
    # The fill then finds nothing to do and ends.
    assert sequencer.next_hole("room:a") == ((), None)
    assert not sequencer.filling("room:a")


def test_a_fill_reads_below_the_lowest_held_message() -> None:
    sequencer = Sequencer[str](page=500)
    sequencer.start_from({"room:a": 4})
    sequencer.offer("room:a", 9, "nine", 0.0)
    ready, hole = sequencer.next_hole("room:a")
    assert ready == () and hole == Hole("room:a", after=4, upto=8, limit=4)
    assert sequencer.filled(hole, [5, 6, 7, 8]) == [5, 6, 7, 8]
    assert sequencer.next_hole("room:a") == (("nine",), None)


def test_upto_reads_to_a_head_the_store_reported() -> None:
    sequencer = Sequencer[str](page=2)
    assert sequencer.fill("pm:x", 5.0, upto=3) == 5.0
    _, hole = sequencer.next_hole("pm:x")
    assert hole == Hole("pm:x", after=0, upto=3, limit=2)
    assert sequencer.filled(hole, [1, 2]) == [1, 2]
    _, hole = sequencer.next_hole("pm:x")
    assert hole == Hole("pm:x", after=2, upto=3, limit=1)
    assert sequencer.filled(hole, [3]) == [3]
    assert sequencer.next_hole("pm:x") == ((), None)


def test_after_a_purge_the_first_kept_message_comes_next() -> None:
    sequencer = Sequencer[str]()
    sequencer.offer("room:a", 10, "ten", 0.0)
    _, hole = sequencer.next_hole("room:a")
    assert hole is not None
    # 1 to 6 were purged: 7 is the first the store still has.
    assert sequencer.filled(hole, [7, 8, 9]) == [7, 8, 9]
    assert sequencer.next_hole("room:a") == (("ten",), None)


def test_a_hole_the_store_has_nothing_for_is_skipped_whole() -> None:
    sequencer = Sequencer[str]()
    sequencer.offer("room:a", 10, "ten", 0.0)
    _, hole = sequencer.next_hole("room:a")
    assert hole is not None
    assert sequencer.filled(hole, []) == []
    assert sequencer.delivered("room:a") == 9
    assert sequencer.next_hole("room:a") == (("ten",), None)


def test_a_stopped_fill_lets_the_next_early_message_start_another() -> None:
    sequencer = Sequencer[str]()
    assert sequencer.offer("room:a", 3, "three", 0.0).fill_at is not None
    sequencer.fill_stopped("room:a")
    assert sequencer.offer("room:a", 4, "four", 1.0).fill_at == 1.0 + sequencer.fill_wait_s
