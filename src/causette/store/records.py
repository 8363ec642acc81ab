"""The rows the store keeps, as plain data the rest of the program passes around."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    token_hash: str
    device_hash: str
    pseudonym: str
    age: int
    gender: str
    department: str
    space: str
    lang: str
    pm_policy: str
    created_at: float
    last_seen: float
    ended_at: float | None = None
    device_key: str | None = None
    ip_key: str | None = None


@dataclass(frozen=True, slots=True)
class MessageRecord:
    channel: str
    id: int
    ts: float
    sender_id: str
    # The sender's public profile at the time of posting, as JSON: what recipients see.
    sender: str
    text: str
