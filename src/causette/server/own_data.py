"""A chatter's rights over their own data: see and download it (GDPR art. 15 and 20), erase
it (art. 17), and take back one of their messages.

Owns:
- **A message taken back** (event ``delete``): only by its author, only in a channel they
  may read (else ``message_unknown``, the same answer as for a message that is not there,
  so nobody learns what exists elsewhere). It leaves the store's channel and every view at
  once, on every process (frame ``deleted`` with ``by: "author"``, through the bus like any
  frame); its tombstone makes a resuming client drop it too. It is kept, sealed from
  chatters, only where a report or a preservation needs it (store/own_data.py).
- **The export** (``GET /api/me/data``, server/own_data_api.py: JSON to download or
  ``?format=html`` to read):
  authenticated by the chatter's own session only (cookie, or bearer for scripts), it
  holds that session's data and nobody else's (docs/decisions/010-own-data.md says what is
  in it and what is not, and why).
- **Erasure** (``POST /api/me/erase`` with ``{"confirm": true}``): what the law does not
  require kept is erased in one transaction; then the session ends on every process (the
  socket closes with 4001, as a logout), the pseudonym is freed, the chatter's private
  conversations close for the other side and their messages leave every view. The answer
  says what was kept, why, and until when.
- **Rate**: export and erasure share a per-session budget (``DATA_PER_HOUR``), counted
  across the processes of a cluster; past it, ``data_rate_limited`` (429).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from causette.bus import Bus, Envelope
from causette.core.consent import ConversationStatus
from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.ratelimit import TokenBucket, per_hour
from causette.core.rooms import Catalogue
from causette.server import protocol
from causette.server.state import LiveState
from causette.store import SqlStore
from causette.store.own_data import BY_AUTHOR, BY_ERASURE, OwnDataStore
from causette.store.retention import RetentionPolicy

if TYPE_CHECKING:
    from causette.server.chatter import Chatter
    from causette.server.ports import Conversations, Sessions, SharedLimits

# Exports and erasures per session and hour (an export reads every row of a session).
DATA_PER_HOUR = 6


class OwnData:
    def __init__(
        self,
        store: SqlStore,
        live: LiveState,
        sessions: Sessions,
        conversations: Conversations,
        bus: Bus,
        catalogue: Catalogue,
        policy: RetentionPolicy,
        *,
        limits: SharedLimits,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sql = store
        self.store = OwnDataStore(store)
        self.live = live
        self.sessions = sessions
        self.conversations = conversations
        self.bus = bus
        self.catalogue = catalogue
        # What is kept and for how long (server/retention.py): said in exports and erasures.
        self.policy = policy
        # A cluster counts the budget across its processes; None: this process alone.
        self.limits = limits
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    async def take(self, chatter: Chatter) -> None:
        """One data request of this session, or ``data_rate_limited``."""
        now = self.clock()
        bucket = self._buckets.setdefault(chatter.id, per_hour(DATA_PER_HOUR))
        wait = bucket.take(now)
        if not wait:
            wait = await self.limits.take_hourly("data", chatter.id, DATA_PER_HOUR, now)
        if wait:
            raise ChatError(ErrorCode.DATA_RATE_LIMITED, retry_after=wait)
        if len(self._buckets) > 10_000:
            self._buckets = {k: b for k, b in self._buckets.items() if not b.full(now)}

    # -- a message taken back ---------------------------------------------------------------
    def _check_readable(self, chatter: Chatter, channel: str) -> None:
        if channel.startswith("room:"):
            if self.catalogue.get(channel.removeprefix("room:"), chatter.space) is None:
                raise ChatError(ErrorCode.MESSAGE_UNKNOWN)
        elif channel.startswith("pm:"):
            if channel.removeprefix("pm:") not in chatter.conversation_ids:
                raise ChatError(ErrorCode.MESSAGE_UNKNOWN)
        else:
            raise bad_field("channel: must start with 'room:' or 'pm:'")

    async def delete_message(self, chatter: Chatter, channel: str, message_id: int) -> bool:
        """The author takes their message back; True when it is kept as evidence."""
        self._check_readable(chatter, channel)
        kept = await self.store.retract(channel, message_id, chatter.id, self.clock())
        await self.announce_deleted(channel, message_id, BY_AUTHOR, chatter.id, echo=False)
        return kept

    async def announce_deleted(
        self, channel: str, message_id: int, by: str, party: str, *, echo: bool = True
    ) -> None:
        """The message leaves every view: a room's members, or a conversation's two sides,
        on every process. ``party``: its sender; ``echo=False``: they are answered directly
        (their reply carries their ref), not by the fan-out."""
        data = protocol.deleted(channel, message_id, by)
        if channel.startswith("room:"):
            envelope = Envelope(
                data, room=channel.removeprefix("room:"), sender_id=party, echo=echo
            )
        else:
            conv_id = channel.removeprefix("pm:")
            conv = self.live.conversations.get(conv_id)
            if conv is not None:
                targets: tuple[str, ...] = (conv.initiator, conv.recipient)
            else:
                # Not known here (another process holds both sides): the store knows.
                found = [
                    (a, b)
                    for cid, a, b, _ in await self.sql.conversations_of(party)
                    if cid == conv_id
                ]
                if not found:
                    return
                targets = found[0]
            envelope = Envelope(data, targets=targets, sender_id=party, echo=echo)
        await self.bus.publish(envelope)

    # -- the export --------------------------------------------------------------------------
    async def export(self, chatter: Chatter) -> dict[str, Any]:
        await self.take(chatter)
        data = await self.store.export(chatter.id)
        if data is None:
            raise ChatError(ErrorCode.NOT_AUTHENTICATED)
        policy = self.policy
        return {
            "format": "causette-own-data/1",
            "generated_at": self.clock(),
            **data,
            "retention_days": policy.days(),
            "not_included": [
                "connection_data_content",
                "others_room_messages",
                "reports_about_me",
                "safety_scores",
                "keyed_identifiers",
            ],
        }

    # -- erasure -----------------------------------------------------------------------------
    async def erase(self, chatter: Chatter) -> dict[str, Any]:
        """Erase, end the session everywhere, tell the others' views; what was kept."""
        await self.take(chatter)
        before = await self.store.export(chatter.id)
        if before is None:
            raise ChatError(ErrorCode.NOT_AUTHENTICATED)
        erased = await self.store.erase(chatter.id, self.clock())
        # The session ends everywhere (4001, as a logout) and the name is free again.
        await self.sessions.logout(chatter, everywhere=True)
        for conv_id in erased.conversations:
            conv = self.live.conversations.get(conv_id)
            if conv is None or conv.status is ConversationStatus.BLOCKED:
                continue
            closed = await self.conversations.set_conversation_status(
                conv, ConversationStatus.BLOCKED
            )
            await self.conversations.announce_conversation(closed)
        for channel, message_id in erased.taken_out:
            await self.announce_deleted(channel, message_id, BY_ERASURE, chatter.id)
        return {
            "erased": {
                "messages": len(erased.taken_out) - erased.kept_as_evidence,
                "rooms": len(before["rooms"]),
                "blocked": len(before["blocked"]),
                "session": not erased.session_kept,
            },
            "kept": self._kept(before, erased.kept_as_evidence, erased.session_kept),
        }

    def _kept(
        self, before: dict[str, Any], evidence: int, session_kept: bool
    ) -> list[dict[str, Any]]:
        """What stays, sealed from chatters, why, and until when (Unix time; None: until
        the case that needs it is closed, then with the normal periods)."""
        policy = self.policy
        kept: list[dict[str, Any]] = []
        connection = before["connection_data"]
        if connection["rows"]:
            kept.append(
                {
                    "what": "connection_data",
                    "count": connection["rows"],
                    "why": "lcen",
                    "until": connection["last_ts"] + policy.connection_s,
                }
            )
        if evidence or session_kept:
            kept.append({"what": "evidence", "count": evidence, "why": "case", "until": None})
        records = before["sanctions"] + before["appeals"] + before["reports"]
        if records:
            newest = max(float(r["ts"]) for r in records)
            kept.append(
                {
                    "what": "moderation",
                    "count": len(records),
                    "why": "dsa",
                    "until": newest + policy.moderation_s,
                }
            )
        return kept
