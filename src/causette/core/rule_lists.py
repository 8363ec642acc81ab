"""Shared rule lists and the signed packs that carry them between instances (the idea of
Matrix policy lists, without personal data).

Owns: what an entry of each list may be, the check that an entry holds no personal data,
what the lists refuse in the chat, and a pack's canonical bytes, signature and reading.
Pure: no I/O, no clock (the caller passes times and keys).

Lists:
- ``pseudonym``: fragments no pseudonym may contain, compared skeleton to skeleton as the
  built-in reserved words are (core/identity.py): "n4zi" in a list refuses "N_A_Z_I_88".
- ``link_domain``: domains a message may not link to (a scam, a shock site), subdomains
  included: ``example.org`` refuses ``https://www.example.org/x``.

Rules:
- An entry is normalised (NFKC, lower case, trimmed) and checked: a pseudonym fragment is
  3–40 letters, digits, ``_`` or ``-``; a domain is a host name of two labels or more, not
  an address. Anything that looks like personal data — an e-mail address, a phone number,
  an IP address, a long run of digits — is refused (``bad_field``): a pack travels to other
  operators and must name no one.
- A pack is ``{"format", "issuer", "signed_by", "created_at", "entries": [{"list",
  "entry"}], "signature"}``; the signature is Ed25519 (the export signing key,
  core/sealing.py) over the compact JSON of every field but ``signature``, keys sorted.
  Reading a pack checks its shape, finds the issuer by the key id ``signed_by`` among the
  trusted ones (``pack_issuer_unknown``), checks the signature (``pack_signature_invalid``:
  another key, or any byte of the pack changed) and then each entry (``bad_field`` naming
  the entry). Entries are checked after the signature: a refused pack tells nothing more.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.identity import pseudonym_skeleton
from causette.core.sealing import public_key_id, sign, signature_valid

LISTS = ("pseudonym", "link_domain")
PACK_FORMAT = "causette-rule-pack/1"
ENTRY_MAX = 253  # the longest host name
PACK_ENTRIES_MAX = 5000
ISSUER_MAX = 80

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DIGITS = re.compile(r"\d[\d .()/+-]{6,}\d")
_FRAGMENT = re.compile(r"[\w-]{3,40}")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_LINK_HOST = re.compile(
    r"(?:https?://|www\.)([^\s/?#:]+)|\b((?:[a-z0-9-]{1,63}\.)+[a-z]{2,24})\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Entry:
    list: str
    entry: str

    def public(self) -> dict[str, str]:
        return {"list": self.list, "entry": self.entry}


def personal_data(text: str) -> str | None:
    """What personal data ``text`` looks like (``email``, ``phone``, ``ip``), or None."""
    if _EMAIL.search(text):
        return "email"
    if _IPV4.match(text) or (":" in text and all(c in "0123456789abcdef:." for c in text)):
        return "ip"
    if _DIGITS.search(text) or sum(c.isdigit() for c in text) >= 8:
        return "phone"
    return None


def normalise_entry(list_name: object, raw: object, where: str = "entry") -> Entry:
    """The entry as stored, or ``bad_field`` naming ``where``."""
    if list_name not in LISTS:
        raise bad_field(f"{where}.list: one of {', '.join(LISTS)}")
    if not isinstance(raw, str):
        raise bad_field(f"{where}: a string")
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    if not text or len(text) > ENTRY_MAX:
        raise bad_field(f"{where}: 1 to {ENTRY_MAX} characters")
    found = personal_data(text)
    if found is not None:
        raise bad_field(f"{where}: looks like personal data ({found}); a list names no one")
    if list_name == "pseudonym":
        if not _FRAGMENT.fullmatch(text) or not pseudonym_skeleton(text).strip("_"):
            raise bad_field(f"{where}: 3 to 40 letters, digits, _ or -")
    else:
        text = text.removeprefix("*.").rstrip(".")
        labels = text.split(".")
        if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
            raise bad_field(f"{where}: a domain name such as example.org")
        if labels[-1].isdigit():
            raise bad_field(f"{where}: a domain name, not an address")
    return Entry(str(list_name), text)


class RuleMatcher:
    """The lists as the chat applies them (built once per change of the lists)."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        entries = list(entries)
        self.fragments = tuple(
            sorted({pseudonym_skeleton(e.entry) for e in entries if e.list == "pseudonym"})
        )
        self.domains = frozenset(e.entry for e in entries if e.list == "link_domain")

    def pseudonym_refused(self, name: str) -> bool:
        skeleton = pseudonym_skeleton(name)
        return any(fragment in skeleton for fragment in self.fragments)

    def blocked_domain(self, text: str) -> str | None:
        """The listed domain a link of ``text`` points at (itself or a subdomain)."""
        if not self.domains:
            return None
        for match in _LINK_HOST.finditer(text):
            host = (match.group(1) or match.group(2) or "").lower().rstrip(".")
            labels = host.split(".")
            for i in range(len(labels) - 1):
                suffix = ".".join(labels[i:])
                if suffix in self.domains:
                    return suffix
        return None


# -- packs ---------------------------------------------------------------------------------------
def _message(body: Mapping[str, Any]) -> bytes:
    return orjson.dumps(
        {k: v for k, v in body.items() if k != "signature"}, option=orjson.OPT_SORT_KEYS
    )


def make_pack(
    issuer: str, entries: Iterable[Entry], created_at: float, key: Ed25519PrivateKey
) -> dict[str, Any]:
    """A signed pack of ``entries`` (sorted, without duplicates)."""
    body: dict[str, Any] = {
        "format": PACK_FORMAT,
        "issuer": issuer,
        "signed_by": public_key_id(key),
        "created_at": created_at,
        "entries": [e.public() for e in sorted(set(entries), key=lambda e: (e.list, e.entry))],
    }
    body["signature"] = base64.b64encode(sign(key, _message(body))).decode("ascii")
    return body


@dataclass(frozen=True, slots=True)
class Pack:
    issuer: str  # as the pack names itself
    signed_by: str  # the key id of its trusted issuer
    created_at: float
    entries: tuple[Entry, ...]


def read_pack(document: object, trusted: Mapping[str, Ed25519PublicKey]) -> Pack:
    """The pack in ``document`` if a trusted issuer (``trusted``: key id → key) signed it."""
    if not isinstance(document, dict) or document.get("format") != PACK_FORMAT:
        raise bad_field(f"format: a rule pack ({PACK_FORMAT})")
    issuer, signed_by = document.get("issuer"), document.get("signed_by")
    created_at, entries = document.get("created_at"), document.get("entries")
    signature = document.get("signature")
    if not isinstance(issuer, str) or not 1 <= len(issuer) <= ISSUER_MAX:
        raise bad_field(f"issuer: 1 to {ISSUER_MAX} characters")
    if not isinstance(signed_by, str) or not isinstance(signature, str):
        raise bad_field("signed_by, signature: strings")
    if isinstance(created_at, bool) or not isinstance(created_at, (int, float)):
        raise bad_field("created_at: a time in seconds")
    if not isinstance(entries, list) or len(entries) > PACK_ENTRIES_MAX:
        raise bad_field(f"entries: a list of at most {PACK_ENTRIES_MAX}")
    unknown = sorted(set(document) - {*_PACK_FIELDS})
    if unknown:
        raise bad_field(f"{unknown[0]}: unknown field")
    key = trusted.get(signed_by)
    if key is None:
        raise ChatError(ErrorCode.PACK_ISSUER_UNKNOWN)
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise ChatError(ErrorCode.PACK_SIGNATURE_INVALID) from None
    if not signature_valid(key, _message(document), raw):
        raise ChatError(ErrorCode.PACK_SIGNATURE_INVALID)
    read: list[Entry] = []
    for i, item in enumerate(entries):
        if not isinstance(item, dict) or set(item) != {"list", "entry"}:
            raise bad_field(f"entries[{i}]: an object with list and entry")
        read.append(normalise_entry(item["list"], item["entry"], f"entries[{i}]"))
    return Pack(issuer, signed_by, float(created_at), tuple(dict.fromkeys(read)))


_PACK_FIELDS = ("format", "issuer", "signed_by", "created_at", "entries", "signature")
