"""Sanctions in the live chat: what a ban, a mute, a kick… does to a chatter, on every process.

Owns, for one process:
- **Checks**: a new join from a banned device key or IP key, and a hello from a banned
  chatter, are refused with ``banned`` and the statement of reasons. For posts, rooms and
  private messages it gives the facts (a mute, a move-out in force) to the one admission
  decision (core/admission.py), and the ``muted`` refusal with its statement.
- **Carrying out** a sanction the desk stored: the statement reaches the chatter (event
  ``sanction``) where their connection is; a kick or a ban then closes it with
  ``CloseCode.SANCTIONED``; a delete removes the message for everyone (event ``deleted``); a
  closed conversation is closed for both; a move-out takes the chatter out of their rooms
  and conversations.
- **A ban covers what its scope names**: a ban on a device key or an IP key ends, at once,
  every live session of that key, not only the subject's: each covered chatter gets the
  statement in their language, their socket closes (``CloseCode.SANCTIONED``) and they leave
  every room now, without a grace period (issue 13, item 14).
- **Cluster mode**: every effect travels as one control event (``sanction``) so the process
  holding the chatter's socket applies it (a covering ban's key travels with it: each
  process ends the covered sessions it holds); hello re-reads what is in force from the
  database, so a process that missed an event still refuses what it must. One process
  records every sanction itself, so it knows which keys some sanction names: a hello naming
  none of them skips the query (store/sanctions.py ``track_names``).
- **Statements missed** while offline are sent right after the next welcome (every sanction
  newer than the chatter's last sight).
- It is handed what it acts on (server/app.py): the live state to find a chatter held
  here, the sessions, rooms and conversations of the live chat (server/ports.py), the
  cluster's control events. It never sees the chat service.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from causette.bus import Bus, Envelope
from causette.core.consent import ConversationStatus
from causette.core.errors import ChatError, ErrorCode
from causette.core.sanctions import (
    DISCONNECTING,
    Action,
    RepeatPolicy,
    Sanction,
    Scope,
    appeal_token,
    forbids_joining,
    forbids_posting,
    moves_out,
    refusal,
    statement,
)
from causette.server import protocol
from causette.server.protocol import CloseCode
from causette.server.state import LiveState
from causette.settings import Settings
from causette.store import SqlStore
from causette.store.sanctions import SanctionRecord, SanctionStore
from causette.tasks import TaskOwner

if TYPE_CHECKING:
    from causette.server.chatter import Chatter
    from causette.server.ports import ControlEvents, Conversations, Retractions, Rooms, Sessions

log = logging.getLogger(__name__)

TOPIC = "sanction"


class Sanctions:
    def __init__(
        self,
        settings: Settings,
        store: SqlStore,
        live: LiveState,
        sessions: Sessions,
        rooms: Rooms,
        conversations: Conversations,
        retractions: Retractions,
        bus: Bus,
        tasks: TaskOwner,
        *,
        cluster: ControlEvents,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.sql = store
        self.store = SanctionStore(store)
        self.live = live
        self.sessions = sessions
        self.rooms = rooms
        self.conversations = conversations
        self.retractions = retractions
        self.bus = bus
        # The chat's side jobs: a move-out where the chatter's socket is runs among them.
        self.tasks = tasks
        self.cluster = cluster
        self.clock = clock
        # Lasting sanctions (mutes, move-outs) of chatters this process has seen, by id.
        self.lasting: dict[str, dict[str, Sanction]] = {}

    async def start(self) -> None:
        self.cluster.on(TOPIC, self._apply_here)
        if self.cluster.alone:
            # One process records every sanction: hellos of the unsanctioned skip the query.
            await self.store.track_names()

    @property
    def policy(self) -> RepeatPolicy:
        s = self.settings
        return RepeatPolicy(
            s.repeat_count, s.repeat_window_days * 86400.0, s.repeat_suspension_hours * 3600.0
        )

    def token(self, sanction_id: str) -> str:
        return appeal_token(self.settings.signing_key(), sanction_id)

    def statement(self, record: SanctionRecord, lang: str) -> dict[str, Any]:
        return statement(record.core(), lang, self.token(record.id))

    # -- checks --------------------------------------------------------------------------
    async def check_join(self, device_key: str, ip_key: str, lang: str) -> None:
        """A new pseudonym from a banned device or network is refused."""
        now = self.clock()
        for record in await self.store.bans_on(now, device_key, ip_key):
            raise refusal(ErrorCode.BANNED, record.core(), lang, self.token(record.id))

    async def check_hello(self, chatter: Chatter, away_since: float | None = None) -> list[bytes]:
        """Refuse a banned chatter; remember this chatter's mutes and move-outs. Returns
        the statements of sanctions taken since ``away_since`` (none without it), read in
        the same query."""
        now = self.clock()
        found, new = await self.store.at_hello(
            now,
            chatter.id,
            chatter.device_key,
            chatter.ip_key,
            now if away_since is None else away_since,
        )
        for record in found:
            if forbids_joining(record.core(), now):
                raise refusal(ErrorCode.BANNED, record.core(), chatter.lang, self.token(record.id))
        self.lasting[chatter.id] = {
            r.id: r.core() for r in found if r.subject_id == chatter.id and r.action != "ban"
        }
        return [protocol.sanction(self.statement(r, chatter.lang)) for r in new]

    def _lasting(self, chatter_id: str) -> list[Sanction]:
        return list(self.lasting.get(chatter_id, {}).values())

    def muting(self, chatter_id: str) -> Sanction | None:
        """The mute in force on the chatter, if any (core/admission.py decides)."""
        now = self.clock()
        for sanction in self._lasting(chatter_id):
            if forbids_posting(sanction, now):
                return sanction
        return None

    def moved_out(self, chatter_id: str) -> bool:
        now = self.clock()
        return any(moves_out(s, now) for s in self._lasting(chatter_id))

    def muted(self, chatter: Chatter) -> ChatError:
        """``muted``, with the statement of the mute in force."""
        sanction = self.muting(chatter.id)
        if sanction is None:
            return ChatError(ErrorCode.MUTED)
        return refusal(ErrorCode.MUTED, sanction, chatter.lang, self.token(sanction.id))

    # -- carrying a sanction out ------------------------------------------------------------
    async def carry_out(self, record: SanctionRecord) -> None:
        """Everything a stored sanction does in the chat, then its statement to the chatter."""
        subject_id = record.subject_id
        if subject_id is None:
            return
        action = Action(record.action)
        if action is Action.DELETE and record.channel and record.message_id:
            await self._announce_deleted(record.channel, record.message_id, subject_id)
        if action is Action.CLOSE_PM and record.channel:
            await self._close_conversation(record.channel.removeprefix("pm:"), subject_id)
        if action is Action.MOVE_OUT:
            await self._move_out_everywhere(subject_id)
        lang = await self._lang(subject_id)
        effect = {
            "id": subject_id,
            "sanction": _sanction_body(record),
            "frame": protocol.sanction(self.statement(record, lang)).decode(),
            "close": action in DISCONNECTING,
        }
        cover = _cover(record)
        if cover is not None:
            effect["cover"] = cover
        self._apply_here(effect)
        self.cluster.broadcast(TOPIC, **effect)

    async def lift(self, record: SanctionRecord, decided: dict[str, Any]) -> None:
        """A reversed (or upheld) appeal: the chatter is told; a reversal lifts what lasts."""
        if record.subject_id is None:
            return
        effect = {
            "id": record.subject_id,
            "lift": record.id if decided["decision"] == "reverse" else None,
            "frame": protocol.appeal_decided(
                decided["appeal_id"], decided["sanction_id"], decided["decision"], decided["text"]
            ).decode(),
            "close": False,
        }
        self._apply_here(effect)
        self.cluster.broadcast(TOPIC, **effect)

    def _apply_here(self, effect: dict[str, Any]) -> None:
        """One effect on this process (called directly, and for the others' control events)."""
        chatter_id = effect["id"]
        body = effect.get("sanction")
        if body is not None and body["action"] in ("mute", "move_out"):
            self.lasting.setdefault(chatter_id, {})[body["id"]] = Sanction(**body)
        lifted = effect.get("lift")
        if lifted:
            self.lasting.get(chatter_id, {}).pop(lifted, None)
        cover = effect.get("cover")
        if cover is not None and body is not None:
            self._end_covered(chatter_id, cover, Sanction(**body))
        chatter = self.live.chatters.get(chatter_id)
        if chatter is None:
            return
        conn = chatter.connection
        if conn is not None:
            conn.send(effect["frame"].encode())
            if body is not None and body["action"] == "move_out":
                self.tasks.spawn(self._move_out_here(chatter), name="move-out", finish=True)
            if effect.get("close"):
                # The statement first, then the close (closing drops what is still queued).
                conn.flush()
                conn.close(CloseCode.SANCTIONED, "sanctioned")
        if body is not None and body["action"] == "ban":
            self._offline_now(chatter)

    def _end_covered(self, subject_id: str, cover: dict[str, str], sanction: Sanction) -> None:
        """Every other chatter held here whose device key or IP key the ban names: the
        statement (in their language), the close, and out of the rooms now."""
        field, key = cover.get("field"), cover.get("key")
        if field not in ("device_key", "ip_key") or not key:
            return
        for chatter in list(self.live.chatters.values()):
            held = chatter.device_key if field == "device_key" else chatter.ip_key
            if chatter.id == subject_id or held != key:
                continue
            conn = chatter.connection
            if conn is not None:
                text = statement(sanction, chatter.lang, self.token(sanction.id))
                conn.send(protocol.sanction(text))
                conn.flush()
                conn.close(CloseCode.SANCTIONED, "sanctioned")
            self._offline_now(chatter)

    def _offline_now(self, chatter: Chatter) -> None:
        """A banned chatter cannot come back while the ban holds: no grace period, their
        name and places are freed at once (the others see them leave now)."""
        chatter.connection = None
        self.sessions.go_offline(chatter)

    async def _lang(self, chatter_id: str) -> str:
        chatter = self.live.chatters.get(chatter_id)
        if chatter is not None:
            return chatter.lang
        found = await self.sql.sessions_by_id([chatter_id])
        record = found.get(chatter_id)
        return record.lang if record is not None else "fr"

    async def _announce_deleted(self, channel: str, message_id: int, sender_id: str) -> None:
        await self.retractions.announce_deleted(channel, message_id, "moderator", sender_id)

    async def _close_conversation(self, conv_id: str, subject_id: str) -> None:
        subject = await self.sessions.load_chatter(subject_id)
        conv = self.live.conversations.get(conv_id)
        if subject is None or conv is None:
            return
        if conv.status is not ConversationStatus.BLOCKED:
            conversations = self.conversations
            updated = await conversations.set_conversation_status(conv, ConversationStatus.BLOCKED)
            await conversations.announce_conversation(updated)

    async def _move_out_everywhere(self, subject_id: str) -> None:
        """The stored part of a move-out (any process): no more rooms, conversations closed."""
        for slug in await self.sql.memberships(subject_id):
            await self.sql.remove_membership(subject_id, slug)
        for conv_id, _, _, _ in await self.sql.conversations_of(subject_id):
            await self._close_conversation(conv_id, subject_id)

    async def _move_out_here(self, chatter: Chatter) -> None:
        """The live part, where the chatter's socket is: out of every room, now."""
        try:
            for slug in sorted(chatter.rooms):
                await self.rooms.leave_room(chatter, slug)
                if chatter.connection is not None:
                    chatter.connection.send(protocol.left(slug))
        except Exception:
            log.exception("move-out of %s failed", chatter.id)

    async def notify(self, chatter_id: str, frame: bytes) -> None:
        """A frame for one chatter, wherever their socket is (a report's outcome)."""
        await self.bus.publish(Envelope(frame, targets=(chatter_id,)))


def _cover(record: SanctionRecord) -> dict[str, str] | None:
    """What a ban covers beyond its subject: the chatters' field and the key it names."""
    if record.action != Action.BAN or record.status != "active":
        return None
    if record.scope == Scope.DEVICE and record.device_key:
        return {"field": "device_key", "key": record.device_key}
    if record.scope == Scope.IP and record.ip_key:
        return {"field": "ip_key", "key": record.ip_key}
    return None


def _sanction_body(record: SanctionRecord) -> dict[str, Any]:
    core = record.core()
    return {
        "id": core.id,
        "ts": core.ts,
        "action": core.action,
        "scope": core.scope,
        "until": core.until,
        "rule": core.rule,
        "reason": core.reason,
        "automated": core.automated,
        "status": core.status,
    }
