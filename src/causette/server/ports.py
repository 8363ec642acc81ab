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
    """Control events between the processes of a cluster (played by the cluster)."""

    def on(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None: ...

    def broadcast(self, kind: str, **body: Any) -> None: ...


class SharedLimits(Protocol):
    """A rate counted across the processes of a cluster (played by the cluster)."""

    async def take_hourly(self, kind: str, unit: str, per_hour: int, now: float) -> float: ...
