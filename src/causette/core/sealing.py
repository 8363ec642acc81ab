"""Sealing connection data at rest, and signing the archives answered to requisitions.

Rules:
- A sealed record is AES-256-GCM with a fresh 96-bit random nonce per record:
  ``version (1 byte) | nonce (12) | ciphertext + tag``. The key id (first 8 hex digits of the
  key's sha256) is kept beside the blob in its row, so a rotated key still opens old rows.
- The associated data binds a blob to its row (kind, session, channel, message id, time):
  a blob copied into another row does not open. ``associated_data`` is the one way to
  build it, for sealing and opening alike.
- Keys come from the operator's configuration as base64 of 32 bytes; the current key seals,
  older keys only open (rotation). Opening with a missing or wrong key raises
  ``SealError``, never returns garbage.
- Archives are signed with Ed25519 over their manifest; the public key is published to
  whoever must verify.
- Pure: no files, no clock. The nonce's randomness comes from the OS through the argument's
  default, so tests can pass their own.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEAL_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
_HEADER = bytes((SEAL_VERSION,))


class SealError(ValueError):
    """A key that cannot be parsed, or a blob that does not open with the keys given."""


def key_id(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class RetentionKey:
    id: str
    secret: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: bytes) -> RetentionKey:
        if len(secret) != KEY_BYTES:
            raise SealError(f"a retention key is {KEY_BYTES} bytes, not {len(secret)}")
        return cls(key_id(secret), secret)


def parse_key(text: str) -> RetentionKey:
    """A key as written in the configuration: base64 (standard or url-safe) of 32 bytes."""
    cleaned = text.strip()
    padded = cleaned + "=" * (-len(cleaned) % 4)
    for altchars in (b"+/", b"-_"):
        try:
            secret = base64.b64decode(padded, altchars=altchars, validate=True)
        except (binascii.Error, ValueError):
            continue
        return RetentionKey.from_secret(secret)
    raise SealError("a retention key must be base64 of 32 bytes")


def encode_key(secret: bytes) -> str:
    return base64.b64encode(secret).decode("ascii")


@dataclass(frozen=True, slots=True)
class Keyring:
    """The key that seals now, and every key that may still open (the current one too)."""

    current: RetentionKey
    old: tuple[RetentionKey, ...] = ()

    def find(self, wanted: str) -> RetentionKey:
        for key in (self.current, *self.old):
            if key.id == wanted:
                return key
        raise SealError(f"no retention key with id {wanted}")


def parse_keyring(current: str, old: str = "") -> Keyring:
    """The configuration's ``retention_key`` and comma-separated ``retention_old_keys``."""
    olds = tuple(parse_key(k) for k in old.split(",") if k.strip())
    return Keyring(parse_key(current), olds)


def associated_data(
    kind: str, session_id: str, channel: str | None, message_id: int | str | None, ts: float
) -> bytes:
    """What binds a sealed blob to its row; ``repr`` of a float round-trips exactly. The row's
    id is a message id, or the id of a row that has its own (a held message's)."""
    parts = (kind, session_id, channel or "", "" if message_id is None else str(message_id))
    return "\x1f".join((*parts, repr(float(ts)))).encode()


def seal(
    key: RetentionKey, plaintext: bytes, associated: bytes, nonce: bytes | None = None
) -> bytes:
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    if len(nonce) != NONCE_BYTES:
        raise SealError(f"a nonce is {NONCE_BYTES} bytes")
    return _HEADER + nonce + _aead(key.secret).encrypt(nonce, plaintext, associated)


@functools.lru_cache(maxsize=16)
def _aead(secret: bytes) -> AESGCM:
    """One cipher object per key (its set-up is a third of a seal; the store's writer seals
    two blobs per message). It holds no state between calls: shared by threads safely."""
    return AESGCM(secret)


def open_sealed(keyring: Keyring, wanted_key_id: str, blob: bytes, associated: bytes) -> bytes:
    """The plaintext, or ``SealError`` (unknown key, wrong key, altered blob or row)."""
    key = keyring.find(wanted_key_id)
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != _HEADER:
        raise SealError("not a sealed record")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return _aead(key.secret).decrypt(nonce, body, associated)
    except InvalidTag:
        raise SealError("the record does not open with this key and row") from None


# -- signatures of exported archives -----------------------------------------------------------
def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def signing_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def parse_signing_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise SealError("the export signing key is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SealError("the export signing key must be an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def parse_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise SealError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SealError("the public key must be an Ed25519 key")
    return key


def public_key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def signature_valid(key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
