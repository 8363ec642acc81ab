"""The audit chain: each entry's MAC covers its content and the previous entry's hash.

Rules:
- An entry is (seq, ts, actor, action, target, detail, key_id); ``detail`` is a JSON
  object. The hash is HMAC-SHA256, under the audit key named by ``key_id``, over the
  previous hash and a canonical encoding of the entry (sorted keys, no spaces, UTF-8), so
  the same entry always hashes the same on every machine. The key lives outside the
  database (settings or a key file): whoever can only write the database cannot recompute
  the chain after changing an entry.
- Entries written before the chain was keyed have ``key_id`` None and a plain sha256
  hash. They may only form the start of a chain: the first keyed entry covers the last
  plain hash, which anchors them all. A plain entry after a keyed one is a forgery.
- The first entry's previous hash is 64 zeros. Sequence numbers start at 1 with no holes.
- Changing, removing or reordering any entry breaks every later link: ``verify`` names the
  first entry that does not hold. Removing the newest entries breaks no link: ``verify``
  compares the last entry with the head counter (kept in the database) and with signed
  heads kept outside it (a checkpoint file, the heads published in transparency reports).
- A signed head is (seq, hash, ts) signed with the Ed25519 key that signs requisition
  archives, so anyone holding the public key can check one that was published.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from causette.core.sealing import (
    Keyring,
    RetentionKey,
    SealError,
    public_key_id,
    sign,
    signature_valid,
)

GENESIS = "0" * 64
HEAD_FORMAT = "causette-audit-head/1"


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
    key_id: str | None = None  # None: a plain sha256 entry from before the chain was keyed


def canonical_detail(detail: dict[str, Any]) -> str:
    return orjson.dumps(detail, option=orjson.OPT_SORT_KEYS).decode()


def entry_hash(
    prev_hash: str,
    seq: int,
    ts: float,
    actor: str,
    action: str,
    target: str,
    detail: str,
    key: RetentionKey | None = None,
) -> str:
    """The keyed hash of an entry; with ``key`` None the plain sha256 of the old chains."""
    fields: list[Any] = [prev_hash, seq, repr(float(ts)), actor, action, target, detail]
    if key is None:
        return hashlib.sha256(orjson.dumps(fields)).hexdigest()
    return hmac.new(key.secret, orjson.dumps([*fields, key.id]), hashlib.sha256).hexdigest()


def next_entry(
    previous: AuditEntry | None,
    ts: float,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any],
    key: RetentionKey,
) -> AuditEntry:
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS if previous is None else previous.hash
    text = canonical_detail(detail)
    digest = entry_hash(prev_hash, seq, ts, actor, action, target, text, key)
    return AuditEntry(seq, ts, actor, action, target, text, prev_hash, digest, key.id)


@dataclass(frozen=True, slots=True)
class Head:
    """A point of the chain someone outside the database wrote down: entry ``seq`` had
    ``hash``."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    first_broken: int | None  # seq of the first entry that does not hold
    problem: str | None
    head: Head | None = None  # the last entry read
    plain: int = 0  # entries from before the chain was keyed

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify(
    entries: Iterable[AuditEntry],
    keyring: Keyring,
    *,
    counter: int | None = None,
    anchors: Sequence[Head] = (),
    start: Head | None = None,
) -> ChainReport:
    """Check every link, in order of ``seq``; then that nothing newest is missing: the last
    entry is the head ``counter`` says, and every anchor is in the chain as written down.

    With ``start`` (a head already checked, e.g. the last checkpoint) ``entries`` begin at
    ``start.seq``: that entry must still be the one written down, and only what follows it
    is checked link by link (the periodic checkpoint's incremental check)."""
    expected_prev: str | None = GENESIS if start is None else None
    expected_seq = 1 if start is None else start.seq
    if start is not None:
        anchors = (*anchors, start)
    count = plain = 0
    keyed = False
    by_seq = {a.seq: a for a in anchors}
    last: AuditEntry | None = None

    def broken(seq: int, problem: str) -> ChainReport:
        head = None if last is None else Head(last.seq, last.hash)
        return ChainReport(count, seq, problem, head, plain)

    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            return broken(entry.seq, f"expected entry {expected_seq}, found {entry.seq}")
        if expected_prev is not None and entry.prev_hash != expected_prev:
            return broken(entry.seq, "does not follow the previous entry")
        key: RetentionKey | None = None
        if entry.key_id is None:
            if keyed:
                return broken(entry.seq, "an unkeyed entry after keyed ones")
            plain += 1
        else:
            keyed = True
            try:
                key = keyring.find(entry.key_id)
            except SealError:
                return broken(entry.seq, f"keyed with an unknown audit key {entry.key_id}")
        digest = entry_hash(
            entry.prev_hash,
            entry.seq,
            entry.ts,
            entry.actor,
            entry.action,
            entry.target,
            entry.detail,
            key,
        )
        if not hmac.compare_digest(digest, entry.hash):
            return broken(entry.seq, "content does not match its hash")
        anchor = by_seq.get(entry.seq)
        if anchor is not None and anchor.hash != entry.hash:
            return broken(entry.seq, "differs from the signed head written down for it")
        expected_prev = entry.hash
        expected_seq += 1
        last = entry
    last_seq = 0 if last is None else last.seq
    if counter is not None and counter != last_seq:
        if counter > last_seq:
            return broken(last_seq + 1, f"missing: the head counter is at {counter}")
        return broken(counter + 1, f"beyond the head counter ({counter})")
    if start is not None and last is None:
        return broken(start.seq, "missing: it was checked before")
    beyond = [a.seq for a in anchors if a.seq > last_seq]
    if beyond:
        return broken(last_seq + 1, f"missing: a signed head names entry {max(beyond)}")
    return ChainReport(
        count, None, None, None if last is None else Head(last.seq, last.hash), plain
    )


# -- signed heads --------------------------------------------------------------------------
class HeadError(ValueError):
    """A signed head that cannot be read, or whose signature does not hold."""


def _head_message(seq: int, hash_: str, ts: float) -> bytes:
    return orjson.dumps([HEAD_FORMAT, seq, hash_, repr(float(ts))])


def signed_head(head: Head, ts: float, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The head as a JSON object anyone holding the public key can check."""
    signature = sign(key, _head_message(head.seq, head.hash, ts))
    return {
        "format": HEAD_FORMAT,
        "seq": head.seq,
        "hash": head.hash,
        "ts": ts,
        "signed_by": public_key_id(key),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def read_signed_head(document: Any, key: Ed25519PublicKey) -> Head:
    """The head in ``document`` (a parsed checkpoint file or a report's ``audit_head``),
    or ``HeadError`` when it is malformed or its signature does not hold."""
    if not isinstance(document, dict) or document.get("format") != HEAD_FORMAT:
        raise HeadError(f"not a signed audit head ({HEAD_FORMAT})")
    seq, hash_, ts = document.get("seq"), document.get("hash"), document.get("ts")
    if not isinstance(seq, int) or seq < 0 or not isinstance(hash_, str):
        raise HeadError("a signed head needs an integer seq and a hash")
    if not isinstance(ts, (int, float)) or not isinstance(document.get("signature"), str):
        raise HeadError("a signed head needs a ts and a signature")
    try:
        signature = base64.b64decode(document["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise HeadError("the signature is not base64") from None
    if not signature_valid(key, _head_message(seq, hash_, float(ts)), signature):
        raise HeadError("the signature does not hold (another key, or an edited head)")
    return Head(seq, hash_)
