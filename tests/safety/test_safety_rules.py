"""Tests for causette.safety.rules: loading, validation and pattern stretching."""

from __future__ import annotations

import pytest

from causette.safety.rules import (
    Lexicon,
    Rules,
    RulesError,
    compile_rules,
    load_rules,
)


def test_packaged_rules_load(rules: Rules) -> None:
    """The shipped data files validate and define every weighted cue."""
    names = {g.name for g in rules.cues}
    assert "grooming.secrecy" in names and "ambush.come_alone" in names
    assert rules.policy.grooming.warn < rules.policy.grooming.escalate


def test_word_lists_are_squeezed_like_text(rules: Rules) -> None:
    """Entries are folded and squeezed ('connard' -> 'conard') so they match squeezed text."""
    assert rules.strong_insults.search("t es un conard")
    assert rules.slurs.search("sale pede")


def test_exact_entries_avoid_squeeze_collisions(rules: Rules) -> None:
    """'=coons?' is matched on unsqueezed text: 'con' is not a slur, 'coon' is."""
    assert rules.exact_slurs.search("you coon")
    assert not rules.exact_slurs.search("quel con")
    assert not rules.slurs.search("quel con")


def _lexicon(**kw: object) -> Lexicon:
    return Lexicon.model_validate({"language": "xx", **kw})


def test_bad_regex_names_the_entry(rules: Rules) -> None:
    """A broken pattern is refused with the list it sits in."""
    lex = _lexicon(cues={"grooming.age_probe": ["(unclosed"]})
    with pytest.raises(RulesError, match=r"cues\.grooming\.age_probe"):
        compile_rules(rules.tables, rules.policy, rules.reasons, [lex])


def test_unknown_cue_category_is_refused(rules: Rules) -> None:
    """Cue names must start with a known category."""
    lex = _lexicon(cues={"gossip.rumour": ["x"]})
    with pytest.raises(RulesError, match=r"gossip\.rumour"):
        compile_rules(rules.tables, rules.policy, rules.reasons, [lex])


def test_weight_for_undefined_cue_is_refused(rules: Rules) -> None:
    """A policy weight naming a cue no lexicon defines is an error."""
    lex = _lexicon(cues={"grooming.age_probe": ["quel age"]})
    with pytest.raises(RulesError, match="unknown cue"):
        compile_rules(rules.tables, rules.policy, rules.reasons, [lex])


def test_unknown_keys_are_refused() -> None:
    """A typo in a lexicon key fails validation instead of being ignored."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Lexicon.model_validate({"language": "fr", "slurz": {}})


def test_missing_data_package_is_a_rules_error() -> None:
    """Loading from a package without the files raises RulesError."""
    with pytest.raises(RulesError):
        load_rules(package="causette.safety.detectors")


def test_trigger_words_never_hide_a_match(rules: Rules) -> None:
    """Skipping lists by trigger words gives the same matches as scanning everything."""
    from pathlib import Path

    from causette.safety.corpus import parse_author
    from causette.safety.normalise import Normaliser

    nm = Normaliser(rules.tables)
    authors = Path(__file__).parent / "corpus" / "authors"
    texts = [
        m.text
        for path in sorted(authors.glob("*.jsonl"))
        for c in parse_author(path.read_text("utf-8").splitlines(), path.stem)
        for m in c.lines
    ]
    groups = [*rules.cues, *rules.frames]
    assert all(g.triggers is not None for g in groups)
    checked = 0
    for text in texts:
        n = nm.normalise(text)
        for g in groups:
            plain = g.regex.search(n.key.text)
            gated = g.search(n.key.text, n.words)
            assert (plain is None) == (gated is None), (g.name, text)
            checked += plain is not None
    assert checked > 100


def test_triggers_of_simple_patterns() -> None:
    """A required word or a group of plain words is found; optional parts are not used."""
    from causette.safety.rules import triggers

    assert triggers("(t|tu) ?(as|a) (quel|kel) age") == frozenset({"age"})
    assert triggers("(photos?|pictures?) of you") == frozenset(
        {"photo", "photos", "picture", "pictures"}
    )
    assert triggers("(le )?parking|bois") is None
