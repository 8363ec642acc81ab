"""One chatter held by this process: who they are, where they are, what they may do.

A plain record, with no behaviour of its own beyond reading itself. Its fields are
changed by the parts of the server that own each fact: the session and its places by the
live chat (server/live.py), copies changed elsewhere by the cluster's mirror
(server/cluster.py), flags by the safety layer (server/safety_layer.py), the connection's
source by retention (server/retention.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from causette.core.consent import PmPolicy
from causette.core.identity import Profile, Space
from causette.core.ratelimit import TokenBucket
from causette.server.connection import Connection

if TYPE_CHECKING:
    from causette.store.retention import Source


@dataclass(eq=False, slots=True)
class Chatter:
    """One chatter held by this process.

    Slots, and frozensets for what most chatters never have (blocks, private conversations,
    safety flags): the empty frozenset is shared, a set would cost ~200 bytes each, and an
    evening holds 18,000 chatters per process (issue 8). They change rarely, by
    replacement (``chatter.blocked |= {id}``)."""

    id: str
    profile: Profile
    lang: str
    pm_policy: PmPolicy
    device_hash: str
    token_hash: str
    created_at: float
    last_seen: float
    msg_bucket: TokenBucket
    pm_bucket: TokenBucket
    rooms: set[str] = field(default_factory=set)
    blocked: frozenset[str] = frozenset()
    blocked_by: frozenset[str] = frozenset()
    conversation_ids: frozenset[str] = frozenset()
    connection: Connection | None = None
    grace: asyncio.TimerHandle | None = None
    ended: bool = False
    # Safety: flags (server/safety_layer.py), the device key the engine sees, and how many
    # private conversations this chatter opened (fresh accounts are capped).
    flags: frozenset[str] = frozenset()
    device_key: str = ""
    opened_pm: int = 0
    # The keyed IP prefix an IP ban names (server/sanctions.py).
    ip_key: str = ""
    # Where the current connection comes from (kept sealed with each message, never shown).
    source: Source | None = None

    @property
    def space(self) -> Space:
        return self.profile.space

    @property
    def public(self) -> dict[str, object]:
        return self.profile.public()

    def me(self) -> dict[str, object]:
        return {**self.public, "space": self.space.value, "department": self.profile.department}
