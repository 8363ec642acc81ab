"""Tests for causette.safety.state: bounds, pruning and serialisation."""

from __future__ import annotations

from causette.safety.engine import MessageContext, SafetyEngine
from causette.safety.model import load_learned
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


# -- a speaker's slice of a room (shared across processes by server/safety_shared.py) -----
def _room_after_talk(engine_rules: Rules) -> tuple[SafetyEngine, str]:
    engine = SafetyEngine(engine_rules, load_learned())
    room = "room:general"
    lines = [
        ("Max", 34, "salut tout le monde"),
        ("Lea", 15, "coucou"),
        ("Max", 34, "t'es trop mature pour ton âge toi"),
        ("Max", 34, "tu parles de moi à personne hein"),
    ]
    for i, (who, age, text) in enumerate(lines):
        engine.evaluate(MessageContext(room, who, text, "#" + room, age, None, 86400.0, who), i)
    return engine, room


def test_a_speaker_slice_carries_their_room_record_to_another_engine(rules: Rules) -> None:
    engine, room = _room_after_talk(rules)
    here = engine.conversations[room]
    part = here.speaker_slice("Max")
    assert part is not None and part["cues"], "the talk left cue hits for Max"
    assert here.speaker_slice("nobody") is None

    elsewhere = SafetyEngine(rules).conversations
    there = elsewhere.setdefault(room, ConversationState(room, room=True))
    there.put_speaker_slice("Max", part, rules.policy)
    assert there.speaker_slice("Max") == part
    # Only Max travelled: the room's own counters and the other speakers stay behind.
    assert there.messages == 0 and "Lea" not in there.participants


def test_a_slice_brings_a_freeze_but_not_into_a_cleared_room(rules: Rules) -> None:
    conv = ConversationState("room:r", room=True)
    conv.participant("Max", rules.policy).declared_age = 34
    conv.frozen_speakers.append("Max")
    part = conv.speaker_slice("Max")
    assert part is not None and part["frozen"]

    other = ConversationState("room:r", room=True)
    other.put_speaker_slice("Max", part, rules.policy)
    assert other.frozen_speakers == ["Max"]
    lifted = dict(part, frozen=False)
    other.put_speaker_slice("Max", lifted, rules.policy)
    assert other.frozen_speakers == []
    cleared = ConversationState("room:r", room=True, cleared=True)
    cleared.put_speaker_slice("Max", part, rules.policy)
    assert cleared.frozen_speakers == []


def test_a_roster_entry_fills_unknown_ages_only(rules: Rules) -> None:
    conv = ConversationState("room:r", room=True)
    conv.put_participant("Lea", {"declared_age": 15, "disclosed_age": None}, rules.policy)
    assert conv.minors() == ["Lea"]
    conv.participant("Zoe", rules.policy).declared_age = 16
    conv.put_participant("Zoe", {"declared_age": 30, "disclosed_age": 13}, rules.policy)
    assert (conv.participants["Zoe"].declared_age, conv.participants["Zoe"].disclosed_age) == (
        16,
        13,
    )
