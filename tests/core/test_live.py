"""The pure live state: every change applied whole or not at all, and the same state on a
second process that applies the serialised changes (what the cluster's bus carries)."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causette.core.consent import Conversation, ConversationStatus, PmPolicy
from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import Gender, Profile, Space
from causette.core.live import (
    Applied,
    BlockSet,
    Change,
    ConversationSet,
    Entered,
    FlagsSet,
    Left,
    LiveFacts,
    Loaded,
    LoggedOut,
    Offline,
    Online,
    PolicySet,
    Refreshed,
    decode,
)


def profile(name: str, space: Space = Space.ADULT) -> Profile:
    return Profile(
        name, 30 if space is Space.ADULT else 16, Gender.FEMALE, "75", "Île-de-France", space
    )


def test_online_enters_exactly_its_rooms_and_offline_leaves_them() -> None:
    live = LiveFacts()
    assert live.apply(Online("a", profile("Alice"), frozenset({"b", "a"}))) == Applied(
        entered=("a", "b")
    )
    assert live.presence.members("a") == {"a"}
    # Announced again with other rooms (a mirror rebuilt): exactly those now.
    assert live.apply(Online("a", profile("Alice"), frozenset({"c", "a"}))) == Applied(
        entered=("c",), left=("b",)
    )
    assert live.presence.rooms_of("a") == {"a", "c"}
    assert live.apply(Offline("a")) == Applied(left=("a", "c"))
    assert not live.presence.is_online("a")
    assert live.presence.count("a") == 0


def test_a_taken_name_changes_nothing() -> None:
    live = LiveFacts()
    live.apply(Online("a", profile("Alice"), frozenset({"general"})))
    before = live.snapshot()
    with pytest.raises(ChatError) as raised:
        live.apply(Online("b", profile("ALICE"), frozenset({"general", "other"})))
    assert raised.value.code is ErrorCode.PSEUDONYM_TAKEN
    assert live.snapshot() == before


def test_entering_and_leaving_change_membership_and_presence() -> None:
    live = LiveFacts()
    live.apply(Loaded("a", PmPolicy.EVERYONE))
    live.apply(Online("a", profile("Alice")))
    assert live.apply(Entered("a", "general")) == Applied(entered=("general",))
    # Twice: still a member, nobody told again.
    assert live.apply(Entered("a", "general")) == Applied()
    facts = live.facts("a")
    assert facts is not None
    assert facts.rooms == {"general"}
    assert live.apply(Left("a", "general")) == Applied(left=("general",))
    assert facts.rooms == frozenset()
    assert live.presence.count("general") == 0


def test_a_chatter_not_held_here_changes_only_what_is_shared() -> None:
    live = LiveFacts()
    conv = Conversation("c1", "a", "b", ConversationStatus.PENDING)
    live.apply(ConversationSet(conv))
    live.apply(BlockSet("a", "b", on=True))
    live.apply(PolicySet("a", PmPolicy.NOBODY))
    assert live.conversations == {"c1": conv}
    assert live.chatters == {}


def test_blocks_conversations_policy_flags_and_logout_of_held_chatters() -> None:
    live = LiveFacts()
    live.apply(Loaded("a", PmPolicy.EVERYONE))
    live.apply(Loaded("b", PmPolicy.ROOMS))
    a, b = live.facts("a"), live.facts("b")
    assert a is not None and b is not None
    live.apply(BlockSet("a", "b", on=True))
    assert (a.blocked, b.blocked_by) == ({"b"}, {"a"})
    live.apply(BlockSet("a", "b", on=False))
    assert (a.blocked, b.blocked_by) == (frozenset(), frozenset())
    conv = Conversation("c1", "a", "b", ConversationStatus.PENDING)
    live.apply(ConversationSet(conv))
    accepted = Conversation("c1", "a", "b", ConversationStatus.ACCEPTED)
    live.apply(ConversationSet(accepted))
    assert live.conversations["c1"] is accepted
    assert a.conversation_ids == b.conversation_ids == {"c1"}
    live.apply(PolicySet("b", PmPolicy.NOBODY))
    live.apply(FlagsSet("b", frozenset({"frozen"})))
    live.apply(LoggedOut("b"))
    assert (b.pm_policy, b.flags, b.ended) == (PmPolicy.NOBODY, {"frozen"}, True)
    assert not a.ended


def test_a_load_keeps_newer_conversations_and_a_refresh_replaces_the_record() -> None:
    live = LiveFacts()
    newer = Conversation("c1", "a", "b", ConversationStatus.ACCEPTED)
    live.apply(ConversationSet(newer))
    stale = Conversation("c1", "a", "b", ConversationStatus.PENDING)
    live.apply(Loaded("a", PmPolicy.EVERYONE, rooms=frozenset({"x"}), conversations=(stale,)))
    assert live.conversations["c1"] is newer
    facts = live.facts("a")
    assert facts is not None
    assert facts.conversation_ids == {"c1"}
    live.apply(Refreshed("a", PmPolicy.ROOMS, frozenset({"y"}), frozenset({"b"}), frozenset()))
    assert (facts.pm_policy, facts.rooms, facts.blocked) == (PmPolicy.ROOMS, {"y"}, {"b"})
    assert facts.conversation_ids == {"c1"}


def test_the_wire_shapes_of_the_changes_the_processes_already_exchanged() -> None:
    # A rolling upgrade mixes processes from before core/live.py: same kinds, same bodies.
    assert Online("a", profile("Alice"), frozenset({"b", "a"})).to_dict() == {
        "id": "a",
        "p": ["Alice", 30, "f", "75", "Île-de-France", "adult"],
        "rooms": ["a", "b"],
    }
    assert (Offline.KIND, Entered.KIND, Left.KIND, LoggedOut.KIND) == (
        "offline",
        "enter",
        "exit",
        "logout",
    )
    conv = Conversation("c1", "a", "b", ConversationStatus.BLOCKED)
    assert ConversationSet(conv).to_dict() == {
        "id": "c1",
        "initiator": "a",
        "recipient": "b",
        "status": "blocked",
    }
    assert BlockSet("a", "b", on=True).to_dict() == {"blocker": "a", "blocked": "b", "on": True}
    assert PolicySet("a", PmPolicy.ROOMS).to_dict() == {"id": "a", "policy": "rooms"}
    assert decode("sanction", {"id": "a"}) is None


# -- two processes, one state -------------------------------------------------------------
IDS = ("a", "b", "c", "d")
NAMES = ("Alice", "Bob", "ALICE", "Chloé")
ROOMS = ("general", "cinema", "sport")
ids, rooms = st.sampled_from(IDS), st.sampled_from(ROOMS)
conversations = st.builds(
    Conversation,
    st.sampled_from(("c1", "c2")),
    ids,
    ids,
    st.sampled_from(ConversationStatus),
)
room_sets = st.frozensets(rooms)
CHANGES: st.SearchStrategy[Change] = st.one_of(
    st.builds(
        Online,
        ids,
        st.builds(profile, st.sampled_from(NAMES), st.sampled_from(Space)),
        room_sets,
    ),
    st.builds(Offline, ids),
    st.builds(Entered, ids, rooms),
    st.builds(Left, ids, rooms),
    st.builds(
        Loaded,
        ids,
        st.sampled_from(PmPolicy),
        room_sets,
        st.frozensets(ids),
        st.frozensets(ids),
        st.lists(conversations, max_size=2).map(tuple),
        st.frozensets(st.sampled_from(("frozen", "out_of_reach"))),
        st.booleans(),
    ),
    st.builds(
        Refreshed, ids, st.sampled_from(PmPolicy), room_sets, st.frozensets(ids), st.frozensets(ids)
    ),
    st.builds(ConversationSet, conversations),
    st.builds(BlockSet, ids, ids, st.booleans()),
    st.builds(PolicySet, ids, st.sampled_from(PmPolicy)),
    st.builds(FlagsSet, ids, st.frozensets(st.sampled_from(("frozen", "out_of_reach")))),
    st.builds(LoggedOut, ids),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CHANGES, max_size=40))
def test_a_second_state_fed_the_serialised_changes_is_the_same(changes: list[Change]) -> None:
    here, there = LiveFacts(), LiveFacts()
    for change in changes:
        # What the bus carries: the kind and the JSON body.
        wire = orjson.loads(orjson.dumps(change.to_dict()))
        received = decode(change.KIND, wire)
        assert received == change
        assert received is not None
        outcomes = []
        for state, applied in ((here, change), (there, received)):
            before = state.snapshot()
            try:
                outcomes.append(state.apply(applied))
            except ChatError as refused:
                outcomes.append(refused.code)
                # Refused whole: nothing changed.
                assert state.snapshot() == before
        assert outcomes[0] == outcomes[1]
        assert outcomes[0] in (ErrorCode.PSEUDONYM_TAKEN,) or isinstance(outcomes[0], Applied)
        assert here.snapshot() == there.snapshot()
        # Presence and the members' lists agree with each other.
        for slug in ROOMS:
            members = here.presence.members(slug)
            assert all(slug in here.presence.rooms_of(m) for m in members)
