"""flood_key: copies of one text with case, accents, punctuation, spacing and numbers
changed are one; different sentences are not."""

from __future__ import annotations

from causette.core.text import flood_key


def test_copies_of_one_text_share_a_key() -> None:
    a = flood_key("Gagne 500 Robux GRATUITS ici : robux-free.xyz/12 !!")
    b = flood_key("gagne 1000 robux gratuits ICI robux free xyz 7")
    assert a == b
    assert flood_key("Évite   la   PLACE") == flood_key("evite la place!")


def test_different_sentences_do_not() -> None:
    assert flood_key("je vais te tuer") != flood_key("je vais te voir")
    assert flood_key("") == ""
