"""The narrow interfaces the server's parts are handed, instead of the chat service.

Each part (sanctions, safety layer, reports, own data, rule lists) takes the few of these
it uses, so it can be read, built and tested knowing nothing of the rest; server/app.py
builds each with the object that plays the role (most are played by the live chat,
server/live.py; the queue's feed by the desk; alerts by the safety layer; preservations
by retention; control events and shared limits by the cluster).

Rules:
- A port names a role, not an object: a method here is one a part calls today, and no
  part is given a port it does not use.
- Nothing here imports what plays the roles: they satisfy the protocols by their shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from causette.core.consent import Conversation, ConversationStatus
from causette.server.protocol import CloseCode

if TYPE_CHECKING:
    from causette.core.identity import Profile
    from causette.core.live import Change, Entered, Left
    from causette.server.chatter import Chatter
    from causette.server.safety_gate import Verdict
    from causette.store import MessageRecord
    from causette.store.legal import Preservation


# -- played by the live chat (server/live.py) --------------------------------------------------
class Sessions(Protocol):
    """The chatters' sessions: find them, load them, end them."""

    async def load_chatter(self, chatter_id: str) -> Chatter | None: ...

    async def find_by_name(self, chatter: Chatter, pseudonym: str) -> Chatter: ...

    async def logout(
        self,
        chatter: Chatter,
        close_code: CloseCode = CloseCode.NOT_AUTHENTICATED,
        *,
        everywhere: bool = False,
    ) -> None: ...

    def go_offline(self, chatter: Chatter) -> None: ...


class Rooms(Protocol):
    """Taking a chatter out of a room (a move-out, a minor out of adults' reach)."""

    async def leave_room(self, chatter: Chatter, slug: str) -> None: ...


class Conversations(Protocol):
    """The private conversations' state, and telling their two sides."""

    def conversations_of(self, chatter: Chatter) -> list[Conversation]: ...

    async def set_conversation_status(
        self, conv: Conversation, status: ConversationStatus
    ) -> Conversation: ...

    async def announce_conversation(self, conv: Conversation) -> None: ...


class Messages(Protocol):
    """Reading a channel as a chatter may, and storing a message screened earlier."""

    async def history_records(
        self, chatter: Chatter, channel: str, before: int | None, limit: int
    ) -> list[MessageRecord]: ...

    async def store_and_deliver(
        self, channel: str, sender_id: str, sender: str, text: str
    ) -> MessageRecord: ...


# -- played by other parts ---------------------------------------------------------------------
class QueueFeed(Protocol):
    """The moderators' queue changed: open consoles re-read it (played by the desk)."""

    def queue_changed(self, change: str, kind: str, item_id: str) -> None: ...


class Alerts(Protocol):
    """One alert in the moderators' queue (played by the safety layer)."""

    async def alert(
        self,
        kind: str,
        channel: str | None,
        subject: Chatter,
        verdict: Verdict | None = None,
        other: Chatter | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str: ...


class Preservations(Protocol):
    """Freezing a case's data past the purge (played by retention)."""

    async def preserve_report(
        self, report_id: str, category: str, subject_id: str | None, channel: str | None
    ) -> Preservation: ...


class Retractions(Protocol):
    """A message leaves every view (played by own data, server/own_data.py)."""

    async def announce_deleted(
        self, channel: str, message_id: int, by: str, party: str, *, echo: bool = True
    ) -> None: ...


class ControlEvents(Protocol):
    """Control events between the processes of a cluster (played by the cluster, or by
    the null cluster of a lone process, server/single_process.py, which hears none)."""

    # One process only: it sees every sanction, its own heads are the store's.
    alone: bool

    def on(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None: ...

    def broadcast(self, kind: str, **body: Any) -> None: ...


class SharedLimits(Protocol):
    """A rate counted across the processes of a cluster (played by the cluster)."""

    async def take_hourly(self, kind: str, unit: str, per_hour: int, now: float) -> float: ...


class Processes(ControlEvents, SharedLimits, Protocol):
    """The other processes of the chat, as the live chat and the chat service see them
    (played by server/cluster.py, or server/single_process.py when there are none)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def status(self) -> dict[str, object] | None: ...

    def announce(self, change: Change) -> None: ...

    async def claim_name(self, chatter_id: str, profile: Profile) -> None: ...

    async def spend_challenge(self, challenge: str, ttl: float) -> None: ...

    async def count_solved(self, now: float) -> int | None: ...

    async def take_join(self, unit: str, per_hour: int, now: float) -> float: ...

    def owns(self, chatter_id: str) -> bool: ...

    def online(self, chatter_id: str) -> None: ...

    def moved(self, change: Entered | Left) -> None: ...

    def offline(self, chatter_id: str, profile: Profile | None) -> None: ...

    async def refresh(self, chatter: Chatter) -> None: ...


class Screening(Protocol):
    """What the chat asks of safety on a chatter's way through (played by the safety
    layer, or by the pass-through of server/pass_through.py when the engine is off)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def check_pseudonym(self, name: str) -> None: ...

    def fresh_at_pm_limit(self, chatter: Chatter) -> bool: ...

    async def screen(
        self,
        chatter: Chatter,
        channel: str,
        text: str,
        ref: str | None,
        recipient: Chatter | None = None,
    ) -> tuple[str | None, Verdict | None]: ...

    async def after(
        self,
        chatter: Chatter,
        channel: str,
        verdict: Verdict,
        recipient: Chatter | None,
        message_id: int | None = None,
    ) -> None: ...

    async def pursued(
        self, adult: Chatter, child: Chatter, text: str, channel: str | None
    ) -> None: ...

    async def on_age_answer(self, chatter: Chatter, *, under: bool) -> None: ...
