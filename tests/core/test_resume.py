"""Resume: what a reconnecting client must get (once, with gaps), and per-connection dedupe."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from causette.core.resume import ReplayPlan, SeenIds, plan_resume


def test_replays_rooms_from_the_last_id() -> None:
    """A room the client names is replayed from its last id when the head moved on."""
    plans = plan_resume({"room:general": 41}, ["room:general"], {"room:general": 45}, {})
    assert plans == [ReplayPlan("room:general", 41, None)]


def test_nothing_new_nothing_planned() -> None:
    """A channel whose head equals (or trails) the client's last id is not planned."""
    heads = {"room:a": 10, "room:b": 3}
    assert plan_resume({"room:a": 10, "room:b": 7}, ["room:a", "room:b"], heads, {}) == []


def test_gap_when_client_position_was_purged() -> None:
    """If ids after the client's last were purged, the plan carries the first kept id."""
    plans = plan_resume({"room:a": 3}, ["room:a"], {"room:a": 9500}, {"room:a": 9120})
    assert plans == [ReplayPlan("room:a", 3, 9120)]


def test_no_gap_when_next_id_is_kept() -> None:
    """If the client's next id is the first kept one, there is no gap."""
    plans = plan_resume({"room:a": 9119}, ["room:a"], {"room:a": 9500}, {"room:a": 9120})
    assert plans == [ReplayPlan("room:a", 9119, None)]


def test_unreadable_channels_are_ignored() -> None:
    """Channels the client names but may not read are silently skipped, not errors."""
    plans = plan_resume(
        {"room:rencontres": 1, "pm:someone-else": 0, "room:general": 0},
        ["room:general"],
        {"room:rencontres": 50, "pm:someone-else": 5, "room:general": 2},
        {},
    )
    assert [p.channel for p in plans] == ["room:general"]


def test_unmentioned_conversation_replays_from_zero() -> None:
    """A readable conversation the client does not know (a request while away) starts at 0."""
    plans = plan_resume({}, ["pm:c1"], {"pm:c1": 2}, {})
    assert plans == [ReplayPlan("pm:c1", 0, None)]


def test_unmentioned_room_starts_fresh() -> None:
    """A readable room the client does not mention is not replayed."""
    assert plan_resume({}, ["room:general"], {"room:general": 500}, {}) == []


def test_negative_last_id_counts_as_zero() -> None:
    """A negative last id from a lying client is treated as 0."""
    plans = plan_resume({"room:a": -5}, ["room:a"], {"room:a": 3}, {})
    assert plans == [ReplayPlan("room:a", 0, None)]


def test_channels_planned_in_sorted_order_once() -> None:
    """Duplicates in readable are planned once; plans come sorted by channel."""
    readable = ["room:b", "pm:x", "room:a", "room:b"]
    heads = {"room:a": 1, "room:b": 1, "pm:x": 1}
    plans = plan_resume({"room:a": 0, "room:b": 0}, readable, heads, {})
    assert [p.channel for p in plans] == ["pm:x", "room:a", "room:b"]


channels = st.sampled_from(["room:a", "room:b", "room:c", "pm:x", "pm:y", "pm:z"])


@settings(max_examples=300)
@given(
    readable=st.lists(channels, max_size=6),
    last_ids=st.dictionaries(channels, st.integers(min_value=-3, max_value=60)),
    heads=st.dictionaries(channels, st.integers(min_value=0, max_value=60)),
    first_kept=st.dictionaries(channels, st.integers(min_value=1, max_value=70)),
)
def test_plan_resume_property(
    readable: list[str],
    last_ids: dict[str, int],
    heads: dict[str, int],
    first_kept: dict[str, int],
) -> None:
    """Each readable channel with news is planned once, gap iff last+1 < first kept; no others."""
    plans = plan_resume(last_ids, readable, heads, first_kept)
    by_channel = {p.channel: p for p in plans}
    assert len(by_channel) == len(plans)
    assert [p.channel for p in plans] == sorted(by_channel)
    for channel in set(readable) | set(last_ids) | set(heads):
        mentioned = channel in last_ids
        if channel not in readable or not (mentioned or channel.startswith("pm:")):
            assert channel not in by_channel
            continue
        after = max(0, last_ids.get(channel, 0))
        head = heads.get(channel, 0)
        if head <= after:
            assert channel not in by_channel
            continue
        plan = by_channel[channel]
        assert plan.after == after
        first = first_kept.get(channel, 1)
        if after + 1 < first:
            assert plan.gap_first == first
        else:
            assert plan.gap_first is None
    assert set(by_channel) <= set(readable)


# --- SeenIds ------------------------------------------------------------------------------


def test_seen_ids_drops_duplicates_and_old_ids() -> None:
    """An id already delivered, or older than the last one, is dropped; channels are separate."""
    seen = SeenIds()
    assert seen.first_time("room:a", 1)
    assert seen.first_time("room:a", 2)
    assert not seen.first_time("room:a", 2)
    assert not seen.first_time("room:a", 1)
    assert seen.first_time("room:b", 1)
    assert seen.first_time("room:a", 5)
    assert not seen.first_time("room:a", 4)
    assert seen.snapshot() == {"room:a": 5, "room:b": 1}


def test_seen_ids_ignores_non_positive_ids() -> None:
    """Ids start at 1: 0 and negatives are never delivered."""
    seen = SeenIds()
    assert not seen.first_time("room:a", 0)
    assert not seen.first_time("room:a", -1)
    assert seen.snapshot() == {}


def test_snapshot_is_a_copy() -> None:
    """Mutating a snapshot does not change what was seen."""
    seen = SeenIds()
    seen.first_time("room:a", 3)
    snap = seen.snapshot()
    snap["room:a"] = 0
    assert not seen.first_time("room:a", 3)


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(["room:a", "room:b", "pm:x"]), st.integers(-2, 30))))
def test_seen_ids_delivers_each_at_most_once_and_increasing(
    events: list[tuple[str, int]],
) -> None:
    """Over any stream (replay + live, repeats, reordering), each channel only goes up."""
    seen = SeenIds()
    delivered: dict[str, list[int]] = {}
    for channel, message_id in events:
        if seen.first_time(channel, message_id):
            delivered.setdefault(channel, []).append(message_id)
    for channel, ids in delivered.items():
        assert all(a < b for a, b in itertools.pairwise(ids))
        assert ids[0] >= 1
        assert seen.snapshot()[channel] == ids[-1]
        # Every id above all earlier ones in the stream was delivered (nothing lost).
        best = 0
        expected = []
        for ch, mid in events:
            if ch == channel and mid > best:
                expected.append(mid)
                best = mid
        assert ids == expected
