"""Safety actions in the live chat: what the chat service does with the engine's verdicts.

Owns, for one process: the safety gate, the held messages, the moderators' alerts, the
chatter flags (minors out of adults' reach, adults frozen in the teen space) and the
engine's persisted state. Rules (safety.md, issue 5):

- ``screen`` runs before a message is stored: ``block`` raises (the sender is told why, in
  their language), ``hold`` stores it aside and tells the sender, otherwise it returns the
  text to deliver (masked where the engine masked).
- ``after`` runs once the message is delivered: the person at risk gets a safety card, an
  escalation becomes one alert with the whole context, an explicit age statement moves a
  minor out of adults' reach (ending the session under 15) or freezes an adult in the teen
  space; a mere cue (a school year, a bare number) only alerts (issue 13, items 1-2).
- An adult who keeps writing to a minor moved out of their reach is refused, and each
  refused message is kept as evidence (a held message already decided "refused", so no
  one can release it) with an alert on the adult showing both sides (issue 13, item 3).
- A held message reaches nobody until ``approve``; it is then stored with the channel's
  next id and delivered like any message, so everyone still sees one ordered history.
- The engine's state is saved every ``SAVE_EVERY_S`` seconds and at shutdown, and loaded at
  start, so risk built up over a conversation survives reconnects and restarts. In a
  cluster, a private conversation's risk, its sender's and their device's are also read
  from and written to Redis around each message (server/safety_shared.py), so every
  process judges on one picture.
- A failure on a message's way through ``screen`` or ``after`` is logged with the message
  (its channel and id once stored, its client ref before) and raised to the caller; the
  periodic save logs its failures and goes on. Its tasks belong to a ``TaskOwner``.
- It is handed what it acts on (server/app.py): the live state, the sessions, rooms,
  conversations and messages of the live chat (server/ports.py), the queue's feed, the
  cluster's control events and its shared risk. It never sees the chat service.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

import orjson

from causette.bus import Bus, Envelope
from causette.core.consent import ConversationStatus
from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import ADULT_AGE, MIN_AGE, Space
from causette.core.live import FlagsSet
from causette.server import protocol
from causette.server.protocol import CloseCode
from causette.server.safety_gate import Party, SafetyGate, Verdict, reason_text
from causette.server.state import LiveState
from causette.settings import Settings
from causette.store import MessageRecord, SqlStore
from causette.store.safety import SafetyStore
from causette.tasks import TaskOwner

if TYPE_CHECKING:
    from causette.server.chatter import Chatter
    from causette.server.ports import (
        ControlEvents,
        Conversations,
        Messages,
        QueueFeed,
        Rooms,
        Sessions,
    )
    from causette.server.safety_shared import SharedRisk

log = logging.getLogger(__name__)

OUT_OF_REACH = "adults_out_of_reach"
FROZEN = "frozen"
SAVE_EVERY_S = 30.0
# The last save, on close, waits at most this long (a stopping process's bound).
CLOSE_SAVE_S = 1.0
# An adult who said so in the teen space ("adult.in_teen_space") is among the highest
# risks the desk sees: above a held message (issue 13, item 4).
_SEVERITY = {
    "grooming": 3,
    "ambush": 3,
    "threat": 3,
    "minor": 3,
    "adult": 3,
    "hate": 2,
    "harassment": 2,
    # A cue, not a statement: worth a look, below what someone said outright.
    "minor.age_cue": 2,
}


# A moderator's dismissal, for the engines and chatters of the other processes.
CLEAR_TOPIC = "safety.clear"

# The refused messages after which the desk is told an adult keeps writing to a child.
_PURSUIT_ALERTS = (1, 3, 10)


class SafetyLayer:
    def __init__(
        self,
        gate: SafetyGate,
        settings: Settings,
        store: SqlStore,
        live: LiveState,
        sessions: Sessions,
        rooms: Rooms,
        conversations: Conversations,
        messages: Messages,
        bus: Bus,
        queue: QueueFeed,
        *,
        cluster: ControlEvents,
        shared: SharedRisk | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.gate = gate
        self.settings = settings
        self.sql = store
        self.store = SafetyStore(store)
        self.live = live
        self.sessions = sessions
        self.rooms = rooms
        self.conversations = conversations
        self.messages = messages
        self.bus = bus
        self.queue = queue
        self.cluster = cluster
        self.clock = clock
        self.tasks = TaskOwner("safety")
        # Chatters already asked about an age cue here (the store answers for the others).
        self._cued: set[str] = set()
        self.shared = shared  # a cluster's one risk picture (server/safety_shared.py)
        # Per chatter, the turn of their messages through ``shared`` (weak: a lock lives as
        # long as a message holds or awaits it).
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # -- life cycle ---------------------------------------------------------------------
    @property
    def state_key(self) -> str:
        """Where this process saves its engine state: one key per node of a cluster
        (host name and port stay the same across restarts)."""
        if self.cluster.alone:
            return "engine"
        return f"engine:{socket.gethostname()}:{self.settings.port}"

    async def start(self) -> None:
        engine = self.gate.engine
        since = self.clock() - engine.rules.policy.state_window_s
        merged: dict[str, dict[str, Any]] = {"conversations": {}, "users": {}, "devices": {}}
        # Newest last: where two processes knew the same conversation, the fresher wins.
        for state in await self.store.load_states(since):
            for part, entries in merged.items():
                entries.update(state.get(part, {}))
        engine.import_state(merged)
        self.cluster.on(CLEAR_TOPIC, self._clear_here)
        self.tasks.spawn(self._save_loop(), name="save-state")

    async def close(self) -> None:
        await self.tasks.close()
        # Bounded: a stopping process does not wait on a busy or absent database for long;
        # what is lost is what changed since the last periodic save.
        try:
            async with asyncio.timeout(CLOSE_SAVE_S):
                await self.save()
        except (TimeoutError, ChatError) as exc:
            log.warning("safety: state not saved on close: %r", exc)

    async def save(self) -> None:
        engine = self.gate.engine
        engine.forget_idle(self.clock())
        if self.shared is not None:
            self.shared.forget(self.clock() - engine.rules.policy.state_window_s)
        await self.store.save_state(engine.export_state_json(), self.clock(), self.state_key)

    async def _save_loop(self) -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY_S)
            try:
                await self.save()
            except Exception:
                # The next save carries the same state (and more): keep the loop going.
                log.exception("safety: saving the engine state failed")

    async def load_flags(self, chatter: Chatter) -> None:
        self.live.apply(FlagsSet(chatter.id, await self.store.flags(chatter.id)))

    # -- before and after delivery ---------------------------------------------------------
    def party(self, chatter: Chatter) -> Party:
        return Party(
            id=chatter.id,
            pseudonym=chatter.profile.pseudonym,
            age=chatter.profile.age,
            account_age_s=self.clock() - chatter.created_at,
            device=chatter.device_key or chatter.device_hash,
        )

    def check_pseudonym(self, name: str) -> None:
        self.gate.check_pseudonym(name)

    def fresh_at_pm_limit(self, chatter: Chatter) -> bool:
        """A fresh account that opened as many private conversations as it may (the
        refusal is core/admission.py's)."""
        return (
            self.gate.is_fresh(self.party(chatter))
            and chatter.opened_pm >= self.settings.fresh_new_pm_max
        )

    async def screen(
        self,
        chatter: Chatter,
        channel: str,
        text: str,
        ref: str | None,
        recipient: Chatter | None = None,
    ) -> tuple[str | None, Verdict]:
        """(text to deliver or None when held, verdict); raises ``message_blocked``."""
        try:
            return await self._screen(chatter, channel, text, ref, recipient)
        except ChatError:
            raise
        except Exception:
            # Not stored yet: the message is known by its channel, sender and client ref.
            log.exception(
                "safety: screening failed for message ref=%s in %s from %s",
                ref,
                channel,
                chatter.id,
            )
            raise

    async def _screen(
        self,
        chatter: Chatter,
        channel: str,
        text: str,
        ref: str | None,
        recipient: Chatter | None,
    ) -> tuple[str | None, Verdict]:
        presence = self.live.presence

        def resolve(pseudonym: str) -> str | None:
            """A card target in a room: whoever holds that name in the sender's space."""
            return presence.find(pseudonym, chatter.space)

        party = self.party(chatter)
        recipient_party = self.party(recipient) if recipient is not None else None

        def judge() -> Verdict:
            return self.gate.check(
                sender=party,
                channel=channel,
                text=text,
                now=self.clock(),
                recipient=recipient_party,
                resolve=resolve,
            )

        shared = self.shared
        if shared is None:
            verdict = judge()
        else:
            # A room's own counters are not shared (server/safety_shared.py): the speaker's
            # state, their slice of the room and its roster of possible minors are.
            pair = channel if recipient is not None else None
            room = channel if recipient is None else None
            # One message of a chatter at a time through Redis, in arrival order: without
            # this, a later post whose Redis reads came back first would be stored first.
            turn = self._turns.setdefault(chatter.id, asyncio.Lock())
            async with turn:
                await shared.pull(pair, party.pseudonym, party.device, room)
                verdict = judge()
                await shared.push(pair, party.pseudonym, party.device, self.clock(), room)
        if FROZEN in chatter.flags and verdict.delivered:
            reason = self.gate.engine.reason("conversation.frozen")
            verdict = replace(
                verdict,
                action="hold",
                text=None,
                reasons=(reason,),
                card_kind=None,
                card_target=None,
                card_about=None,
                escalated_for=(),
            )
        if verdict.action == "block":
            await self._after(chatter, channel, verdict, recipient)
            raise ChatError(
                ErrorCode.MESSAGE_BLOCKED,
                reason_fr=sender_reason(verdict, "fr"),
                reason_en=sender_reason(verdict, "en"),
            )
        if verdict.action == "hold":
            reasons = [asdict(r) for r in verdict.reasons]
            sender = orjson.dumps(chatter.public).decode()
            held_id = await self.store.hold(
                channel, chatter.id, sender, text, self.clock(), reasons
            )
            self.queue.queue_changed("added", "held", held_id)
            self._tell(
                chatter,
                protocol.held(ref, channel, held_id, sender_reason(verdict, chatter.lang)),
            )
            await self._after(chatter, channel, verdict, recipient)
            return None, verdict
        return verdict.text if verdict.text is not None else text, verdict

    async def after(
        self,
        chatter: Chatter,
        channel: str,
        verdict: Verdict,
        recipient: Chatter | None,
        message_id: int | None = None,
    ) -> None:
        """Cards, notices, alerts and age rules once the message went where it goes
        (``message_id``: where it was stored; None for a blocked or held message)."""
        try:
            await self._after(chatter, channel, verdict, recipient)
        except Exception:
            log.exception(
                "safety: acting on message %s#%s from %s failed (verdict %s)",
                channel,
                message_id if message_id is not None else "-",
                chatter.id,
                verdict.action,
            )
            raise

    async def _after(
        self, chatter: Chatter, channel: str, verdict: Verdict, recipient: Chatter | None
    ) -> None:
        if verdict.action == "mask":
            self._tell(
                chatter, protocol.notice("masked", channel, sender_reason(verdict, chatter.lang))
            )
        elif warned_sender(verdict):
            self._tell(chatter, protocol.notice("warned", channel, _WARNED[_lang(chatter.lang)]))
        if (
            verdict.card_target is not None
            and verdict.card_kind is not None
            and verdict.card_about is not None
        ):
            await self.bus.publish(
                Envelope(
                    protocol.safety_card(verdict.card_kind, channel, verdict.card_about),
                    targets=(verdict.card_target,),
                )
            )
        if verdict.escalated_now:
            await self.alert(verdict_kind(verdict), channel, chatter, verdict, recipient)
        if verdict.disclosed_age is not None:
            if verdict.age_sure:
                await self.on_age_disclosed(chatter, verdict.disclosed_age, channel, verdict)
            else:
                await self.on_age_cue(chatter, channel, verdict)

    def _tell(self, chatter: Chatter, frame: bytes) -> None:
        if chatter.connection is not None:
            chatter.connection.send(frame)

    # -- alerts ----------------------------------------------------------------------------
    async def alert(
        self,
        kind: str,
        channel: str | None,
        subject: Chatter,
        verdict: Verdict | None = None,
        other: Chatter | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """One alert in the moderators' queue, with everything needed to judge it: the id
        of its case, which is its own or the open case of the same kind in the same channel
        it joined (``alert_merge_window_s``: a flood of alerts is one case)."""
        recent: list[dict[str, Any]] = []
        if channel is not None:
            for record in await self.sql.messages_before(channel, None, 20):
                recent.append(
                    {
                        "id": record.id,
                        "ts": record.ts,
                        "from": orjson.loads(record.sender),
                        "text": record.text,
                    }
                )
        now = self.clock()
        parties = [subject] + ([other] if other is not None else [])
        context: dict[str, Any] = {
            "channel": channel,
            "recent": recent,
            "parties": [
                {
                    **c.public,
                    "space": c.space.value,
                    "account_age_s": round(now - c.created_at),
                    "flags": sorted(c.flags),
                }
                for c in parties
            ],
        }
        if verdict is not None:
            context.update(
                labels=list(verdict.labels),
                risk=verdict.risk,
                reasons=[asdict(r) for r in verdict.reasons],
            )
        if extra is not None:
            context.update(extra)
        # "report.grooming" (a chatter's report) weighs what "grooming" (the engine's) does.
        label = kind.removeprefix("report.").split(".", 1)[0]
        severity = _SEVERITY.get(kind, _SEVERITY.get(label, 1))
        alert_id, case = await self.store.add_alert_to_case(
            kind,
            severity,
            now,
            context,
            channel,
            subject.id,
            # A rung of an escalation ladder (the 1st, 3rd, 10th message refused to an adult
            # pursuing a child) is new evidence about one person: its own alert, never a
            # count in a flood's case.
            merge_within_s=0.0 if kind in _LADDERS else self.settings.alert_merge_window_s,
        )
        # Joined a case: open consoles re-read its count (as for a report joining one).
        self.queue.queue_changed("added", "alert", case or alert_id)
        return case or alert_id

    # -- minors ------------------------------------------------------------------------------
    async def on_age_disclosed(
        self, chatter: Chatter, age: int, channel: str | None, verdict: Verdict | None
    ) -> None:
        now = self.clock()
        conversations = self.conversations
        if chatter.space is Space.ADULT and age < ADULT_AGE:
            if OUT_OF_REACH not in chatter.flags:
                self.live.apply(FlagsSet(chatter.id, chatter.flags | {OUT_OF_REACH}))
                await self.store.set_flag(chatter.id, OUT_OF_REACH, now)
                for slug in sorted(chatter.rooms):
                    await self.rooms.leave_room(chatter, slug)
                    self._tell(chatter, protocol.left(slug))
                for conv in list(conversations.conversations_of(chatter)):
                    if conv.status is not ConversationStatus.BLOCKED:
                        updated = await conversations.set_conversation_status(
                            conv, ConversationStatus.BLOCKED
                        )
                        await conversations.announce_conversation(updated)
                self._tell(
                    chatter, protocol.error(ChatError(ErrorCode.ADULTS_OUT_OF_REACH), chatter.lang)
                )
                await self.alert("minor.in_adult_space", channel, chatter, verdict)
        elif chatter.space is Space.TEEN and age >= ADULT_AGE and FROZEN not in chatter.flags:
            self.live.apply(FlagsSet(chatter.id, chatter.flags | {FROZEN}))
            await self.store.set_flag(chatter.id, FROZEN, now)
            await self.alert("adult.in_teen_space", channel, chatter, verdict)
        if age < MIN_AGE and not chatter.ended:
            # Whatever the space: under 15 has no place here (the teen space is 15-17).
            if chatter.space is Space.TEEN:
                await self.alert("minor.under_15", channel, chatter, verdict)
            self._tell(chatter, protocol.error(ChatError(ErrorCode.AGE_TOO_YOUNG), chatter.lang))
            await self.sessions.logout(chatter, close_code=CloseCode.UNDER_15)

    async def on_age_cue(self, chatter: Chatter, channel: str, verdict: Verdict) -> None:
        """A school year or a bare number that may say the chatter is younger than declared:
        a moderator looks, and the chatter is asked once, kindly, whether their space is the
        right one (an ``age_check``, answered by ``age_answer``). Nothing else is done to
        them: they may well have named a département or a friend's class."""
        if chatter.id in self._cued:
            return
        self._cued.add(chatter.id)  # before the read: a second cue in flight stops here
        if await self.store.has_alert("minor.age_cue", chatter.id):
            return  # asked on another process, or before a restart
        await self.alert("minor.age_cue", channel, chatter, verdict)
        self._tell(chatter, protocol.age_check(channel, chatter.space.value))

    async def on_age_answer(self, chatter: Chatter, *, under: bool) -> None:
        """The chatter's answer to an age check. "No" is taken at its word: nothing changes
        (the cue's alert stays for a moderator). "Yes" is a statement of one's own age and is
        acted on as one, never harder: out of adults' reach in the adult space (the next
        space is the teen one), the kind under-15 screen in the teen space."""
        if not under:
            return
        floor = ADULT_AGE if chatter.space is Space.ADULT else MIN_AGE
        await self.on_age_disclosed(chatter, floor - 1, None, None)

    async def pursued(self, adult: Chatter, child: Chatter, text: str, channel: str | None) -> None:
        """``adult`` wrote to ``child``, a minor moved out of adults' reach: the message is
        refused, kept as evidence, and the adult is the one the desk is told about (at the
        first refused message and again when they keep at it)."""
        now = self.clock()
        reasons = [{"code": "minor.pursued", "params": {}}]
        sender = orjson.dumps(adult.public).decode()
        kept = channel or f"pm-refused:{adult.id}:{child.id}"
        held_id = await self.store.hold(kept, adult.id, sender, text, now, reasons)
        # Decided at once: a refused message is evidence, never something to release.
        await self.store.decide_held(held_id, "refused", "safety", now)
        # The store counts: the adult may write from any process, before and after a restart.
        refused = [
            {"held_id": h.id, "ts": h.ts, "text": h.text}
            for h in await self.store.held("refused", sender_id=adult.id, channel=kept)
        ]
        if len(refused) in _PURSUIT_ALERTS:
            await self.alert(
                "minor.pursued", channel, adult, other=child, extra={"refused": list(refused)}
            )

    async def cleared(self, alert: dict[str, Any]) -> None:
        """A moderator dismissed ``alert`` (a row of the alerts table): nothing was wrong, so
        what the engine froze for it (the pair's conversation, or the speaker in a room) and
        an adult-in-the-teen-space freeze on its subject are lifted — on every process: here,
        in the store, in the shared copy of a private conversation, and by a broadcast for
        the other processes' own engines and live chatters."""
        context = orjson.loads(alert["context"]) if alert.get("context") else {}
        parties = context.get("parties") or []
        what = {
            "channel": alert.get("channel"),
            "speaker": parties[0].get("pseudonym") if parties else None,
            "subject": alert.get("subject_id"),
        }
        self._clear_here(what)
        if what["subject"]:
            await self.store.clear_flag(what["subject"], FROZEN)
        self.cluster.broadcast(CLEAR_TOPIC, **what)
        channel = what["channel"]
        if self.shared is not None and channel and channel.startswith("pm:"):
            # Else a process without a copy of its own would read the frozen one back.
            await self.shared.push_conversation(channel, self.clock())
        elif self.shared is not None and channel and what["speaker"]:
            # The same for a speaker's slice of a room.
            await self.shared.push_speaker(channel, what["speaker"], self.clock())

    def _clear_here(self, what: dict[str, Any]) -> None:
        """This process's part of a dismissal (``cleared``, or another process's broadcast)."""
        if what.get("channel"):
            self.gate.engine.clear(what["channel"], what.get("speaker"))
        subject = self.live.chatters.get(what.get("subject") or "")
        if subject is not None:
            self.live.apply(FlagsSet(subject.id, subject.flags - {FROZEN}))

    @staticmethod
    def out_of_reach(chatter: Chatter) -> bool:
        """A minor moved out of the adult space: reaches no adult room and no adult, and
        no adult reaches them (core/admission.py decides)."""
        return OUT_OF_REACH in chatter.flags

    # -- moderation of held messages ----------------------------------------------------------
    async def approve(self, held_id: str, moderator: str) -> MessageRecord | None:
        """Deliver a held message now, with its channel's next id; None if not pending."""
        found = await self.store.held(held_id=held_id)
        held = found[0] if found else None
        if held is None or not await self.store.decide_held(
            held_id, "approved", moderator, self.clock()
        ):
            return None
        record = await self.messages.store_and_deliver(
            held.channel, held.sender_id, held.sender, held.text
        )
        sender = self.live.chatters.get(held.sender_id)
        if sender is not None:
            self._tell(sender, protocol.released(held_id, record.channel, record.id))
        return record

    async def reject(self, held_id: str, moderator: str) -> list[str]:
        """Reject a held message and its pending copies (a flood is one case): the ids
        rejected, [] if ``held_id`` was not pending."""
        now = self.clock()
        copies = await self.store.pending_copies(held_id)
        if not await self.store.decide_held(held_id, "rejected", moderator, now):
            return []
        rejected = [held_id]
        for copy in copies:
            if await self.store.decide_held(copy.id, "rejected", moderator, now):
                rejected.append(copy.id)
        return rejected


# Alert kinds raised again on purpose as the same person keeps at it (never merged).
_LADDERS = frozenset({"minor.pursued"})


# Reasons the sender may read. Grooming and ambush reasons are for moderators: telling the
# sender that the other person was warned, or their risk score, would help them adapt.
_SENDER_SAFE = ("hate.", "harassment.", "threat.", "pii.", "spam.", "sexual.")
_NEUTRAL_HOLD = {
    "fr": "Ton message a été transmis à l'équipe de modération avant d'être distribué.",
    "en": "Your message was sent to the moderation team before delivery.",
}


# The sender of a message the model disliked, among declared minors: it went out, and they
# are asked to think again — no probability, no label (what an adversary would tune to).
_WARNED = {
    "fr": "Ton message est parti, mais il peut blesser. Relis-toi : les messages qui "
    "blessent sont retenus pour les modérateurs.",
    "en": "Your message went out, but it may hurt. Think again: messages that hurt are "
    "held for the moderators.",
}


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "fr"


def warned_sender(verdict: Verdict) -> bool:
    """A warn aimed at the sender (the learned layer's word alone among declared minors),
    not a card for someone else."""
    return verdict.action == "warn" and any(
        r.code.endswith(".learned_warn") for r in verdict.reasons
    )


def sender_reason(verdict: Verdict, lang: str) -> str:
    """What the sender is told: the rule they broke, never what was detected about others."""
    # The conversation model's escalation carries a probability: for moderators only (a
    # number to tune one's wording against is what an adversary wants).
    safe = tuple(
        r
        for r in verdict.reasons
        if r.code.startswith(_SENDER_SAFE) and not r.code.endswith(".learned_escalate")
    )
    if verdict.action == "hold" or not safe:
        return _NEUTRAL_HOLD[_lang(lang)]
    return reason_text(safe, lang)


def verdict_kind(verdict: Verdict) -> str:
    """The alert kind of an escalation: what it was escalated for (the rules or the
    conversation model), else the highest risk, else the first label's category."""
    if verdict.escalated_for:
        return verdict.escalated_for[0]
    risky = [k for k, v in verdict.risk.items() if v >= 0.5]
    if risky:
        return max(risky, key=lambda k: verdict.risk[k])
    return verdict.labels[0].split(".", 1)[0] if verdict.labels else "safety"
