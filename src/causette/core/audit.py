"""The audit chain: each entry's hash covers its content and the previous entry's hash.

Rules:
- An entry is (seq, ts, actor, action, target, detail); ``detail`` is a JSON object. The
  hash is sha256 over the previous hash and a canonical encoding of the entry (sorted keys,
  no spaces, UTF-8), so the same entry always hashes the same on every machine.
- The first entry's previous hash is 64 zeros. Sequence numbers start at 1 with no holes.
- Changing, removing or reordering any entry breaks every later link: ``verify`` names the
  first entry that does not hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    ts: float
    actor: str
    action: str
    target: str
    detail: str  # canonical JSON of a dict
    prev_hash: str
    hash: str


def canonical_detail(detail: dict[str, Any]) -> str:
    return orjson.dumps(detail, option=orjson.OPT_SORT_KEYS).decode()


def entry_hash(
    prev_hash: str, seq: int, ts: float, actor: str, action: str, target: str, detail: str
) -> str:
    body = orjson.dumps(
        [prev_hash, seq, repr(float(ts)), actor, action, target, detail],
    )
    return hashlib.sha256(body).hexdigest()


def next_entry(
    previous: AuditEntry | None,
    ts: float,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any],
) -> AuditEntry:
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS if previous is None else previous.hash
    text = canonical_detail(detail)
    digest = entry_hash(prev_hash, seq, ts, actor, action, target, text)
    return AuditEntry(seq, ts, actor, action, target, text, prev_hash, digest)


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    first_broken: int | None  # seq of the first entry that does not hold
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify(entries: Iterable[AuditEntry]) -> ChainReport:
    """Check every link, in order of ``seq``."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(
                count, entry.seq, f"expected entry {expected_seq}, found {entry.seq}"
            )
        if entry.prev_hash != expected_prev:
            return ChainReport(count, entry.seq, "does not follow the previous entry")
        digest = entry_hash(
            entry.prev_hash,
            entry.seq,
            entry.ts,
            entry.actor,
            entry.action,
            entry.target,
            entry.detail,
        )
        if digest != entry.hash:
            return ChainReport(count, entry.seq, "content does not match its hash")
        expected_prev = entry.hash
        expected_seq += 1
    return ChainReport(count, None, None)
