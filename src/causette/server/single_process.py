"""The null cluster: one process is the whole chat (no Redis).

Plays every role server/cluster.py plays for the live chat, the chat service and the
parts that share control events, as "nobody else": no name to claim elsewhere, no control
event to hear or send, no shared limit, every chatter held here. So the parts take a
cluster always (server/ports.py ``Processes``) and hold no ``cluster is None`` branch.

Rules:
- ``alone`` is True: what only a lone process may assume is asked by that name (its
  own heads are the store's; it records every sanction itself).
- ``start`` hands the local bus this process's deliveries (server/state.py), as the
  cluster hands it the Redis bus's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from causette.bus import Bus
from causette.core.identity import Profile
from causette.core.live import Change, Entered, Left
from causette.server.state import LiveState

if TYPE_CHECKING:
    from causette.server.chatter import Chatter


class SingleProcess:
    alone = True

    def __init__(self, state: LiveState, bus: Bus) -> None:
        self.state = state
        self.bus = bus

    async def start(self) -> None:
        await self.bus.start(self.state.deliver)

    async def close(self) -> None:
        """Nothing of its own to stop: the bus is closed by its owner."""

    def status(self) -> dict[str, object] | None:
        return None

    # -- control events: nobody else sends or hears them ------------------------------------
    def on(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """No other process: no event of ``kind`` will come."""

    def broadcast(self, kind: str, **body: Any) -> None:
        """No other process to tell."""

    def announce(self, change: Change) -> None:
        """No other process's live state to change."""

    # -- names and shared limits: this process's own rules are the whole rule ---------------
    async def claim_name(self, chatter_id: str, profile: Profile) -> None:
        """Presence (core/presence.py) holds names here."""

    async def spend_challenge(self, challenge: str, ttl: float) -> None:
        """The process's own record of spent challenges is the whole record."""

    async def count_solved(self, now: float) -> int | None:
        return None

    async def take_join(self, unit: str, per_hour: int, now: float) -> float:
        return 0.0

    async def take_hourly(self, kind: str, unit: str, per_hour: int, now: float) -> float:
        return 0.0

    # -- this process's chatters: all of them -------------------------------------------------
    def owns(self, chatter_id: str) -> bool:
        return True

    def online(self, chatter_id: str) -> None:
        """Nobody else to tell."""

    def moved(self, change: Entered | Left) -> None:
        """Nobody else to tell."""

    def offline(self, chatter_id: str, profile: Profile | None) -> None:
        """Nobody else to tell."""

    async def refresh(self, chatter: Chatter) -> None:
        """Nobody else changes a chatter held here."""
