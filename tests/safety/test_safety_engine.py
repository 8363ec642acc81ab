"""Tests for causette.safety.engine: the facade, state across messages, cards, escalation."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from causette.safety.engine import MessageContext, SafetyEngine
from causette.safety.rules import load_rules

T0 = 1_719_302_400.0


def _pm(
    cid: str,
    sender: str,
    to: str,
    text: str,
    s_age: int,
    r_age: int,
    account: float = 90 * 86400.0,
    device: str | None = None,
) -> MessageContext:
    return MessageContext(cid, sender, text, to, s_age, r_age, account, device)


def test_grooming_warns_the_minor_then_escalates_and_freezes(engine: SafetyEngine) -> None:
    """Stages pile up: a card for the minor first, then escalation freezes the chat."""
    lines = [
        "salut",
        "t'as quel âge ?",
        "t'es mature pour ton âge",
        "dis rien à tes parents",
        "t'es seule chez toi ?",
        "ajoute moi sur snap",
    ]
    decisions = [
        engine.evaluate(_pm("c", "x", "lea", t, 16, 14), T0 + i * 30) for i, t in enumerate(lines)
    ]
    first_warn = next(i for i, d in enumerate(decisions) if d.action != "allow")
    assert first_warn < len(lines) - 1
    assert decisions[first_warn].card is not None
    assert decisions[first_warn].card.target == "lea"
    assert decisions[-1].escalate and decisions[-1].action == "hold"
    after = engine.evaluate(_pm("c", "lea", "x", "ok", 14, 16), T0 + 999)
    assert after.action == "hold"


def test_same_words_between_adults_do_not_escalate(engine: SafetyEngine) -> None:
    """Flattery and a meeting between adults is not grooming."""
    for i, t in enumerate(["t'es trop belle", "on se voit samedi au café ?", "avec plaisir"]):
        d = engine.evaluate(
            _pm("c", "a" if i % 2 == 0 else "b", "b" if i % 2 == 0 else "a", t, 30, 31), T0 + i
        )
        assert d.action == "allow" and not d.escalate


def test_ambush_card_goes_to_the_person_lured(engine: SafetyEngine) -> None:
    """A fresh account pushing a lone meeting at a car park warns the recipient."""
    lines = [
        "t'es discret ?",
        "pas de photo désolé",
        "on se voit ce soir ? viens seul",
        "au parking derrière la gare",
    ]
    ds = [
        engine.evaluate(_pm("c", "lure", "vic", t, 24, 35, account=600.0), T0 + i * 30)
        for i, t in enumerate(lines)
    ]
    warned = [d for d in ds if d.card is not None]
    assert warned and all(d.card is not None and d.card.target == "vic" for d in warned)
    assert ds[-1].escalate and ds[-1].risk["ambush"] >= 0.5


def test_victim_giving_address_to_a_lure_is_masked(engine: SafetyEngine) -> None:
    """Once an ambush is suspected, the victim's address is masked and they get the card."""
    for i, t in enumerate(["tu vis seul ?", "pas de cam", "je viens maintenant, ton adresse ?"]):
        engine.evaluate(_pm("c", "lure", "vic", t, 24, 35, account=600.0), T0 + i)
    d = engine.evaluate(_pm("c", "vic", "lure", "j'habite au 12 rue des Lilas", 35, 24), T0 + 9)
    assert d.action == "mask" and d.text is not None and "Lilas" not in d.text
    assert d.card is not None and d.card.target == "vic"


def test_age_disclosure_contradicting_declaration(engine: SafetyEngine) -> None:
    """A declared adult saying they are in 4ème is reported with the disclosed age."""
    d = engine.evaluate(_pm("c", "jade", "marc", "jsuis en 4ème en vrai", 19, 30), T0)
    assert "minor.disclosed_age" in d.labels
    assert d.age_disclosure is not None and d.age_disclosure.disclosed_age == 13


def test_reply_to_an_age_question_counts(engine: SafetyEngine) -> None:
    """'14' right after 'how old are you?' is a disclosure."""
    engine.evaluate(_pm("c", "dan", "kim", "how old are you?", 25, 19), T0)
    d = engine.evaluate(_pm("c", "kim", "dan", "14", 19, 25), T0 + 5)
    assert d.age_disclosure is not None and d.age_disclosure.disclosed_age == 14


def test_phone_split_across_messages_is_masked(engine: SafetyEngine) -> None:
    """A number spread over two quick messages from a fresh account is caught."""
    engine.evaluate(_pm("c", "n", "o", "06 12 34", 22, 23, account=600.0), T0)
    d = engine.evaluate(_pm("c", "n", "o", "56 78", 22, 23, account=610.0), T0 + 5)
    assert "pii.phone" in d.labels and d.action == "mask"


def test_phone_between_known_adults_is_allowed(engine: SafetyEngine) -> None:
    """Two established adult accounts may swap numbers."""
    d = engine.evaluate(_pm("c", "a", "b", "mon numéro c'est le 06 11 22 33 44", 38, 40), T0)
    assert d.action == "allow" and "pii.phone" in d.labels


def test_flood_is_blocked(engine: SafetyEngine) -> None:
    """The same text many times in a few seconds is blocked."""
    actions = [
        engine.evaluate(MessageContext("r", "bot", "rejoins mon canal", "#g", 25), T0 + i).action
        for i in range(6)
    ]
    assert actions[0] == "allow" and actions[-1] == "block"


def test_device_behind_several_pseudonyms(engine: SafetyEngine) -> None:
    """One device courting several people under several names raises ambush risk."""
    risks = []
    for i in range(3):
        d = engine.evaluate(
            _pm(
                f"c{i}",
                f"nico{i}",
                f"v{i}",
                "t'es mignon, on se voit ce soir ?",
                23,
                35,
                account=600.0,
                device="dev",
            ),
            T0 + i * 60,
        )
        risks.append(d.risk["ambush"])
    assert risks[-1] > risks[0]


def test_state_round_trips_through_json(engine: SafetyEngine) -> None:
    """Exported state survives JSON and gives the same decisions afterwards."""
    for i, t in enumerate(["t'as quel âge ?", "t'es mature pour ton âge"]):
        engine.evaluate(_pm("c", "x", "lea", t, 16, 14), T0 + i)
    blob = json.dumps(engine.export_state())
    other = SafetyEngine(engine.rules)
    other.import_state(json.loads(blob))
    nxt = _pm("c", "x", "lea", "dis rien à tes parents", 16, 14)
    assert engine.evaluate(nxt, T0 + 5) == other.evaluate(nxt, T0 + 5)


def test_idle_conversations_are_forgotten(engine: SafetyEngine) -> None:
    """forget_idle drops conversations past the state window."""
    engine.evaluate(_pm("old", "a", "b", "salut", 30, 30), T0)
    engine.evaluate(_pm("new", "a", "b", "salut", 30, 30), T0 + 30 * 86400)
    assert engine.forget_idle(T0 + 30 * 86400) == 1
    assert set(engine.conversations) == {"new"}


_ENGINE = SafetyEngine(load_rules())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["#room", "bob"]), st.integers(10, 90))
def test_engine_never_raises(text: str, to: str, age: int) -> None:
    """Any text gives a decision; held or blocked messages carry no text."""
    d = _ENGINE.evaluate(MessageContext("h", "alice", text, to, age, 20), T0)
    assert d.action in ("allow", "warn", "mask", "hold", "block")
    assert (d.text is None) == (d.action in ("hold", "block"))
    if d.text is not None:
        assert len(d.text) == len(text)


def test_a_shop_is_a_shop_only_in_the_speakers_own_words(engine: SafetyEngine) -> None:
    """'la boulangerie ... ?' from someone else, then a number in a room: masked (a helpline
    named by anyone once unmasked a child's number, issue 13 item 7); the shop's number
    in the same message as the shop is not."""
    engine.evaluate(MessageContext("r", "a", "la boulangerie fait des commandes ?", "#b", 50), T0)
    d = engine.evaluate(
        MessageContext("r", "b", "oui appelle-les au 05 56 12 34 56", "#b", 52), T0 + 5
    )
    assert d.action == "mask"
    own = engine.evaluate(
        MessageContext("r", "b", "la boulangerie prend les commandes au 05 56 12 34 56", "#b", 52),
        T0 + 9,
    )
    assert own.action == "allow"


def test_someone_elses_address_in_a_room_is_masked(engine: SafetyEngine) -> None:
    """Posting where a named person lives, in a room, is masked as personal data."""
    d = engine.evaluate(
        MessageContext("r", "x", "l'adresse de Karim c'est 5 rue des Roses", "#ville", 30), T0
    )
    assert "pii.address" in d.labels and d.action == "mask"
    assert d.text is not None and "Roses" not in d.text


def test_mild_insults_count_only_after_real_hostility(engine: SafetyEngine) -> None:
    """'ferme ta gueule' alone is banter; after a slur it counts towards harassment."""
    for i in range(3):
        d = engine.evaluate(_pm("friends", "a", "b", "ferme ta gueule", 25, 25), T0 + i)
        assert d.action == "allow" and not d.escalate
    texts = ["réponds connasse", "t'es qu'une merde", "ferme ta gueule"]
    ds = [
        engine.evaluate(_pm("bully", "x", "y", t, 25, 25), T0 + 10 + i) for i, t in enumerate(texts)
    ]
    assert ds[-1].escalate and "harassment.repeated" in ds[-1].labels
