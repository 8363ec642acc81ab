"""Tests for causette.safety.state: bounds, pruning and serialisation."""

from __future__ import annotations

from causette.safety.rules import Rules
from causette.safety.state import ConversationState, DeviceState, UserState


def test_cue_hits_are_pruned_after_the_window(rules: Rules) -> None:
    """Old cues are forgotten, recent ones kept."""
    conv = ConversationState("c")
    conv.hit("cues", "x", "grooming.secrecy", 0, 0.0)
    conv.hit("cues", "x", "grooming.flattery", 1, rules.policy.state_window_s)
    conv.prune(rules.policy.state_window_s + 10, rules.policy)
    assert set(conv.cues["x"]) == {"grooming.flattery"}


def test_participants_are_capped(rules: Rules) -> None:
    """A room with many speakers keeps at most max_participants records."""
    conv = ConversationState("r", room=True)
    for i in range(rules.policy.max_participants * 3):
        conv.participant(f"p{i}", rules.policy)
    assert len(conv.participants) == rules.policy.max_participants


def test_conversation_round_trip(rules: Rules) -> None:
    """to_dict/from_dict give back an equal state."""
    conv = ConversationState("c")
    conv.participant("a", rules.policy).declared_age = 15
    conv.hit("cues", "a", "grooming.age_probe", 0, 1.0)
    assert ConversationState.from_dict(conv.to_dict()) == conv


def test_user_recent_is_bounded_and_counts_repeats(rules: Rules) -> None:
    """The flood memory is capped and counts identical texts in the window."""
    user = UserState("u")
    counts = [user.remember(float(i), "same", rules.policy) for i in range(50)]
    assert len(user.recent) <= rules.policy.max_recent
    assert counts[-1] == rules.policy.max_recent
    assert UserState.from_dict(user.to_dict()) == user


def test_device_suspicion_needs_names_and_targets(rules: Rules) -> None:
    """Several pseudonyms courting several people is suspicious; one of each is not."""
    dev = DeviceState("d")
    dev.seen("a", 0.0, rules.policy)
    dev.court("v1", 0.0, rules.policy)
    assert not dev.suspicious(rules.policy)
    dev.seen("b", 1.0, rules.policy)
    for v in ("v2", "v3"):
        dev.court(v, 1.0, rules.policy)
    assert dev.suspicious(rules.policy)
    assert DeviceState.from_dict(dev.to_dict()) == dev


def test_grooming_context_factor(rules: Rules) -> None:
    """The same cues weigh more from an adult to a minor than between adults."""
    p = rules.policy

    def score(sender_age: int, other_age: int) -> float:
        conv = ConversationState("c")
        conv.participant("s", p).declared_age = sender_age
        conv.participant("o", p).declared_age = other_age
        conv.hit("cues", "s", "grooming.secrecy", 0, 0.0)
        return conv.grooming_score(p)[0]

    assert score(30, 14) > score(15, 14) > score(30, 30)


def test_teen_moves_weigh_less_between_declared_minors(rules: Rules) -> None:
    """Flirting and swapping snaps between two teens weighs less than from an adult."""
    p = rules.policy

    def score(sender_age: int, adult_cue: bool = False) -> float:
        conv = ConversationState("c")
        conv.participant("s", p).declared_age = sender_age
        conv.participant("o", p).declared_age = 15
        for i, cue in enumerate(("grooming.flattery", "shared.off_platform", "shared.meeting")):
            conv.hit("cues", "s", cue, i, 0.0)
        if adult_cue:
            conv.hit("cues", "s", "grooming.adult_cues", 3, 0.0)
        return conv.grooming_score(p)[0]

    assert score(16) < p.grooming.warn <= score(30)
    assert score(16, adult_cue=True) > score(16)
