"""What the database keeps of a bearer secret (a session, desk, appeal or follow token):
its sha256, never the token, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
