"""Sealing connection data (AES-GCM, rotation, row binding) and signing archives (Ed25519)."""

from __future__ import annotations

import base64
import os

import pytest

from causette.core.sealing import (
    Keyring,
    RetentionKey,
    SealError,
    associated_data,
    encode_key,
    key_id,
    new_signing_key,
    open_sealed,
    parse_key,
    parse_keyring,
    parse_public_key,
    parse_signing_key,
    public_key_pem,
    seal,
    sign,
    signature_valid,
    signing_key_pem,
)

SECRET = bytes(range(32))
AD = associated_data("message", "s1", "room:general", 7, 1700000000.25)


def test_key_parsing_and_id():
    key = parse_key(encode_key(SECRET))
    assert key.secret == SECRET and key.id == key_id(SECRET) and len(key.id) == 8
    urlsafe = base64.urlsafe_b64encode(bytes([251] * 32)).decode().rstrip("=")
    assert parse_key(urlsafe).secret == bytes([251] * 32)
    for bad in ("", "not base64!!", encode_key(b"short")):
        with pytest.raises(SealError):
            parse_key(bad)


def test_seal_opens_with_its_key_and_row_only():
    key = RetentionKey.from_secret(SECRET)
    ring = Keyring(key)
    blob = seal(key, b'{"ip":"203.0.113.9"}', AD)
    assert b"203.0.113.9" not in blob
    assert open_sealed(ring, key.id, blob, AD) == b'{"ip":"203.0.113.9"}'
    # Another row (message id 8) or another session: the blob does not open there.
    for other in (
        associated_data("message", "s1", "room:general", 8, 1700000000.25),
        associated_data("message", "s2", "room:general", 7, 1700000000.25),
        associated_data("join", "s1", "room:general", 7, 1700000000.25),
        associated_data("message", "s1", "room:general", 7, 1700000000.26),
    ):
        with pytest.raises(SealError):
            open_sealed(ring, key.id, blob, other)


def test_wrong_key_altered_blob_and_unknown_key_fail():
    key = RetentionKey.from_secret(SECRET)
    wrong = RetentionKey.from_secret(os.urandom(32))
    blob = seal(key, b"secret", AD)
    # A keyring whose key claims the right id but is another secret.
    with pytest.raises(SealError):
        open_sealed(Keyring(RetentionKey(key.id, wrong.secret)), key.id, blob, AD)
    with pytest.raises(SealError):
        open_sealed(Keyring(wrong), key.id, blob, AD)
    altered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(SealError):
        open_sealed(Keyring(key), key.id, altered, AD)
    with pytest.raises(SealError):
        open_sealed(Keyring(key), key.id, b"\x01short", AD)


def test_nonces_differ_and_rotation_keeps_old_rows_readable():
    old = RetentionKey.from_secret(SECRET)
    blob_a, blob_b = seal(old, b"x", AD), seal(old, b"x", AD)
    assert blob_a != blob_b and blob_a[1:13] != blob_b[1:13]
    new_secret = os.urandom(32)
    ring = parse_keyring(encode_key(new_secret), f" {encode_key(SECRET)} ,")
    assert ring.current.secret == new_secret
    assert open_sealed(ring, old.id, blob_a, AD) == b"x"
    fresh = seal(ring.current, b"y", AD)
    assert open_sealed(ring, ring.current.id, fresh, AD) == b"y"


def test_signature_verifies_and_fails_on_any_change():
    key = new_signing_key()
    reloaded = parse_signing_key(signing_key_pem(key))
    public = parse_public_key(public_key_pem(reloaded))
    data = b'{"files": {}}'
    signature = sign(reloaded, data)
    assert signature_valid(public, data, signature)
    assert not signature_valid(public, data + b" ", signature)
    assert not signature_valid(public, data, bytes([signature[0] ^ 1]) + signature[1:])
    assert not signature_valid(new_signing_key().public_key(), data, signature)
    with pytest.raises(SealError):
        parse_signing_key(b"-----BEGIN NOTHING-----")
