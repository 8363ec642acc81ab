"""The audit chain: any change, removal or reordering of an entry is detected, even when
the forger recomputes the hashes, and so is the removal of the newest entries."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from causette.core.audit import (
    GENESIS,
    AuditEntry,
    ChainReport,
    Head,
    HeadError,
    entry_hash,
    next_entry,
    read_signed_head,
    signed_head,
)
from causette.core.audit import verify as verify_with
from causette.core.sealing import Keyring, RetentionKey, new_signing_key

KEY = RetentionKey.from_secret(b"k" * 32)
OTHER = RetentionKey.from_secret(b"o" * 32)
KEYS = Keyring(KEY)


def verify(entries: list[AuditEntry], **kwargs: object) -> ChainReport:
    return verify_with(entries, KEYS, **kwargs)  # type: ignore[arg-type]


def _chain(n: int, key: RetentionKey = KEY) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(n):
        previous = entries[-1] if entries else None
        entries.append(
            next_entry(
                previous, 1000.0 + i, f"moderator:{i % 3}", "sanction.ban", f"t{i}", {"i": i}, key
            )
        )
    return entries


def _plain(previous: AuditEntry | None, i: int) -> AuditEntry:
    """An entry of the chains written before the chain was keyed (sha256, no key)."""
    seq = 1 if previous is None else previous.seq + 1
    prev = GENESIS if previous is None else previous.hash
    fields = (seq, 10.0 + i, "a", "x", f"t{i}", "{}")
    return AuditEntry(*fields, prev, entry_hash(prev, *fields), None)


def _forge(entries: list[AuditEntry], index: int, key: RetentionKey | None) -> list[AuditEntry]:
    """Edit entry ``index`` and recompute every hash after it, with ``key`` (None: sha256)."""
    forged = entries[:index]
    for old in entries[index:]:
        previous = forged[-1] if forged else None
        actor = "moderator:evil" if old.seq == index + 1 else old.actor
        prev = GENESIS if previous is None else previous.hash
        fields = (old.seq, old.ts, actor, old.action, old.target, old.detail)
        kid = None if key is None else old.key_id
        forged.append(AuditEntry(*fields, prev, entry_hash(prev, *fields, key), kid))
    return forged


def test_a_fresh_chain_verifies() -> None:
    entries = _chain(20)
    report = verify(entries)
    assert report.ok and report.entries == 20
    assert entries[0].prev_hash == GENESIS and entries[0].seq == 1


def test_empty_chain_is_intact() -> None:
    assert verify([]).ok


def test_detail_is_canonical() -> None:
    a = next_entry(None, 1.0, "x", "a", "t", {"b": 1, "a": [1, "é"]}, KEY)
    b = next_entry(None, 1.0, "x", "a", "t", {"a": [1, "é"], "b": 1}, KEY)
    assert a.hash == b.hash


@given(
    index=st.integers(0, 9),
    field=st.sampled_from(["ts", "actor", "action", "target", "detail"]),
)
def test_changing_any_field_of_any_entry_is_detected(index: int, field: str) -> None:
    entries = _chain(10)
    original = getattr(entries[index], field)
    changed = original + 1.0 if field == "ts" else original + "x"
    entries[index] = dataclasses.replace(entries[index], **{field: changed})
    report = verify(entries)
    assert not report.ok and report.first_broken == index + 1


def test_rehashing_a_changed_entry_breaks_the_next_link() -> None:
    entries = _chain(5)
    forged = next_entry(entries[1], entries[2].ts, "moderator:evil", "x", "y", {}, KEY)
    entries[2] = forged
    report = verify(entries)
    assert report.first_broken == 4 and report.problem == "does not follow the previous entry"


def test_removed_or_reordered_entries_are_detected() -> None:
    entries = _chain(6)
    assert verify(entries[:2] + entries[3:]).first_broken == 4
    swapped = entries[:]
    swapped[1], swapped[2] = swapped[2], swapped[1]
    assert not verify(swapped).ok


def test_rewriting_with_recomputed_hashes_needs_the_key() -> None:
    """Issue 15 item 6: an edited entry with every later hash recomputed used to verify."""
    entries = _chain(8)
    with_sha256 = verify(_forge(entries, 3, None))
    assert not with_sha256.ok and with_sha256.first_broken == 4
    with_wrong_key = verify(_forge(entries, 3, OTHER))
    assert not with_wrong_key.ok and with_wrong_key.first_broken == 4
    assert verify(_forge(entries, 3, KEY)).ok  # only the key's holder can


def test_removing_the_newest_entries_is_caught_by_the_counter_and_the_heads() -> None:
    entries = _chain(10)
    assert verify(entries, counter=10, anchors=[Head(7, entries[6].hash)]).ok
    by_counter = verify(entries[:7], counter=10)
    assert by_counter.first_broken == 8 and "head counter is at 10" in (by_counter.problem or "")
    by_head = verify(entries[:7], counter=7, anchors=[Head(9, entries[8].hash)])
    assert by_head.first_broken == 8 and "signed head names entry 9" in (by_head.problem or "")
    beyond = verify(entries, counter=8)
    assert beyond.first_broken == 9


def test_a_head_that_differs_from_its_entry_is_caught() -> None:
    entries = _chain(6)
    report = verify(entries, anchors=[Head(4, entries[3].hash[::-1])])
    assert report.first_broken == 4 and "signed head" in (report.problem or "")


def test_rotated_keys_verify_and_unknown_keys_do_not() -> None:
    old_part = _chain(3, OTHER)
    new = next_entry(old_part[-1], 2000.0, "a", "x", "t", {}, KEY)
    chain = [*old_part, new]
    assert verify_with(chain, Keyring(KEY, (OTHER,))).ok
    report = verify_with(chain, Keyring(KEY))
    assert report.first_broken == 1 and "unknown audit key" in (report.problem or "")


def test_a_plain_chain_is_anchored_by_the_first_keyed_entry() -> None:
    plain: list[AuditEntry] = []
    for i in range(4):
        plain.append(_plain(plain[-1] if plain else None, i))
    keyed = next_entry(plain[-1], 50.0, "system:audit", "audit.keyed", "audit", {}, KEY)
    chain = [*plain, keyed]
    report = verify(chain)
    assert report.ok and report.plain == 4
    # Rewriting a plain entry, even with its sha256 chain recomputed, breaks the keyed link.
    rewritten = [*_forge(plain, 1, None), keyed]
    assert verify(rewritten).first_broken == 5
    # A plain entry after keyed ones is a forgery (a keyed entry turned plain to edit it).
    after = [*chain, _plain(keyed, 9)]
    assert "unkeyed entry after keyed" in (verify(after).problem or "")


def test_incremental_check_from_a_checked_head() -> None:
    entries = _chain(10)
    start = Head(6, entries[5].hash)
    assert verify(entries[5:], start=start, counter=10).ok
    assert verify(entries[5:], start=Head(6, "0" * 64)).first_broken == 6
    assert not verify([], start=start).ok


def test_signed_heads_hold_only_with_their_key() -> None:
    key = new_signing_key()
    document = signed_head(Head(12, "ab" * 32), 1234.5, key)
    assert read_signed_head(document, key.public_key()) == Head(12, "ab" * 32)
    with pytest.raises(HeadError):
        read_signed_head({**document, "seq": 11}, key.public_key())
    with pytest.raises(HeadError):
        read_signed_head(document, new_signing_key().public_key())
    with pytest.raises(HeadError):
        read_signed_head({"format": "nope"}, key.public_key())
