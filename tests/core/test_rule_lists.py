"""Shared rule lists and packs, without I/O: what an entry may be, what the lists refuse,
and a pack's signature holding for every byte of it."""

from __future__ import annotations

import pytest

from causette.core.errors import ChatError
from causette.core.rule_lists import (
    Entry,
    RuleMatcher,
    make_pack,
    normalise_entry,
    personal_data,
    read_pack,
)
from causette.core.sealing import new_signing_key, public_key_id


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("marie@example.org", "email"),
        ("+33 6 12 34 56 78", "phone"),
        ("06.12.34.56.78", "phone"),
        ("10.0.0.1", "ip"),
        ("2001:db8::1", "ip"),
        ("grosminet", None),
        ("arnaque.example", None),
        ("1488", None),  # a hate code is not anybody's number
    ],
)
def test_personal_data_is_recognised(text: str, kind: str | None) -> None:
    assert personal_data(text) == kind


def test_entries_are_normalised_and_checked() -> None:
    assert normalise_entry("pseudonym", " GrosMinet ") == Entry("pseudonym", "grosminet")
    assert normalise_entry("link_domain", "*.Arnaque.Example.") == Entry(
        "link_domain", "arnaque.example"
    )
    for list_name, raw in [
        ("pseudonym", "ab"),
        ("pseudonym", "with space"),
        ("link_domain", "localhost"),
        ("link_domain", "https://x.example/path"),
        ("link_domain", "1.2.3.4"),
        ("nope", "grosminet"),
        ("pseudonym", 42),
    ]:
        with pytest.raises(ChatError) as refused:
            normalise_entry(list_name, raw)
        assert refused.value.code == "bad_field", raw


def test_the_matcher_folds_look_alikes_and_follows_subdomains() -> None:
    entries = [Entry("pseudonym", "grosminet"), Entry("link_domain", "arnaque.example")]
    matcher = RuleMatcher(entries)
    assert matcher.pseudonym_refused("Le_Gr0sMinet")
    assert not matcher.pseudonym_refused("Titi")
    assert matcher.blocked_domain("va sur https://forum.arnaque.example/x") == "arnaque.example"
    assert matcher.blocked_domain("ARNAQUE.EXAMPLE!") == "arnaque.example"
    assert matcher.blocked_domain("pasarnaque.example ou arnaque.examples") is None
    assert RuleMatcher().blocked_domain("arnaque.example") is None


def test_a_pack_reads_back_only_with_its_issuers_key_and_unchanged() -> None:
    key = new_signing_key()
    entries = [Entry("pseudonym", "grosminet"), Entry("link_domain", "arnaque.example")]
    pack = make_pack("Instance A", entries, 1_800_000_000.0, key)
    trusted = {public_key_id(key): key.public_key()}
    read = read_pack(pack, trusted)
    assert read.issuer == "Instance A" and set(read.entries) == set(entries)
    with pytest.raises(ChatError) as refused:
        read_pack(pack, {})
    assert refused.value.code == "pack_issuer_unknown"
    for field, value in [("created_at", 1.0), ("issuer", "B"), ("entries", [])]:
        with pytest.raises(ChatError) as refused:
            read_pack({**pack, field: value}, trusted)
        assert refused.value.code == "pack_signature_invalid", field
    with pytest.raises(ChatError) as refused:
        read_pack({**pack, "extra": 1}, trusted)
    assert refused.value.code == "bad_field"
