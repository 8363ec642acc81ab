"""Keys for tests that build a store by hand (the server loads its own from settings)."""

from __future__ import annotations

from causette.core.sealing import Keyring, RetentionKey

AUDIT_KEYS = Keyring(RetentionKey.from_secret(b"an audit key for the tests only!"))
