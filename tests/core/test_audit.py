"""The audit chain: any change, removal or reordering of an entry is detected."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from causette.core.audit import GENESIS, AuditEntry, next_entry, verify


def _chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(n):
        previous = entries[-1] if entries else None
        entries.append(
            next_entry(
                previous, 1000.0 + i, f"moderator:{i % 3}", "sanction.ban", f"t{i}", {"i": i}
            )
        )
    return entries


def test_a_fresh_chain_verifies() -> None:
    entries = _chain(20)
    report = verify(entries)
    assert report.ok and report.entries == 20
    assert entries[0].prev_hash == GENESIS and entries[0].seq == 1


def test_empty_chain_is_intact() -> None:
    assert verify([]).ok


def test_detail_is_canonical() -> None:
    a = next_entry(None, 1.0, "x", "a", "t", {"b": 1, "a": [1, "é"]})
    b = next_entry(None, 1.0, "x", "a", "t", {"a": [1, "é"], "b": 1})
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
    forged = next_entry(entries[1], entries[2].ts, "moderator:evil", "x", "y", {})
    entries[2] = forged
    report = verify(entries)
    assert report.first_broken == 4 and report.problem == "does not follow the previous entry"


def test_removed_or_reordered_entries_are_detected() -> None:
    entries = _chain(6)
    assert verify(entries[:2] + entries[3:]).first_broken == 4
    swapped = entries[:]
    swapped[1], swapped[2] = swapped[2], swapped[1]
    assert not verify(swapped).ok
