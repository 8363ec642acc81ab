"""Presence: look-alike names held once, the wall in find/search, room membership and counts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import Gender, Profile, Space, pseudonym_skeleton
from causette.core.presence import Presence


def profile(name: str, space: Space = Space.ADULT) -> Profile:
    age = 30 if space is Space.ADULT else 16
    return Profile(name, age, Gender.OTHER, "75", "Île-de-France", space)


def taken(presence: Presence, chatter_id: str, name: str, space: Space = Space.ADULT) -> bool:
    try:
        presence.claim(chatter_id, profile(name, space))
    except ChatError as err:
        # A predicate: "taken" is one of its two answers, and it must say why.
        assert err.code is ErrorCode.PSEUDONYM_TAKEN  # noqa: PT017
        return True
    return False


def test_claim_then_lookalikes_are_taken() -> None:
    """Once Alice is online, ALICE, A1ice and Cyrillic Аlice are pseudonym_taken."""
    p = Presence()
    p.claim("a", profile("Alice"))
    for i, name in enumerate(["ALICE", "A1ice", "Аlice", "alice"]):
        assert taken(p, f"x{i}", name)
    assert p.profiles == {"a": profile("Alice")}


def test_lookalikes_collide_across_spaces() -> None:
    """Names are held across both spaces (one namespace), even though find respects the wall."""
    p = Presence()
    p.claim("adult", profile("Alice", Space.ADULT))
    assert taken(p, "teen", "Alice", Space.TEEN)


def test_different_names_coexist() -> None:
    """Clearly different names can be online together."""
    p = Presence()
    p.claim("a", profile("Alice"))
    assert not taken(p, "b", "Bob")
    assert p.is_online("a") and p.is_online("b")


def test_reclaim_by_same_chatter_is_allowed() -> None:
    """The holder may claim its own name again (reconnect), including a look-alike spelling."""
    p = Presence()
    p.claim("a", profile("Alice"))
    p.claim("a", profile("Alice"))
    p.claim("a", profile("ALICE"))
    assert p.profiles["a"].pseudonym == "ALICE"
    assert p.find("alice", Space.ADULT) == "a"


def test_reclaim_under_a_new_name_frees_the_old_one() -> None:
    """A chatter claiming a new name releases the old one: another may take it, find stays sound."""
    p = Presence()
    p.claim("a", profile("Alice"))
    p.claim("a", profile("Bob"))
    assert p.name_is_free("Alice")
    assert p.find("Alice", Space.ADULT) is None
    p.release("a")
    assert p.find("Alice", Space.ADULT) is None
    assert p.name_is_free("Bob")
    assert not taken(p, "c", "Alice")


def test_release_frees_the_name() -> None:
    """After release, a look-alike name can be claimed by someone else."""
    p = Presence()
    p.claim("a", profile("Alice"))
    p.release("a")
    assert not p.is_online("a")
    assert p.name_is_free("A1ice")
    assert not taken(p, "b", "A1ice")


def test_release_unknown_chatter_is_harmless() -> None:
    """Releasing someone not online returns no rooms and changes nothing."""
    p = Presence()
    p.claim("a", profile("Alice"))
    assert p.release("ghost") == set()
    assert p.is_online("a")


def test_name_is_free_for_its_holder() -> None:
    """name_is_free is false for others, true for the holder itself."""
    p = Presence()
    p.claim("a", profile("Alice"))
    assert not p.name_is_free("ALICE")
    assert not p.name_is_free("ALICE", "b")
    assert p.name_is_free("ALICE", "a")
    assert p.name_is_free("Bob")


def test_find_never_crosses_spaces() -> None:
    """find gives the holder only in the holder's space; across the wall it is None."""
    p = Presence()
    p.claim("adult", profile("Alice", Space.ADULT))
    p.claim("teen", profile("Tom", Space.TEEN))
    assert p.find("A1ice", Space.ADULT) == "adult"
    assert p.find("Alice", Space.TEEN) is None
    assert p.find("tom", Space.TEEN) == "teen"
    assert p.find("Tom", Space.ADULT) is None
    assert p.find("Nobody", Space.ADULT) is None


def test_rooms_enter_exit_and_counts() -> None:
    """enter/exit report changes once; counts and members follow."""
    p = Presence()
    p.claim("a", profile("Alice"))
    p.claim("b", profile("Bob"))
    assert p.enter("a", "general")
    assert not p.enter("a", "general")
    assert p.enter("b", "general")
    assert p.enter("b", "musique")
    assert p.count("general") == 2 and p.count("musique") == 1 and p.count("empty") == 0
    assert p.members("general") == {"a", "b"}
    assert p.rooms_of("b") == {"general", "musique"}
    assert p.exit("a", "general")
    assert not p.exit("a", "general")
    assert not p.exit("a", "never-joined")
    assert p.count("general") == 1


def test_release_leaves_all_rooms() -> None:
    """release returns the chatter's rooms and removes them from every count."""
    p = Presence()
    p.claim("a", profile("Alice"))
    p.enter("a", "general")
    p.enter("a", "musique")
    assert p.release("a") == {"general", "musique"}
    assert p.count("general") == 0 and p.count("musique") == 0
    assert p.rooms_of("a") == set()


def test_share_a_room() -> None:
    """share_a_room is true only while both are in a common room."""
    p = Presence()
    p.claim("a", profile("Alice"))
    p.claim("b", profile("Bob"))
    assert not p.share_a_room("a", "b")
    p.enter("a", "general")
    p.enter("b", "musique")
    assert not p.share_a_room("a", "b")
    p.enter("b", "general")
    assert p.share_a_room("a", "b") and p.share_a_room("b", "a")
    p.exit("a", "general")
    assert not p.share_a_room("a", "b")
    assert not p.share_a_room("a", "ghost")


def test_search_by_prefix_within_space() -> None:
    """search finds names starting with the prefix (any case), only in the asker's space."""
    p = Presence()
    p.claim("1", profile("Lea_75"))
    p.claim("2", profile("Leon"))
    p.claim("3", profile("Paul"))
    p.claim("4", profile("Lena", Space.TEEN))
    found = {x.pseudonym for x in p.search("le", Space.ADULT)}
    assert found == {"Lea_75", "Leon"}
    assert {x.pseudonym for x in p.search("LE", Space.TEEN)} == {"Lena"}
    assert list(p.search("zz", Space.ADULT)) == []
    assert {x.pseudonym for x in p.search("", Space.ADULT)} == {"Lea_75", "Leon", "Paul"}


def test_search_limit() -> None:
    """search yields at most limit profiles."""
    p = Presence()
    for i in range(10):
        p.claim(str(i), profile(f"User{i}x"))
    assert len(list(p.search("user", Space.ADULT, limit=3))) == 3
    assert len(list(p.search("user", Space.ADULT))) == 10


# --- a random walk over claim/release/enter/exit ------------------------------------------

NAMES = ["Alice", "ALICE", "A1ice", "Аlice", "Bob", "B0b", "Tom", "Lea", "Leo", "Le0"]
IDS = ["c1", "c2", "c3", "c4", "c5"]
ROOMS = ["general", "musique", "ados-general"]


class PresenceMachine(RuleBasedStateMachine):
    """A model of who holds which skeleton, checked against Presence after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.p = Presence()
        self.model: dict[str, Profile] = {}
        self.rooms: dict[str, set[str]] = {}

    @rule(cid=st.sampled_from(IDS), name=st.sampled_from(NAMES), space=st.sampled_from(list(Space)))
    def claim(self, cid: str, name: str, space: Space) -> None:
        sk = pseudonym_skeleton(name)
        holder = next(
            (c for c, pr in self.model.items() if pseudonym_skeleton(pr.pseudonym) == sk), None
        )
        if holder is not None and holder != cid:
            with pytest.raises(ChatError):
                self.p.claim(cid, profile(name, space))
        else:
            self.p.claim(cid, profile(name, space))
            self.model[cid] = profile(name, space)
            self.rooms.setdefault(cid, set())

    @rule(cid=st.sampled_from(IDS))
    def release(self, cid: str) -> None:
        assert self.p.release(cid) == self.rooms.pop(cid, set())
        self.model.pop(cid, None)

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), slug=st.sampled_from(ROOMS))
    def enter(self, data: st.DataObject, slug: str) -> None:
        cid = data.draw(st.sampled_from(sorted(self.model)))
        assert self.p.enter(cid, slug) == (slug not in self.rooms[cid])
        self.rooms[cid].add(slug)

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), slug=st.sampled_from(ROOMS))
    def exit(self, data: st.DataObject, slug: str) -> None:
        cid = data.draw(st.sampled_from(sorted(self.model)))
        assert self.p.exit(cid, slug) == (slug in self.rooms[cid])
        self.rooms[cid].discard(slug)

    @invariant()
    def names_and_wall(self) -> None:
        skeletons = [pseudonym_skeleton(pr.pseudonym) for pr in self.model.values()]
        assert len(skeletons) == len(set(skeletons))
        assert self.p.profiles == self.model
        for name in NAMES:
            for space in Space:
                found = self.p.find(name, space)
                expected = next(
                    (
                        c
                        for c, pr in self.model.items()
                        if pseudonym_skeleton(pr.pseudonym) == pseudonym_skeleton(name)
                        and pr.space is space
                    ),
                    None,
                )
                assert found == expected
                assert self.p.name_is_free(name) == (
                    all(
                        pseudonym_skeleton(pr.pseudonym) != pseudonym_skeleton(name)
                        for pr in self.model.values()
                    )
                )

    @invariant()
    def counts(self) -> None:
        for slug in ROOMS:
            members = {c for c, rs in self.rooms.items() if slug in rs}
            assert self.p.members(slug) == members
            assert self.p.count(slug) == len(members)
        for a in self.model:
            for b in self.model:
                assert self.p.share_a_room(a, b) == bool(self.rooms[a] & self.rooms[b])


PresenceMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
test_presence_state_machine = PresenceMachine.TestCase
test_presence_state_machine.__doc__ = (
    "Random claim/release/enter/exit keep names, find and counts consistent."
)


@given(st.sampled_from(NAMES), st.sampled_from(list(Space)), st.sampled_from(list(Space)))
def test_find_property(name: str, held_in: Space, asked_from: Space) -> None:
    """find returns the holder iff asked from the holder's own space."""
    p = Presence()
    p.claim("h", profile(name, held_in))
    assert (p.find(name, asked_from) == "h") == (held_in is asked_from)
