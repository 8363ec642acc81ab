"""One chatter held by this process: who they are, where they are, what they may do.

A plain record, with no behaviour of its own beyond reading itself. What the chatter has
set (rooms, blocks, conversations, PM policy, safety flags, a session ended) is its
``facts``, owned by the pure live state (core/live.py) and changed only through
``LiveState.apply`` (server/state.py): here they are read-only properties. The rest is
the shell's: the connection and grace timer by the live chat (server/live.py), the
connection's source by retention (server/retention.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from causette.core.consent import PmPolicy
from causette.core.identity import Profile, Space
from causette.core.live import Facts
from causette.core.ratelimit import TokenBucket
from causette.server.connection import Connection

if TYPE_CHECKING:
    from causette.store.retention import Source


@dataclass(eq=False, slots=True)
class Chatter:
    """One chatter held by this process.

    Slots: an evening holds 18,000 chatters per process (issue 8)."""

    id: str
    profile: Profile
    lang: str
    device_hash: str
    token_hash: str
    created_at: float
    last_seen: float
    msg_bucket: TokenBucket
    pm_bucket: TokenBucket
    # What the chatter has set: the live state's (core/live.py), read here.
    facts: Facts
    connection: Connection | None = None
    grace: asyncio.TimerHandle | None = None
    # Safety: the device key the engine sees, and how many private conversations this
    # chatter opened (fresh accounts are capped).
    device_key: str = ""
    opened_pm: int = 0
    # The keyed IP prefix an IP ban names (server/sanctions.py).
    ip_key: str = ""
    # Where the current connection comes from (kept sealed with each message, never shown).
    source: Source | None = None
    # Read from the store by the resume under way (its hello's token was not known here):
    # its connect need not read it again (server/live.py).
    fresh: bool = False

    @property
    def pm_policy(self) -> PmPolicy:
        return self.facts.pm_policy

    @property
    def rooms(self) -> frozenset[str]:
        return self.facts.rooms

    @property
    def blocked(self) -> frozenset[str]:
        return self.facts.blocked

    @property
    def blocked_by(self) -> frozenset[str]:
        return self.facts.blocked_by

    @property
    def conversation_ids(self) -> frozenset[str]:
        return self.facts.conversation_ids

    @property
    def flags(self) -> frozenset[str]:
        return self.facts.flags

    @property
    def ended(self) -> bool:
        return self.facts.ended

    @property
    def space(self) -> Space:
        return self.profile.space

    @property
    def public(self) -> dict[str, object]:
        return self.profile.public()

    def me(self) -> dict[str, object]:
        return {**self.public, "space": self.space.value, "department": self.profile.department}
