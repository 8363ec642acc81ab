"""Tests for the learned layer (causette.safety.model) inside the engine, with the shipped
artefact: parity between training and inference, the artefact's round trip, what it adds
on text the word lists do not know, state across restarts, explain."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causette.safety.detectors import detect
from causette.safety.engine import MessageContext, SafetyEngine
from causette.safety.explain import explain
from causette.safety.model import (
    MESSAGE_HEADS,
    LearnedLayer,
    message_features,
    rule_terms,
)
from causette.safety.rules import Rules

T0 = 1_719_302_400.0


def _pm(cid: str, sender: str, to: str, text: str, s_age: int, r_age: int) -> MessageContext:
    return MessageContext(cid, sender, text, to, s_age, r_age, 60 * 86400.0, None)


def test_inference_computes_what_training_fitted(full: SafetyEngine, layer: LearnedLayer) -> None:
    """The runtime sum over cached word vectors equals the training row (term counts times
    scale) dotted with the weights: the model in the chat is the model that was measured."""
    text = "t'es trop mature pour ton âge, on se parle sur snap ? 🙂"
    n = full.normaliser.normalise(text)
    signals, _ = detect(n, full.rules)
    found = rule_terms(s.name for s in signals if s.active)
    assert found, "the lists find something here: the rule terms are part of the parity"
    feats, scale = message_features(n, found)
    m = layer.message
    expected = [
        float(m.bias[h])
        + scale
        * sum(count * float(m.weights[m.vocab[f], h]) for f, count in feats.items() if f in m.vocab)
        for h in range(len(MESSAGE_HEADS))
    ]
    got = m.logits(n, found)
    assert got == pytest.approx(expected, abs=1e-4)


def test_artefact_round_trips(full: SafetyEngine, layer: LearnedLayer) -> None:
    """Written to files and read back, the layer scores exactly the same."""
    files = layer.to_files()
    again = LearnedLayer.from_files(files["model.json"], files["message_weights.npz"])
    n = full.normaliser.normalise("viens seul ce soir au parking derrière le stade")
    assert again.message.score(n) == layer.message.score(n)
    assert again.conversation_thresholds == layer.conversation_thresholds


def test_a_groomer_in_euphemisms_is_escalated_and_the_chat_frozen(full: SafetyEngine) -> None:
    """Slow grooming written for this test (no corpus author wrote it): a declared 17 who
    flatters a 14-year-old, isolates her, offers a gift for secrecy and a meeting."""
    lines = [
        ("max", "coucou toi, ça va ta journée ?"),
        ("jade", "bof les cours"),
        ("max", "t'inquiète t'es bien plus intelligente que les filles de ta classe"),
        ("max", "tes parents ils te comprennent pas hein, moi si"),
        ("jade", "ouais grave"),
        ("max", "ce qu'on se dit ça reste entre nous d'accord ? personne doit savoir"),
        ("max", "je peux te payer ta recharge si tu veux, mais tu le dis pas à ta mère"),
        ("max", "on pourrait se voir samedi, je viens te chercher en voiture"),
    ]
    decisions = []
    for i, (who, text) in enumerate(lines):
        other = "jade" if who == "max" else "max"
        ages = (17, 14) if who == "max" else (14, 17)
        decisions.append(full.evaluate(_pm("g1", who, other, text, *ages), T0 + 60 * i))
    conv = full.conversations["g1"]
    assert conv.escalated and "grooming" in conv.categories
    assert decisions[-1].action == "hold"  # frozen until a moderator reviews it
    assert any(d.card is not None and d.card.target == "jade" for d in decisions)


def test_classmates_planning_homework_are_left_alone(full: SafetyEngine) -> None:
    """Two 15-year-olds from the same class, swapping snaps to send notes: nothing."""
    lines = [
        ("ines", "t'as fait l'exo 4 de maths ?"),
        ("tom", "non jsuis bloqué à la question b"),
        ("ines", "je t'envoie ma photo du cahier sur snap ce soir"),
        ("tom", "merci t'es la meilleure, on révise ensemble au cdi demain ?"),
        ("ines", "ok 10h au cdi"),
    ]
    for i, (who, text) in enumerate(lines):
        other = "tom" if who == "ines" else "ines"
        d = full.evaluate(_pm("b1", who, other, text, 15, 15), T0 + 60 * i)
        assert d.action in ("allow", "warn"), (text, d.reasons)
    assert not full.conversations["b1"].escalated


def test_rules_escalation_is_an_input_when_the_model_decides(
    rules: Rules, layer: LearnedLayer
) -> None:
    """With a conversation model, a rule's alarm is recorded as one of its inputs and the
    calibrated model decides; with the rules alone, the rule escalates as before."""
    msg = _pm("t1", "rex", "lou", "je vais te tuer, je sais où tu habites", 30, 30)
    alone = SafetyEngine(rules)
    alone.evaluate(msg, T0)
    assert alone.conversations["t1"].escalated
    never = replace(
        layer, conversation_thresholds=dict.fromkeys(layer.conversation_thresholds, 1.1)
    )
    deciding = SafetyEngine(rules, never)
    deciding.evaluate(msg, T0)
    state = deciding.conversations["t1"]
    assert not state.escalated
    assert "threat" in state.rule_flags["rex"]


def test_state_round_trips_with_the_learned_summaries(rules: Rules, layer: LearnedLayer) -> None:
    """Exported mid-conversation and imported into a new engine (a restart), the speakers'
    summaries carry on: the rest of the conversation is decided as without the restart."""
    lines = [
        "salut beauté, t'as quel âge ?",
        "t'es mature pour ton âge toi",
        "efface nos messages après ok",
        "viens on parle sur telegram",
    ]
    straight = SafetyEngine(rules, layer)
    a = [straight.evaluate(_pm("r1", "vic", "zoe", t, 24, 15), T0 + i) for i, t in enumerate(lines)]
    first = SafetyEngine(rules, layer)
    for i, t in enumerate(lines[:2]):
        first.evaluate(_pm("r1", "vic", "zoe", t, 24, 15), T0 + i)
    second = SafetyEngine(rules, layer)
    second.import_state(first.export_state())
    b = [
        second.evaluate(_pm("r1", "vic", "zoe", t, 24, 15), T0 + 2 + i)
        for i, t in enumerate(lines[2:])
    ]
    assert [d.action for d in a[2:]] == [d.action for d in b]
    assert [d.learned and d.learned.risk for d in a[2:]] == [
        d.learned and d.learned.risk for d in b
    ]


def test_explain_says_what_the_model_saw() -> None:
    """explain prints the message heads and the features behind a speaker's risk."""
    import json

    lines = [
        json.dumps(
            {
                "conversation": "e1",
                "ts": T0 + i,
                "sender": "kev",
                "sender_age": 35,
                "to": "mia",
                "recipient_age": 14,
                "text": t,
            }
        )
        for i, t in enumerate(
            [
                "t'as quel âge ?",
                "t'es mature pour ton âge",
                "dis rien à ta mère",
                "ajoute moi sur snap",
            ]
        )
    ]
    out = "\n".join(explain(lines, "e1"))
    assert "model, this message:" in out
    assert "model, this speaker: grooming risk" in out
    assert "because of" in out


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["#room", "bob"]))
def test_engine_with_the_model_never_raises(text: str, to: str) -> None:
    """Any text, in a room or privately: a decision, with probabilities in [0, 1]."""
    engine = _ENGINE
    d = engine.evaluate(MessageContext("h", "al", text, to, 30, None if to == "#room" else 16), T0)
    assert d.action in ("allow", "warn", "mask", "hold", "block")
    assert d.learned is not None
    assert all(0.0 <= p <= 1.0 and not math.isnan(p) for p in d.learned.probs.values())


_ENGINE = SafetyEngine.load()


def test_an_evening_of_small_talk_never_escalates(full: SafetyEngine) -> None:
    """Hundreds of ordinary messages from one speaker in a busy room: no escalation, no
    hold. (Uncapped counts once drove such a speaker's grooming risk to 1.0 within a
    hundred messages: a linear model extrapolates past the corpus's lengths.)"""
    lines = [
        "quelqu'un a vu le match hier soir ?",
        "trop bien la fin, le but à la {n}e minute",
        "bon je vais manger, à tout à l'heure",
        "re ! vous parlez de quoi ?",
        "moi je bosse demain à {n}h, dur dur",
        "lol non c'était pas moi",
        "il fait super beau ici aujourd'hui, {n} degrés",
        "vous avez des séries à conseiller ?",
    ]
    for i in range(400):
        text = lines[i % len(lines)].format(n=i % 60)
        msg = MessageContext("room:general", "bavard", text, "#general", 34, None, 90 * 86400.0)
        d = full.evaluate(msg, T0 + 30 * i)
        assert d.action in ("allow", "warn"), (i, text, d.reasons)
    assert not full.conversations["room:general"].escalated


def test_saying_it_three_times_is_not_three_times_the_evidence(
    full: SafetyEngine, layer: LearnedLayer
) -> None:
    """A message pasted three times scores about as the message once (an invitation to a
    picnic pasted thrice once scored as a threat and was held)."""
    text = "on se retrouve samedi au marché pour le pique-nique, j'apporte les fruits"
    once = layer.message.score(full.normaliser.normalise(text))
    thrice = layer.message.score(full.normaliser.normalise(" ".join([text] * 3)))
    for head in MESSAGE_HEADS:
        assert thrice[head] == pytest.approx(once[head], abs=0.05), head
