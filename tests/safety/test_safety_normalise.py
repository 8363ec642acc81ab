"""Tests for causette.safety.normalise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from causette.safety.normalise import Normaliser
from causette.safety.rules import Rules, load_rules

_NM = Normaliser(load_rules().tables)


def test_case_accents_and_punctuation(rules: Rules) -> None:
    """Lower-case, accents stripped, punctuation becomes single spaces."""
    n = Normaliser(rules.tables).normalise("T'ES OÙ, Élodie ?!")
    assert n.key.text == "t es ou elodie"


def test_confusables_and_nfkc(rules: Rules) -> None:
    """Cyrillic look-alikes and full-width letters read as Latin."""
    n = Normaliser(rules.tables).normalise("ѕаlе ｐｄ")
    assert n.key.text == "sale pd"


def test_letter_runs_are_squeezed(rules: Rules) -> None:
    """Stretched letters are squeezed to one, so word lists can match them."""
    assert Normaliser(rules.tables).normalise("saaaaale").key.text == "sale"


def test_leetspeak_only_inside_words(rules: Rules) -> None:
    """Leetspeak is read inside words but plain numbers stay numbers."""
    n = Normaliser(rules.tables).normalise("p3d3 06 12")
    assert n.deleet.text == "pede 06 12"


def test_spaced_letters_are_glued_but_wide_gaps_stay(rules: Rules) -> None:
    """'s a l e   p 3 d 3' reads as two words, 'sale pede'."""
    assert Normaliser(rules.tables).normalise("s a l e   p 3 d 3").joined.text == "sale pede"


def test_one_letter_word_before_spaced_letters_stays_apart(rules: Rules) -> None:
    """'such a f a g': the article is kept, the spaced letters are glued."""
    assert Normaliser(rules.tables).normalise("such a f a g").joined.text == "such a fag"


def test_number_words_become_digits(rules: Rules) -> None:
    """French compounds and English words read as digits."""
    nm = Normaliser(rules.tables)
    assert nm.normalise("zéro six douze soixante-dix-huit").digits.text.split() == [
        "0",
        "6",
        "12",
        "78",
    ]
    assert nm.normalise("quatre-vingt-dix-sept").digits.text.split() == ["97"]
    assert nm.normalise("oh seven seven").digits.text.split() == ["0", "7", "7"]


def test_origin_maps_back_to_raw(rules: Rules) -> None:
    """A span on a normal form maps back to the raw characters it came from."""
    raw = "Hé, SAAALE type"
    n = Normaliser(rules.tables).normalise(raw)
    start = n.key.text.index("sale")
    a, b = n.key.span(start, start + len("sale"))
    assert raw[a:b] == "SAAALE"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_key_is_idempotent(text: str) -> None:
    """Normalising the key form gives the key form again."""
    nm = _NM
    key = nm.normalise(text).key.text
    assert nm.normalise(key).key.text == key


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_origins_are_valid_indexes(text: str) -> None:
    """Every form's origin list has one in-range raw index per character."""
    n = _NM.normalise(text)
    for form in (n.folded, n.key, n.deleet, n.joined, n.digits):
        assert len(form.origin) == len(form.text)
        assert all(0 <= i < max(1, len(text)) for i in form.origin)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_fast_key_equals_reference(text: str) -> None:
    """The regex fast path of ``key`` gives the same text as the per-character reference."""
    folded = _NM.fold(text)
    fast = _NM.key(folded, deleet=False)
    ref = _NM._key(folded, deleet=False)
    assert fast.text == ref.text
    assert len(fast.origin) == len(fast.text)
    for c, a, b in zip(fast.text, fast.origin, ref.origin, strict=True):
        if c != " ":
            assert a == b
