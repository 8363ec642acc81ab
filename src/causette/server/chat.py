"""The chat service: what a chatter asks, checked, then done by the live chat.

Each action follows a message's way through (architecture.md): the one admission decision
(core/admission.py: the wall, membership, sanctions in force, minors rules, consent,
blocks, a fresh account's cap) on the facts gathered here, the rate, the shared rule
lists and the safety engine -> persist, id assigned, durable -> ack -> publish on the bus
-> each process delivers to its own connections. A refused action raises ``ChatError``
before anything is stored, so nothing is ever half-done.

Owns the checks and the order of each step; the sessions, places, conversations and
deliveries it acts on are the live chat's (server/live.py), and every part it consults is
handed to it built (server/app.py): nothing here builds a part or is imported back by one.
Also owns the door: proofs of work, the join storm, the joins per address.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import orjson

from causette.bus import Envelope
from causette.core import pow as proof_of_work
from causette.core.admission import (
    EnterFacts,
    PmFacts,
    PostFacts,
    Refused,
    may_enter,
    may_pm,
    may_post,
)
from causette.core.consent import (
    Conversation,
    ConversationStatus,
    Decision,
    PmOutcome,
    PmPolicy,
    default_policy,
    respond,
)
from causette.core.devices import admission
from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.identity import make_profile, pseudonym_skeleton
from causette.core.keys import device_key, ip_prefix, token_hash
from causette.core.live import Facts
from causette.core.presence import Presence
from causette.core.ratelimit import TokenBucket, per_hour
from causette.core.sanctions import ip_key
from causette.core.text import clean_text
from causette.server import metrics, protocol
from causette.server.chatter import Chatter
from causette.server.events import JoinRequest
from causette.server.live import LiveChat
from causette.server.safety_layer import OUT_OF_REACH
from causette.store import MessageRecord

if TYPE_CHECKING:
    from causette.server.own_data import OwnData
    from causette.server.ports import QueueFeed, Screening
    from causette.server.reports import Reports
    from causette.server.retention import Retention
    from causette.server.rule_lists import RuleLists
    from causette.server.safety_layer import SafetyLayer
    from causette.server.sanctions import Sanctions


# A typing notice is passed on at most this often per chatter and conversation.
TYPING_INTERVAL_S = 3.0


class ChatService:
    def __init__(
        self,
        live: LiveChat,
        *,
        sanctions: Sanctions,
        rules: RuleLists,
        retention: Retention,
        own: OwnData,
        reports: Reports,
        queue: QueueFeed,
        screening: Screening,
        safety: SafetyLayer | None = None,
    ) -> None:
        self.live = live
        self.settings = live.settings
        self.catalogue = live.catalogue
        self.store = live.store
        self.bus = live.bus
        self.clock = live.clock
        self.cluster = live.cluster
        self.tasks = live.tasks
        # Bans, mutes, kicks… in the live chat (server/sanctions.py).
        self.sanctions = sanctions
        # Shared rule lists: refused pseudonym fragments, blocked link domains.
        self.rules = rules
        # Connection data kept for the law, and the purge (server/retention.py).
        self.retention = retention
        # A chatter's own data: export, erasure, a message taken back (server/own_data.py).
        self.own = own
        # Reports from the chat (server/reports.py).
        self.reports = reports
        # The moderators' queue changed: open consoles re-read it (the desk).
        self.queue = queue
        # Safety on a chatter's way through: the safety layer, or the pass-through when the
        # engine is off (server/pass_through.py).
        self.screening = screening
        # The safety layer itself, for the desk and public reports (held messages,
        # alerts); None: the engine is off.
        self.safety = safety
        # (chatter id, conversation id) -> when their last typing notice was passed on.
        self._typing_at: dict[tuple[str, str], float] = {}
        self._join_buckets: dict[str, TokenBucket] = {}
        self._spent = proof_of_work.SpentChallenges()
        self._join_storm = proof_of_work.JoinStorm()

    @property
    def presence(self) -> Presence:
        return self.live.presence

    @property
    def chatters(self) -> dict[str, Chatter]:
        return self.live.chatters

    # -- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        await self.live.start()
        await self.sanctions.start()
        await self.rules.start()
        # The bus's deliveries start here: the cluster's sequencer, or the lone process's.
        await self.cluster.start()
        await self.screening.start()
        self.live.start_background()

    async def close(self) -> None:
        await self.live.close_connections()
        await self.screening.close()
        # Before the bus and the cluster: side jobs publish and write through them.
        await self.tasks.close()
        await self.cluster.close()
        await self.bus.close()

    # -- joining ---------------------------------------------------------------------------
    def pow_difficulty(self) -> int:
        """The difficulty of a challenge issued now: the configured one, raised while
        joins storm in (core/pow.py ``storm_difficulty``)."""
        return proof_of_work.storm_difficulty(
            self.settings.pow_difficulty,
            self.join_storm_rate(),
            self.settings.pow_storm_joins_per_minute,
            self.settings.pow_storm_max_extra_bits,
        )

    def join_storm_rate(self) -> int:
        """Proofs of work solved in the last minute (cluster-wide when Redis is up)."""
        return self._join_storm.joins_last_minute(self.clock())

    def issue_challenge(self) -> dict[str, object]:
        difficulty = self.pow_difficulty()
        challenge = proof_of_work.issue_challenge(
            self.settings.signing_key(),
            difficulty=difficulty,
            now=self.clock(),
            ttl=self.settings.pow_ttl_s,
            salt=secrets.token_bytes(12),
        )
        return {
            "challenge": challenge,
            "difficulty": difficulty,
            "expires_in": self.settings.pow_ttl_s,
        }

    async def spend_challenge(self, challenge: object, nonce: object) -> None:
        """Accept a solved proof of work once, cluster-wide, or raise ``pow_*``: for the
        join form and the other forms the public can send without a session (the public
        report page)."""
        if self.settings.pow_difficulty <= 0:
            return
        proof_of_work.verify(
            self.settings.signing_key(),
            challenge,
            nonce,
            now=self.clock(),
            min_difficulty=self.settings.pow_difficulty,
            spent=self._spent,
        )
        await self.cluster.spend_challenge(str(challenge), self.settings.pow_ttl_s)
        # Every solved proof counts towards the storm rate, joined or later refused: a
        # farm that solves and is then rate-limited is still a farm at the door.
        now = self.clock()
        self._join_storm.record(now)
        shared = await self.cluster.count_solved(now)
        if shared is not None:  # None: no other process, or Redis away
            self._join_storm.observe(shared, now)

    async def join(
        self, form: JoinRequest, address: str, device_token: str | None
    ) -> tuple[str, str, Chatter]:
        """A new chatter: (session token, device token, chatter), or a ``ChatError``."""
        now = self.clock()
        try:
            profile = make_profile(form.pseudonym, form.age, form.gender, form.department)
        except ChatError as exc:
            if exc.code is ErrorCode.AGE_TOO_YOUNG and device_token:
                await self._remember_refusal(form, device_token, now)
            raise
        self.screening.check_pseudonym(profile.pseudonym)
        self.rules.check_pseudonym(profile.pseudonym)
        if self.settings.pow_difficulty > 0:
            if form.pow is None:
                raise ChatError(ErrorCode.POW_INVALID)
            await self.spend_challenge(form.pow.challenge, form.pow.nonce)
        bucket = self._join_buckets.setdefault(
            ip_prefix(address), per_hour(self.settings.joins_per_ip_per_hour)
        )
        wait = bucket.take(now)
        if not wait:
            wait = await self.cluster.take_join(
                ip_prefix(address), self.settings.joins_per_ip_per_hour, now
            )
        if wait:
            raise ChatError(ErrorCode.JOIN_RATE_LIMITED, retry_after=wait)
        if len(self._join_buckets) > 100_000:
            self._join_buckets = {k: b for k, b in self._join_buckets.items() if not b.full(now)}

        live = self.live
        chatter_id = secrets.token_hex(16)
        token = secrets.token_urlsafe(32)
        device_token = device_token or secrets.token_urlsafe(24)
        lang = form.lang or "fr"
        secret = self.settings.signing_key()
        new_device_key = device_key(secret, device_token, ip_prefix(address))
        new_ip_key = ip_key(secret, ip_prefix(address))
        await self.sanctions.check_join(new_device_key, new_ip_key, lang)
        device = live.device_hash(device_token)
        refusal = admission(
            await live.devices.memory(device, now, live.device_memory_s, OUT_OF_REACH),
            profile.space,
            now,
            live.device_memory_s,
        )
        if refusal is not None:
            raise refusal  # counted with every join refusal by the join route (http_api.py)
        chatter = Chatter(
            id=chatter_id,
            profile=profile,
            lang=lang,
            device_hash=device,
            device_key=new_device_key,
            ip_key=new_ip_key,
            token_hash=token_hash(token),
            created_at=now,
            last_seen=now,
            msg_bucket=live.msg_bucket(),
            pm_bucket=live.pm_bucket(),
            # Held by the live state once admitted.
            facts=Facts(default_policy(profile.space)),
        )
        await live.admit(chatter)
        metrics.JOINS.labels(space=profile.space.value).inc()
        return token, device_token, chatter

    async def _remember_refusal(self, form: JoinRequest, device_token: str, now: float) -> None:
        """An under-15 refusal is remembered on the device, so the same form with another
        age is refused too (core/devices.py). Only behind a valid proof of work: a flood of
        refusals costs what a flood of joins costs. Either way the answer is the same."""
        if self.settings.pow_difficulty > 0:
            if form.pow is None:
                return
            try:
                await self.spend_challenge(form.pow.challenge, form.pow.nonce)
            except ChatError:
                return
        await self.live.devices.remember_under_15(
            self.live.device_hash(device_token), now + self.live.device_memory_s
        )

    # -- rooms ---------------------------------------------------------------------------
    def rooms(self, chatter: Chatter) -> list[dict[str, object]]:
        live = self.live
        return [live.room_object(r, chatter) for r in self.catalogue.in_space(chatter.space)]

    def users(self, chatter: Chatter, slug: str) -> list[dict[str, object]]:
        self.live.room(chatter, slug)
        if slug not in chatter.rooms:
            raise ChatError(ErrorCode.NOT_IN_ROOM)
        return self.live.members(chatter, slug)

    def _refusal(self, refused: Refused, chatter: Chatter) -> ChatError:
        """The error a refusal is told as (a mute with its statement, the cap's number)."""
        if refused.code is ErrorCode.MUTED:
            return self.sanctions.muted(chatter)
        if refused.code is ErrorCode.FRESH_PM_LIMIT:
            return ChatError(refused.code, limit=self.settings.fresh_new_pm_max)
        return ChatError(refused.code)

    async def join_room(self, chatter: Chatter, slug: str) -> None:
        live = self.live
        room = self.catalogue.get(slug, chatter.space)
        refused = may_enter(
            EnterFacts(
                room_known=room is not None,
                room_space=room.space if room is not None else chatter.space,
                moved_out=self.sanctions.moved_out(chatter.id),
                out_of_reach=OUT_OF_REACH in chatter.flags,
            )
        )
        if refused is not None:
            raise self._refusal(refused, chatter)
        assert room is not None
        conn = chatter.connection
        if conn is not None:
            conn.hold(room.channel)
        try:
            await live.enter_room(chatter, slug)
            history = await self.store.messages_before(
                room.channel, None, self.settings.history_on_join
            )
            visible = [r for r in history if r.sender_id not in chatter.blocked]
            if conn is not None:
                if history:
                    conn.seen.first_time(room.channel, history[-1].id)
                conn.send(
                    protocol.joined(
                        room=live.room_object(room, chatter),
                        history=[protocol.message(r) for r in visible],
                        users=live.members(chatter, slug),
                    )
                )
        finally:
            if conn is not None:
                conn.release(room.channel)

    async def leave_room(self, chatter: Chatter, slug: str) -> None:
        await self.live.leave_room(chatter, slug)

    # -- messages ------------------------------------------------------------------------
    def _take_message_token(self, chatter: Chatter) -> None:
        wait = chatter.msg_bucket.take(self.clock())
        if wait:
            metrics.REFUSED.labels(code="rate_limited").inc()
            raise ChatError(ErrorCode.RATE_LIMITED, retry_after=wait)

    def _next_record(self, chatter: Chatter, channel: str, text: str) -> MessageRecord:
        sender = orjson.dumps(chatter.public).decode()
        # Id 0: the store gives the real one when it commits.
        return MessageRecord(channel, 0, self.clock(), chatter.id, sender, text)

    def _ack(self, chatter: Chatter, record: MessageRecord, ref: str | None) -> None:
        if chatter.connection is not None:
            chatter.connection.send(protocol.message_ack(ref, record.channel, record.id, record.ts))

    async def post(
        self, chatter: Chatter, slug: str, raw_text: str, ref: str | None = None
    ) -> MessageRecord | None:
        """Store and deliver a room message; None when safety held it for a moderator."""
        live = self.live
        room = self.catalogue.get(slug, chatter.space)
        refused = may_post(
            PostFacts(
                room_known=room is not None,
                member=slug in chatter.rooms and live.presence.is_online(chatter.id),
                muted=self.sanctions.muting(chatter.id) is not None,
                moved_out=self.sanctions.moved_out(chatter.id),
            )
        )
        if refused is not None:
            raise self._refusal(refused, chatter)
        assert room is not None
        text = clean_text(raw_text, self.settings.message_max_chars)
        self.rules.check_text(text)
        self._take_message_token(chatter)
        screened, verdict = await self.screening.screen(chatter, room.channel, text, ref)
        if screened is None:
            return None
        text = screened
        record = self._next_record(chatter, room.channel, text)
        record = await live.persist(record, chatter)
        metrics.MESSAGES.labels(kind="room").inc()
        self._ack(chatter, record, ref)
        await live.publish_message(record)
        if verdict is not None:
            await live.unless_cancelled(
                self.screening.after(chatter, room.channel, verdict, None, record.id),
                "safety-after",
                f"message {record.channel}#{record.id}",
            )
        return record

    # -- private conversations -------------------------------------------------------------
    async def _partner(self, chatter: Chatter, to: str | None, conv_id: str | None) -> Chatter:
        live = self.live
        if conv_id is not None:
            conv = live.my_conversation(chatter, conv_id)
            partner = await live.load_chatter(conv.other(chatter.id))
        elif to is not None:
            partner_id = live.presence.find(to, chatter.space)
            partner = await live.load_chatter(partner_id) if partner_id else None
        else:
            raise bad_field("to: give 'to' or 'conversation'")
        # Across the wall is decided with the rest (core/admission.py).
        if partner is None or partner.id == chatter.id:
            raise ChatError(ErrorCode.USER_UNKNOWN)
        return partner

    async def pm(
        self,
        chatter: Chatter,
        to: str | None,
        conv_id: str | None,
        raw_text: str,
        ref: str | None = None,
    ) -> MessageRecord | None:
        """Store and deliver a private message; None when safety held it for a moderator."""
        live = self.live
        partner = await self._partner(chatter, to, conv_id)
        conv = live.conversation_between(chatter, partner)
        sanctions = self.sanctions
        outcome = may_pm(
            PmFacts(
                sender=chatter.id,
                sender_space=chatter.space,
                recipient_space=partner.space,
                sender_muted=sanctions.muting(chatter.id) is not None,
                sender_moved_out=sanctions.moved_out(chatter.id),
                recipient_moved_out=sanctions.moved_out(partner.id),
                sender_out_of_reach=OUT_OF_REACH in chatter.flags,
                recipient_out_of_reach=OUT_OF_REACH in partner.flags,
                conversation=conv,
                recipient_policy=partner.pm_policy,
                share_a_room=live.presence.share_a_room(chatter.id, partner.id),
                blocked_either_way=partner.id in chatter.blocked
                or partner.id in chatter.blocked_by,
                fresh_at_limit=self.screening.fresh_at_pm_limit(chatter),
            )
        )
        if isinstance(outcome, Refused):
            if outcome.pursuit:
                # An adult writing to a minor out of their reach: the refused message is
                # kept as evidence (what would have been sent: cleaned, within the rules).
                text = clean_text(raw_text, self.settings.message_max_chars)
                self.rules.check_text(text)
                channel = conv.channel if conv is not None else None
                await self.screening.pursued(chatter, partner, text, channel)
            raise self._refusal(outcome, chatter)
        text = clean_text(raw_text, self.settings.message_max_chars)
        self.rules.check_text(text)
        now = self.clock()
        if outcome is PmOutcome.OPEN_REQUEST:
            wait = chatter.pm_bucket.take(now)
            if wait:
                raise ChatError(ErrorCode.PM_RATE_LIMITED, retry_after=wait)
        self._take_message_token(chatter)
        new_id = secrets.token_hex(8) if conv is None else conv.id
        screened, verdict = await self.screening.screen(
            chatter, f"pm:{new_id}", text, ref, recipient=partner
        )
        if screened is None:
            # Held: nobody was reached (a held first message opens no conversation).
            return None
        text = screened
        if outcome is PmOutcome.OPEN_REQUEST:
            conv = Conversation(new_id, chatter.id, partner.id, ConversationStatus.PENDING)
            await live.open_conversation(conv, chatter, partner, now)
            chatter.opened_pm += 1
            await live.announce_conversation(conv, (chatter.id, partner.id))
        elif outcome is PmOutcome.ACCEPT_AND_SEND:
            assert conv is not None
            conv = await live.set_conversation_status(conv, ConversationStatus.ACCEPTED)
            await live.announce_conversation(conv, (chatter.id, partner.id))
        assert conv is not None
        record = self._next_record(chatter, conv.channel, text)
        record = await live.persist(record, chatter)
        metrics.MESSAGES.labels(kind="pm").inc()
        self._ack(chatter, record, ref)
        await live.publish_message(record)
        if verdict is not None:
            await live.unless_cancelled(
                self.screening.after(chatter, conv.channel, verdict, partner, record.id),
                "safety-after",
                f"message {record.channel}#{record.id}",
            )
        return record

    async def typing(self, chatter: Chatter, conv_id: str) -> None:
        """ "X is writing", to the other side of an accepted private conversation only; at
        most one notice every TYPING_INTERVAL_S per chatter and conversation; nothing to
        someone who blocked the writer (the bus drops it). No text ever goes with it."""
        conv = self.live.my_conversation(chatter, conv_id)
        if conv.status is not ConversationStatus.ACCEPTED:
            return
        now = self.clock()
        key = (chatter.id, conv_id)
        if now - self._typing_at.get(key, float("-inf")) < TYPING_INTERVAL_S:
            return
        self._typing_at[key] = now
        body = protocol.typing(conv.channel, chatter.profile.pseudonym)
        await self.bus.publish(
            Envelope(body, targets=(conv.other(chatter.id),), sender_id=chatter.id)
        )

    async def pm_respond(self, chatter: Chatter, conv_id: str, decision: str) -> None:
        live = self.live
        conv = live.my_conversation(chatter, conv_id)
        status = respond(conv, chatter.id, Decision(decision))
        if status is not conv.status:
            conv = await live.set_conversation_status(conv, status)
        if status is ConversationStatus.BLOCKED:
            partner = await live.load_chatter(conv.other(chatter.id))
            if partner is not None:
                await self._block(chatter, partner)
                notice = protocol.blocked(partner.profile.pseudonym)
                await self.bus.publish(Envelope(notice, targets=(chatter.id,)))
        # Ignoring is silent: the requester is not told.
        viewers = (
            (chatter.id,)
            if status is ConversationStatus.IGNORED
            else (chatter.id, conv.other(chatter.id))
        )
        await live.announce_conversation(conv, viewers)

    async def set_pm_policy(self, chatter: Chatter, policy: str) -> None:
        await self.live.set_pm_policy(chatter, PmPolicy(policy))

    # -- blocks --------------------------------------------------------------------------
    async def block(self, chatter: Chatter, pseudonym: str) -> str:
        target = await self.live.find_by_name(chatter, pseudonym)
        await self._block(chatter, target)
        return target.profile.pseudonym

    async def _block(self, chatter: Chatter, target: Chatter) -> None:
        await self.live.set_block(chatter, target, True)

    async def unblock(self, chatter: Chatter, pseudonym: str) -> str:
        wanted = pseudonym_skeleton(pseudonym)
        for blocked_id in list(chatter.blocked):
            target = await self.live.load_chatter(blocked_id)
            if target and pseudonym_skeleton(target.profile.pseudonym) == wanted:
                await self.live.set_block(chatter, target, False)
                return target.profile.pseudonym
        raise ChatError(ErrorCode.USER_UNKNOWN)

    # -- reading ---------------------------------------------------------------------------
    def search(self, chatter: Chatter, prefix: str) -> list[dict[str, object]]:
        presence = self.live.presence
        return [
            p.public()
            for p in presence.search(prefix, chatter.space)
            if presence.find(p.pseudonym, chatter.space) not in chatter.blocked
        ]

    async def history(
        self, chatter: Chatter, channel: str, before: int | None, limit: int
    ) -> list[bytes]:
        records = await self.live.history_records(chatter, channel, before, limit)
        return [protocol.message(r) for r in records if r.sender_id not in chatter.blocked]
