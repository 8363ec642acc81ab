"""Tests for causette.safety.detectors (hate, cues, pii, spam, age)."""

from __future__ import annotations

import pytest

from causette.safety.detectors import Signal, detect
from causette.safety.normalise import Normaliser
from causette.safety.rules import Rules


def _signals(rules: Rules, text: str) -> list[Signal]:
    signals, _ = detect(Normaliser(rules.tables).normalise(text), rules)
    return signals


def _active(rules: Rules, text: str) -> set[str]:
    return {s.name for s in _signals(rules, text) if s.active}


@pytest.mark.parametrize(
    "text",
    [
        "sale pd",
        "t'es qu'une tapette",
        "s a l e   p 3 d 3",
        "espèce de p.d",
        "TARLOUUUZE",
        "les gays devraient crever",
        "shut up you f4ggot",
        "dirty dykes",
        "retourne dans ton pays",
    ],
)
def test_attacks_are_hate(rules: Rules, text: str) -> None:
    """Slurs, obfuscated slurs and hateful templates are detected."""
    assert any(n.startswith("hate.") for n in _active(rules, text)), text


@pytest.mark.parametrize(
    "text",
    [
        "je suis gay",
        "en tant que lesbienne",
        "je suis pd et fier",
        "as a trans woman",
        "il m'a traité de pédé hier",
        "some guy called me a faggot",
        "le mot « pédé » est une insulte homophobe",
        "les arabes du quartier sont sympas",
        "on va au Niger cet été",
        "quel con ce mec",
    ],
)
def test_identity_reported_and_educational_are_not_hate(rules: Rules, text: str) -> None:
    """Identity words, reported speech, quoted words and ordinary words are not hate."""
    assert not any(n.startswith("hate.") for n in _active(rules, text)), text


def test_suppressed_match_says_why(rules: Rules) -> None:
    """A neutralised slur is still returned, with the frame that neutralised it."""
    sig = [s for s in _signals(rules, "il m'a traité de pd") if s.name.startswith("hate.")]
    assert sig and sig[0].suppressed_by == "reported"


def test_threat_in_a_game_is_suppressed(rules: Rules) -> None:
    """'je vais te tuer' about a Fortnite round is not a threat; outside a game it is."""
    assert "threat.violence" not in _active(rules, "je vais te tuer à fortnite mdr")
    assert "threat.violence" in _active(rules, "je vais te tuer")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("t'as quel âge ?", "grooming.age_probe"),
        ("dis rien à tes parents", "grooming.secrecy"),
        ("are you home alone?", "grooming.alone_check"),
        ("send me a pic", "grooming.picture_request"),
        ("ajoute moi sur snap", "shared.off_platform"),
        ("viens seul", "ambush.come_alone"),
        ("c'est quoi le digicode ?", "ambush.access_request"),
        ("pas de photo désolé", "ambush.photo_refusal"),
    ],
)
def test_cues(rules: Rules, text: str, cue: str) -> None:
    """Each stage cue fires on a typical phrasing."""
    assert cue in _active(rules, text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("appelle moi au 06 12 34 56 78", "pii.phone"),
        ("+33 6 12 34 56 78", "pii.phone"),
        ("zéro six douze trente-quatre cinquante-six soixante-dix-huit", "pii.phone"),
        ("lea.dupont at gmail dot com", "pii.email"),
        ("écris à lea@gmail.com", "pii.email"),
        ("j'habite au 12 rue des Lilas", "pii.address"),
        ("le code c'est 4521B", "pii.door_code"),
        ("au 3ème étage", "pii.floor"),
        ("mon snap c'est lea_2010", "pii.handle"),
        ("je suis au collège Jean Moulin", "pii.school"),
    ],
)
def test_personal_data(rules: Rules, text: str, label: str) -> None:
    """Phones (incl. in words), e-mails (incl. ' at '), addresses, codes, handles, schools."""
    assert label in _active(rules, text)


def test_shop_number_is_not_personal(rules: Rules) -> None:
    """A pharmacy's number in a business frame is suppressed."""
    text = "la pharmacie du centre, appelez le 01 42 68 53 00"
    assert "pii.phone" not in _active(rules, text)
    assert any(
        s.name == "pii.phone" and s.suppressed_by == "business" for s in _signals(rules, text)
    )


def test_address_without_residence_is_not_personal(rules: Rules) -> None:
    """An address with no one saying they live there is not flagged by itself."""
    assert "pii.address" not in _active(rules, "le concert est au 12 rue de la Paix")


def test_links(rules: Rules) -> None:
    """URLs and bare domains are links; an e-mail's domain is not."""
    assert "spam.link" in _active(rules, "va sur www.exemple.xyz")
    assert "spam.link" in _active(rules, "bit.ly/3xYz")
    assert "spam.link" not in _active(rules, "lea@gmail.com")


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("j'ai 13 ans", 13),
        ("jsuis en 4ème", 13),
        ("I'm 14 years old", 14),
        ("i'm in 8th grade", 13),
        ("je suis en seconde", 15),
        ("j'ai treize ans", 13),
        ("i'm in year 9", 13),
    ],
)
def test_age_disclosures(rules: Rules, text: str, age: int) -> None:
    """First-person ages and school years are read."""
    found = [s for s in _signals(rules, text) if s.name == "context.age_disclosed"]
    assert found and int(found[0].params["age"]) == age


def test_third_person_age_is_not_a_disclosure(rules: Rules) -> None:
    """Someone else's age or a duration is not a disclosure."""
    for text in ("mon petit frère a 13 ans", "I'm 13 minutes away from the station"):
        assert "context.age_disclosed" not in _active(rules, text), text
