"""Tests for what the conversation model reads of the others' reactions (decision 011):
a reaction to being hurt ("arrête", "leave me alone") counts against whom it answers, and
a speaker's features carry how hostile the others in the conversation are (a pile-on)."""

from __future__ import annotations

import pytest

from causette.safety.engine import MessageContext, SafetyEngine
from causette.safety.model import (
    CONVERSATION_FEATURES,
    MESSAGE_HEADS,
    SpeakerSummary,
)
from causette.safety.rules import Rules

T0 = 1_719_302_400.0
MONTH = 30 * 86400.0


def _pm(sender: str, to: str, text: str) -> MessageContext:
    return MessageContext("pm1", sender, text, to, 30, 30, MONTH, None)


def _room(sender: str, text: str) -> MessageContext:
    return MessageContext("#general", sender, text, "#general", 30, None, MONTH, None)


@pytest.mark.parametrize(
    "text",
    [
        "arrête stp",
        "laisse-moi tranquille",
        "je vais te signaler",
        "pourquoi tu dis ça ?",
        "foutez moi la paix",
        "leave me alone",
        "stop messaging me",
        "that's not funny",
        "im reporting you",
        "c'est raciste ça",
    ],
)
def test_reactions_to_being_hurt_are_recognised(
    rules: Rules, engine: SafetyEngine, text: str
) -> None:
    assert rules.pushback.search(engine.normaliser.normalise(text).key.text)


@pytest.mark.parametrize(
    "text", ["on se voit demain ?", "trop bien ton stream", "see you at the match", "j'arrive"]
)
def test_ordinary_talk_is_no_reaction(rules: Rules, engine: SafetyEngine, text: str) -> None:
    assert not rules.pushback.search(engine.normaliser.normalise(text).key.text)


def test_in_private_the_reaction_counts_against_the_other_side(full: SafetyEngine) -> None:
    full.evaluate(_pm("alex", "sam", "t'as vu le match hier ?"), T0)
    full.evaluate(_pm("sam", "alex", "laisse-moi tranquille"), T0 + 30)
    full.evaluate(_pm("sam", "alex", "arrête"), T0 + 60)
    speakers = full.conversations["pm1"].speakers
    assert speakers["alex"].pushback == pytest.approx(2.0)
    assert speakers["sam"].pushback == 0.0


def test_in_a_room_it_counts_against_the_last_other_speaker_in_the_window(
    full: SafetyEngine,
) -> None:
    full.evaluate(_room("old", "bonjour tout le monde"), T0)
    full.evaluate(_room("near", "t'es vraiment nul toi"), T0 + 600)
    full.evaluate(_room("target", "laisse-moi tranquille"), T0 + 630)
    speakers = full.conversations["#general"].speakers
    assert speakers["near"].pushback == pytest.approx(1.0)
    assert speakers["old"].pushback == 0.0
    assert speakers["target"].pushback == 0.0
    # Past the split window nobody is answered: the reaction is credited to no one.
    full.evaluate(_room("target", "arrête"), T0 + 630 + 3600)
    assert speakers["near"].pushback == pytest.approx(1.0)


def test_the_count_fades_with_the_speakers_own_messages() -> None:
    s = SpeakerSummary()
    s.add(dict.fromkeys(MESSAGE_HEADS, 0.0), T0)
    s.pushback = 2.0
    s.add(dict.fromkeys(MESSAGE_HEADS, 0.0), T0 + 10)
    assert 1.9 < s.pushback < 2.0
    again = SpeakerSummary.from_dict(s.to_dict())
    assert again.pushback == s.pushback
    old = s.to_dict()
    del old["pushback"]  # a summary written before the field existed (shared state)
    assert SpeakerSummary.from_dict(old).pushback == 0.0


def test_a_pile_on_shows_in_each_speakers_features(full: SafetyEngine) -> None:
    """The others' strongest hostile message and how many others wrote one: the same
    features the conversation model was fitted on (the trace's vector is the model's)."""
    full.trace = []
    full.evaluate(_room("a", "bonjour"), T0)
    full.evaluate(_room("b", "t'es qu'une merde, personne veut de toi ici"), T0 + 5)
    full.evaluate(_room("a", "il fait beau"), T0 + 10)
    row = full.trace[-1]
    company = row.features[CONVERSATION_FEATURES.index("hostile_company")]
    others = row.features[CONVERSATION_FEATURES.index("others_hostile")]
    summary_b = full.conversations["#general"].speakers["b"]
    hostile = [MESSAGE_HEADS.index(h) for h in ("hate", "harassment", "threat")]
    assert others == pytest.approx(max(summary_b.top[i] for i in hostile))
    assert company == (0.0 if others < 0.5 else pytest.approx(0.6931, abs=1e-3))
