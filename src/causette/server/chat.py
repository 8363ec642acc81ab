"""The chat service: one process's live state, and every chatter action from check to send.

Each action follows a message's way through (architecture.md): check the core rules
(the wall, membership, consent, blocks, rate) -> persist, id assigned, durable -> ack ->
publish on the bus -> each process delivers to its own connections. A refused action
raises ``ChatError`` before anything is stored, so nothing is ever half-done.

Ids: the store gives each message the next id of its channel in the transaction that stores
it (shared by every process on one database); ``heads`` is this process's view of the last
id per channel, for conversation objects.

Background work (room counts, grace timers, side jobs such as a trim or a presence notice)
starts from ``tasks`` (causette/tasks.py): owned, failures logged, closed and awaited in
``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from causette.bus import Bus, Envelope
from causette.core import pow as proof_of_work
from causette.core.consent import (
    Conversation,
    ConversationStatus,
    Decision,
    PmOutcome,
    PmPolicy,
    decide_pm,
    default_policy,
    respond,
)
from causette.core.devices import admission
from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.geography import department
from causette.core.identity import Gender, Profile, Space, make_profile, pseudonym_skeleton
from causette.core.keys import device_hash, device_key, ip_prefix, token_hash
from causette.core.presence import Presence
from causette.core.ratelimit import TokenBucket, per_hour, per_minute
from causette.core.resume import plan_resume
from causette.core.rooms import Catalogue, Room
from causette.core.sanctions import ip_key
from causette.core.text import clean_text
from causette.server import metrics, protocol
from causette.server.connection import Connection
from causette.server.events import JoinRequest
from causette.server.keepalive import Keepalive
from causette.server.own_data import OwnData
from causette.server.protocol import CloseCode
from causette.server.reports import Reports
from causette.server.rule_lists import RuleLists
from causette.server.safety_layer import OUT_OF_REACH
from causette.server.sanctions import Sanctions
from causette.settings import Settings
from causette.store import MessageRecord, SessionRecord, SqlStore
from causette.store.devices import DeviceStore
from causette.tasks import TaskOwner

if TYPE_CHECKING:
    from causette.server.cluster import Cluster
    from causette.server.retention import Retention
    from causette.server.safety_layer import SafetyLayer
    from causette.store.retention import Source

REPLAY_PAGE = 500


# A typing notice is passed on at most this often per chatter and conversation.
TYPING_INTERVAL_S = 3.0


# Room counts cost one write per online chatter each time they change: at most this many
# such writes per second, so a crowded evening does not spend its CPU on counters.
COUNTS_WRITES_PER_S = 2000
COUNTS_MIN_INTERVAL_S, COUNTS_MAX_INTERVAL_S = 2.0, 10.0


def counts_interval(online: int) -> float:
    """Seconds between room-count pushes: every 2 s up to 4,000 connections, then slower
    (10 s at 20,000): counts stay live, their writes stay within the budget."""
    wanted = online / COUNTS_WRITES_PER_S
    return min(COUNTS_MAX_INTERVAL_S, max(COUNTS_MIN_INTERVAL_S, wanted))


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


class ChatService:
    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue,
        store: SqlStore,
        bus: Bus,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.store = store
        self.bus = bus
        self.clock = clock
        self.presence = Presence()
        self.chatters: dict[str, Chatter] = {}
        self.conversations: dict[str, Conversation] = {}
        self.heads: dict[str, int] = {}
        self._id_by_token_hash: dict[str, str] = {}
        self._loading: dict[str, asyncio.Future[Chatter | None]] = {}
        # (chatter id, conversation id) -> when their last typing notice was passed on.
        self._typing_at: dict[tuple[str, str], float] = {}
        self._join_buckets: dict[str, TokenBucket] = {}
        self._spent = proof_of_work.SpentChallenges()
        self._join_storm = proof_of_work.JoinStorm()
        self._counts_sent: dict[Space, dict[str, int]] = {}
        # Everything this service runs in the background (counts, grace timers, side jobs).
        self.tasks = TaskOwner("chat")
        # Several processes on Redis (server/cluster.py); None: this process is the chat.
        self.cluster: Cluster | None = None
        # The safety engine on every message (server/safety_layer.py); None: off.
        self.safety: SafetyLayer | None = None
        self.reports = Reports(self)
        # What a device is remembered for: under-15 refusals, move-outs, its space.
        self.devices = DeviceStore(store)
        # Bans, mutes, kicks… in the live chat (server/sanctions.py).
        self.sanctions = Sanctions(self)
        # A chatter's own data: export, erasure, a message taken back (server/own_data.py).
        self.own = OwnData(self)
        # Connection data kept for the law, and the purge (server/retention.py); None: off.
        self.retention: Retention | None = None
        self.keepalive = Keepalive(self._connections, settings.keepalive_s)
        # Shared rule lists: refused pseudonym fragments, blocked link domains.
        self.rules = RuleLists(self)

    def spawn(self, job: Coroutine[Any, Any, Any], name: str) -> asyncio.Future[Any]:
        """Run a side job (a presence notice, a trim): owned, its failure logged, given a
        moment to land when the service closes."""
        return self.tasks.spawn(job, name=name, finish=True)

    async def _unless_cancelled(
        self, job: Coroutine[Any, Any, Any], name: str, context: str
    ) -> None:
        """Await a job that must finish even if the sender's connection goes away (an alert
        must not be lost because the one who triggered it closed the tab). Should it fail
        after its waiter is gone, the owner logs it with ``context``."""
        await asyncio.shield(self.tasks.spawn(job, name=name, finish=True, context=context))

    # -- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        self.heads = await self.store.channel_heads()
        await self.sanctions.start()
        await self.rules.start()
        if self.cluster is not None:
            await self.cluster.start()
        else:
            await self.bus.start(self.deliver)
        if self.safety is not None:
            await self.safety.start()
        self.tasks.spawn(self._counts_loop(), name="room-counts")
        self.keepalive.start()

    def _connections(self) -> Iterator[Connection]:
        for chatter in self.chatters.values():
            if chatter.connection is not None:
                yield chatter.connection

    # One budget split between two phases (flush, then close handshakes): a caller's
    # asyncio.timeout could not split it.
    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109
        """A graceful stop (SIGTERM, a rolling restart): hand every queued frame to its
        socket, then close each with 1001 so clients reconnect at once (to another process
        of a cluster, or to this one once restarted) and resume from their last ids; all
        within ``timeout`` seconds, whatever a slow peer does. Every acknowledged message
        is already stored: nothing is lost by stopping here."""
        connections = list(self._connections())
        for conn in connections:
            conn.flush()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout / 2):
                await asyncio.gather(*(conn.drain() for conn in connections))
        for conn in connections:
            conn.close(CloseCode.GOING_AWAY, "server restarting")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout / 2):
                await asyncio.gather(*(conn.closed_handshake() for conn in connections))

    async def close(self) -> None:
        await self.keepalive.stop()
        for chatter in list(self.chatters.values()):
            if chatter.grace is not None:
                chatter.grace.cancel()
            if chatter.connection is not None:
                chatter.connection.close(CloseCode.GOING_AWAY, "server shutting down")
        if self.safety is not None:
            await self.safety.close()
        # Before the bus and the cluster: side jobs publish and write through them.
        await self.tasks.close()
        if self.cluster is not None:
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
        if self.cluster is not None:
            await self.cluster.spend_challenge(str(challenge), self.settings.pow_ttl_s)
        # Every solved proof counts towards the storm rate, joined or later refused: a
        # farm that solves and is then rate-limited is still a farm at the door.
        now = self.clock()
        self._join_storm.record(now)
        if self.cluster is not None:
            shared = await self.cluster.count_solved(now)
            if shared is not None:
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
        if self.safety is not None:
            self.safety.gate.check_pseudonym(profile.pseudonym)
        self.rules.check_pseudonym(profile.pseudonym)
        if self.settings.pow_difficulty > 0:
            if form.pow is None:
                raise ChatError(ErrorCode.POW_INVALID)
            await self.spend_challenge(form.pow.challenge, form.pow.nonce)
        bucket = self._join_buckets.setdefault(
            ip_prefix(address), per_hour(self.settings.joins_per_ip_per_hour)
        )
        wait = bucket.take(now)
        if not wait and self.cluster is not None:
            wait = await self.cluster.take_join(
                ip_prefix(address), self.settings.joins_per_ip_per_hour, now
            )
        if wait:
            raise ChatError(ErrorCode.JOIN_RATE_LIMITED, retry_after=wait)
        if len(self._join_buckets) > 100_000:
            self._join_buckets = {k: b for k, b in self._join_buckets.items() if not b.full(now)}

        chatter_id = secrets.token_hex(16)
        token = secrets.token_urlsafe(32)
        device_token = device_token or secrets.token_urlsafe(24)
        lang = form.lang or "fr"
        secret = self.settings.signing_key()
        new_device_key = device_key(secret, device_token, ip_prefix(address))
        new_ip_key = ip_key(secret, ip_prefix(address))
        await self.sanctions.check_join(new_device_key, new_ip_key, lang)
        device = self.device_hash(device_token)
        refusal = admission(
            await self.devices.memory(device, now, self.device_memory_s, OUT_OF_REACH),
            profile.space,
            now,
            self.device_memory_s,
        )
        if refusal is not None:
            raise refusal  # counted with every join refusal by the join route (http_api.py)
        chatter = Chatter(
            id=chatter_id,
            profile=profile,
            lang=lang,
            pm_policy=default_policy(profile.space),
            device_hash=device,
            device_key=new_device_key,
            ip_key=new_ip_key,
            token_hash=token_hash(token),
            created_at=now,
            last_seen=now,
            msg_bucket=self._msg_bucket(),
            pm_bucket=per_hour(self.settings.new_pm_per_hour),
        )
        # Claim the name before the write so two joins racing for it cannot both win.
        if self.cluster is not None:
            await self.cluster.claim_name(chatter_id, profile)
        self.presence.claim(chatter_id, profile)
        try:
            await self.store.create_session(self._session_record(chatter))
        except Exception:
            self.presence.release(chatter_id)
            raise
        if self.cluster is not None:
            self.cluster.online(chatter_id)
        self.chatters[chatter_id] = chatter
        self._id_by_token_hash[chatter.token_hash] = chatter_id
        self._start_grace(chatter)
        metrics.JOINS.labels(space=profile.space.value).inc()
        return token, device_token, chatter

    @property
    def device_memory_s(self) -> float:
        return self.settings.device_memory_hours * 3600.0

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
        await self.devices.remember_under_15(
            self.device_hash(device_token), now + self.device_memory_s
        )

    def device_hash(self, device_token: str) -> str:
        return device_hash(self.settings.signing_key(), device_token)

    def _msg_bucket(self) -> TokenBucket:
        return per_minute(self.settings.msg_burst, self.settings.msg_per_minute)

    def _session_record(self, chatter: Chatter) -> SessionRecord:
        p = chatter.profile
        return SessionRecord(
            id=chatter.id,
            token_hash=chatter.token_hash,
            device_hash=chatter.device_hash,
            pseudonym=p.pseudonym,
            age=p.age,
            gender=p.gender.value,
            department=p.department,
            space=p.space.value,
            lang=chatter.lang,
            pm_policy=chatter.pm_policy.value,
            created_at=chatter.created_at,
            last_seen=chatter.last_seen,
            device_key=chatter.device_key or None,
            ip_key=chatter.ip_key or None,
        )

    # -- sessions ------------------------------------------------------------------------
    async def authenticate(self, token: str | None, device_token: str | None = None) -> Chatter:
        """The live chatter behind a token, or ``not_authenticated``."""
        if not token or len(token) > 128:
            raise ChatError(ErrorCode.NOT_AUTHENTICATED)
        digest = token_hash(token)
        chatter_id = self._id_by_token_hash.get(digest)
        if chatter_id is None:
            record = await self.store.session_by_token_hash(digest)
            if record is None:
                raise ChatError(ErrorCode.NOT_AUTHENTICATED)
            chatter_id = record.id
        chatter = await self.load_chatter(chatter_id)
        now = self.clock()
        if (
            chatter is None
            or chatter.ended
            or now - chatter.last_seen > self.settings.session_ttl_s
            or (device_token is not None and self.device_hash(device_token) != chatter.device_hash)
        ):
            raise ChatError(ErrorCode.NOT_AUTHENTICATED)
        return chatter

    async def load_chatter(self, chatter_id: str) -> Chatter | None:
        """A chatter's whole state, from memory or once from the store."""
        chatter = self.chatters.get(chatter_id)
        if chatter is not None:
            return chatter
        pending = self._loading.get(chatter_id)
        if pending is not None:
            return await pending
        future: asyncio.Future[Chatter | None] = asyncio.get_running_loop().create_future()
        self._loading[chatter_id] = future
        try:
            chatter = await self._read_chatter(chatter_id)
            if chatter is not None:
                self.chatters[chatter_id] = chatter
                self._id_by_token_hash[chatter.token_hash] = chatter_id
            future.set_result(chatter)
            return chatter
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: the caller re-raises it below
            raise
        finally:
            del self._loading[chatter_id]

    async def _read_chatter(self, chatter_id: str) -> Chatter | None:
        records = await self.store.sessions_by_id([chatter_id])
        record = records.get(chatter_id)
        if record is None:
            return None
        space = Space(record.space)
        dept = department(record.department)
        profile = Profile(
            record.pseudonym,
            record.age,
            Gender(record.gender),
            record.department,
            dept.region if dept else "",
            space,
        )
        blocked, blocked_by = await self.store.blocks_of(chatter_id)
        rooms = {
            slug
            for slug in await self.store.memberships(chatter_id)
            if self.catalogue.get(slug, space) is not None
        }
        conversations = await self.store.conversations_of(chatter_id)
        for conv_id, initiator, recipient, status in conversations:
            self.conversations.setdefault(
                conv_id, Conversation(conv_id, initiator, recipient, ConversationStatus(status))
            )
        return Chatter(
            id=record.id,
            profile=profile,
            lang=record.lang,
            pm_policy=PmPolicy(record.pm_policy),
            device_hash=record.device_hash,
            token_hash=record.token_hash,
            created_at=record.created_at,
            last_seen=record.last_seen,
            msg_bucket=self._msg_bucket(),
            pm_bucket=per_hour(self.settings.new_pm_per_hour),
            rooms=rooms,
            blocked=blocked,
            blocked_by=blocked_by,
            conversation_ids=frozenset(conv_id for conv_id, *_ in conversations),
            ended=record.ended_at is not None,
            device_key=record.device_key or "",
            ip_key=record.ip_key or "",
            flags=await self.safety.store.flags(chatter_id)
            if self.safety is not None
            else frozenset(),
        )

    async def logout(
        self, chatter: Chatter, close_code: CloseCode = CloseCode.NOT_AUTHENTICATED
    ) -> None:
        now = self.clock()
        chatter.ended = True
        await self.store.update_session(chatter.id, ended_at=now, last_seen=now)
        if close_code is CloseCode.UNDER_15:
            # Whatever age the next form says, this device waits (core/devices.py).
            await self.devices.remember_under_15(chatter.device_hash, now + self.device_memory_s)
        if chatter.connection is not None:
            chatter.connection.close(close_code, "session ended")
            chatter.connection = None
        self._go_offline(chatter)

    # -- connections and presence --------------------------------------------------------
    def _start_grace(self, chatter: Chatter) -> None:
        if chatter.grace is not None:
            chatter.grace.cancel()
        chatter.grace = self.tasks.later(self.settings.presence_grace_s, self._go_offline, chatter)

    def _go_offline(self, chatter: Chatter) -> None:
        if chatter.grace is not None:
            chatter.grace.cancel()
            chatter.grace = None
        if chatter.connection is not None:
            return
        if self.cluster is not None:
            if not self.cluster.owns(chatter.id):
                return  # another process holds this chatter now
            self.cluster.offline(chatter.id, chatter.profile)
        for slug in self.presence.release(chatter.id):
            self._publish_local_presence(slug, left=chatter.profile.pseudonym)

    async def connect(self, chatter: Chatter, conn: Connection, last_ids: dict[str, int]) -> None:
        """Attach a connection: welcome, replay what was missed, then go live."""
        if chatter.connection is not None:
            chatter.connection.close(CloseCode.REPLACED, "session opened elsewhere")
        if chatter.grace is not None:
            chatter.grace.cancel()
            chatter.grace = None
        cluster = self.cluster
        if not self.presence.is_online(chatter.id) or (
            cluster is not None and not cluster.owns(chatter.id)
        ):
            taken = not self.presence.name_is_free(chatter.profile.pseudonym, chatter.id)
            if cluster is not None and not taken:
                # Held here from now on: fresh state, the name taken over cluster-wide.
                await cluster.refresh(chatter)
                try:
                    await cluster.claim_name(chatter.id, chatter.profile)
                except ChatError:
                    taken = True
            if taken:
                chatter.ended = True
                await self.store.update_session(chatter.id, ended_at=self.clock())
                raise ChatError(ErrorCode.PSEUDONYM_TAKEN)
            self.presence.claim(chatter.id, chatter.profile)
            for slug in sorted(chatter.rooms):
                if self.presence.enter(chatter.id, slug):
                    self._publish_local_presence(slug, joined=chatter)
            if cluster is not None:
                cluster.online(chatter.id)
        chatter.connection = conn
        conn.counted = True
        metrics.CONNECTIONS.inc()
        now = self.clock()
        chatter.last_seen = now
        try:
            await self.store.update_session(chatter.id, last_seen=now)
        except ChatError as exc:
            # The database away (a full disk) must not keep anyone from reading: last_seen
            # is written again at the next connect or disconnect.
            if exc.code is not ErrorCode.STORE_UNAVAILABLE:
                raise
        conn.send(self._welcome(chatter))
        await self._replay(chatter, conn, last_ids)

    def _welcome(self, chatter: Chatter) -> bytes:
        rooms = [
            self._room_object(r, chatter)
            for r in self.catalogue.in_space(chatter.space)
            if r.slug in chatter.rooms
        ]
        return protocol.welcome(
            me=chatter.me(),
            rooms=rooms,
            pm_policy=chatter.pm_policy.value,
            blocked=sorted(self._pseudonyms(chatter.blocked)),
            conversations=[
                self._conversation_object(c, chatter.id) for c in self._conversations_of(chatter)
            ],
        )

    async def _replay(self, chatter: Chatter, conn: Connection, last_ids: dict[str, int]) -> None:
        readable = [f"room:{slug}" for slug in chatter.rooms]
        readable += [self.conversations[c].channel for c in chatter.conversation_ids]
        # The client's own positions are its floor: what it already has is never resent.
        for channel, last in last_ids.items():
            if channel in readable:
                conn.seen.first_time(channel, last)
        if self.cluster is None:
            # One process writes every message, so its own heads are the store's: no query
            # per resume (a reconnect storm is 10,000 of them).
            heads = {c: self.heads[c] for c in readable if c in self.heads}
        else:
            heads = await self.store.channel_heads(readable)
        candidates = [c for c in readable if heads.get(c, 0) > last_ids.get(c, 0)]
        first_kept = await self.store.first_kept(candidates)
        for plan in plan_resume(last_ids, readable, heads, first_kept):
            if plan.gap_first is not None:
                conn.send(protocol.gap(plan.channel, after=plan.after, first=plan.gap_first))
            after = plan.after
            while True:
                page = await self.store.messages_after(plan.channel, after, REPLAY_PAGE)
                for record in page:
                    if record.sender_id not in chatter.blocked:
                        await conn.send_replayed(
                            record.channel, record.id, protocol.message(record)
                        )
                if len(page) < REPLAY_PAGE:
                    break
                after = page[-1].id
        conn.release(None)
        # Messages taken back while away (their author, a moderator): the client drops them.
        held = {c: last for c, last in last_ids.items() if c in readable}
        for deleted in await self.own.resume_tombstones(held):
            conn.send(deleted)
        conn.send(protocol.synced(conn.seen.snapshot()))

    def disconnect(self, chatter: Chatter, conn: Connection) -> None:
        # A connection refused before it was attached (a resume whose name was taken
        # meanwhile) was never counted: the gauge must not go below the sockets open.
        if conn.counted:
            conn.counted = False
            metrics.CONNECTIONS.dec()
        if chatter.connection is not conn:
            return
        chatter.connection = None
        chatter.last_seen = self.clock()
        if not chatter.ended:
            self._start_grace(chatter)
            self.spawn(
                self.store.update_session(chatter.id, last_seen=chatter.last_seen), "last-seen"
            )

    # -- rooms ---------------------------------------------------------------------------
    def _room(self, chatter: Chatter, slug: str) -> Room:
        room = self.catalogue.get(slug, chatter.space)
        if room is None:
            raise ChatError(ErrorCode.ROOM_UNKNOWN)
        return room

    def _room_object(self, room: Room, chatter: Chatter) -> dict[str, object]:
        return {
            "slug": room.slug,
            "name": room.name,
            "space": room.space.value,
            "topic": room.topic,
            "count": self.presence.count(room.slug),
            "joined": room.slug in chatter.rooms,
        }

    def rooms(self, chatter: Chatter) -> list[dict[str, object]]:
        return [self._room_object(r, chatter) for r in self.catalogue.in_space(chatter.space)]

    def _users(self, chatter: Chatter, slug: str) -> list[dict[str, object]]:
        members = self.presence.members(slug)
        profiles = self.presence.profiles
        users = [profiles[m].public() for m in members if m not in chatter.blocked]
        users.sort(key=lambda u: str(u["pseudonym"]).casefold())
        return users

    def users(self, chatter: Chatter, slug: str) -> list[dict[str, object]]:
        self._room(chatter, slug)
        if slug not in chatter.rooms:
            raise ChatError(ErrorCode.NOT_IN_ROOM)
        return self._users(chatter, slug)

    async def join_room(self, chatter: Chatter, slug: str) -> None:
        room = self._room(chatter, slug)
        self.sanctions.check_reach(chatter)
        if self.safety is not None:
            self.safety.may_reach(chatter, room.space)
        conn = chatter.connection
        if conn is not None:
            conn.hold(room.channel)
        try:
            if slug not in chatter.rooms:
                chatter.rooms.add(slug)
                await self.store.add_membership(chatter.id, slug)
            if self.presence.enter(chatter.id, slug):
                self._publish_local_presence(slug, joined=chatter)
                if self.cluster is not None:
                    self.cluster.moved(chatter.id, "enter", slug)
            history = await self.store.messages_before(
                room.channel, None, self.settings.history_on_join
            )
            visible = [r for r in history if r.sender_id not in chatter.blocked]
            if conn is not None:
                if history:
                    conn.seen.first_time(room.channel, history[-1].id)
                conn.send(
                    protocol.joined(
                        room=self._room_object(room, chatter),
                        history=[protocol.message(r) for r in visible],
                        users=self._users(chatter, slug),
                    )
                )
        finally:
            if conn is not None:
                conn.release(room.channel)

    async def leave_room(self, chatter: Chatter, slug: str) -> None:
        self._room(chatter, slug)
        if slug in chatter.rooms:
            chatter.rooms.discard(slug)
            await self.store.remove_membership(chatter.id, slug)
        if self.presence.exit(chatter.id, slug):
            self._publish_local_presence(slug, left=chatter.profile.pseudonym)
            if self.cluster is not None:
                self.cluster.moved(chatter.id, "exit", slug)

    def _publish_local_presence(
        self, slug: str, *, joined: Chatter | None = None, left: str | None = None
    ) -> None:
        envelope = Envelope(
            protocol.presence(
                slug,
                self.presence.count(slug),
                joined=joined.public if joined is not None else None,
                left=left,
            ),
            room=slug,
            sender_id=joined.id if joined else None,
            echo=False,
        )
        self.spawn(self.bus.publish(envelope), "presence")

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

    async def _persist(self, record: MessageRecord) -> MessageRecord:
        retention = self.retention
        sidecar = retention.sidecar_for(record.sender_id) if retention is not None else None
        stored = await self.store.append_message(record, sidecar)
        if stored.id > self.heads.get(stored.channel, 0):
            self.heads[stored.channel] = stored.id
        if stored.id % 1000 == 0:
            self.spawn(self.store.trim_channel(stored.channel, self.settings.history_kept), "trim")
        return stored

    def _ack(self, chatter: Chatter, record: MessageRecord, ref: str | None) -> None:
        if chatter.connection is not None:
            chatter.connection.send(protocol.message_ack(ref, record.channel, record.id, record.ts))

    async def post(
        self, chatter: Chatter, slug: str, raw_text: str, ref: str | None = None
    ) -> MessageRecord | None:
        """Store and deliver a room message; None when safety held it for a moderator."""
        room = self._room(chatter, slug)
        if slug not in chatter.rooms or not self.presence.is_online(chatter.id):
            raise ChatError(ErrorCode.NOT_IN_ROOM)
        self.sanctions.check_post(chatter)
        text = clean_text(raw_text, self.settings.message_max_chars)
        self.rules.check_text(text)
        self._take_message_token(chatter)
        verdict = None
        if self.safety is not None:
            screened, verdict = await self.safety.screen(chatter, room.channel, text, ref)
            if screened is None:
                return None
            text = screened
        record = self._next_record(chatter, room.channel, text)
        record = await self._persist(record)
        metrics.MESSAGES.labels(kind="room").inc()
        self._ack(chatter, record, ref)
        await self._publish_message(record)
        if self.safety is not None and verdict is not None:
            await self._unless_cancelled(
                self.safety.after(chatter, room.channel, verdict, None, record.id),
                "safety-after",
                f"message {record.channel}#{record.id}",
            )
        return record

    async def _publish_message(self, record: MessageRecord) -> None:
        """Fan a stored message out: a room's online members, or a conversation's two sides."""
        if record.channel.startswith("room:"):
            envelope = Envelope(
                protocol.message(record),
                room=record.channel.removeprefix("room:"),
                channel=record.channel,
                message_id=record.id,
                sender_id=record.sender_id,
            )
        else:
            conv = self.conversations.get(record.channel.removeprefix("pm:"))
            if conv is None:
                # Not known to this process: stored, and delivered by the replay on resume.
                return
            envelope = Envelope(
                protocol.message(record),
                targets=(conv.initiator, conv.recipient),
                channel=record.channel,
                message_id=record.id,
                sender_id=record.sender_id,
            )
        await self.bus.publish(envelope)

    async def store_and_deliver(
        self, channel: str, sender_id: str, sender: str, text: str
    ) -> MessageRecord:
        """Store a message that was screened earlier (an approved held one) and deliver it."""
        record = MessageRecord(channel, 0, self.clock(), sender_id, sender, text)
        record = await self._persist(record)
        await self._publish_message(record)
        return record

    def _conversations_of(self, chatter: Chatter) -> list[Conversation]:
        return [self.conversations[c] for c in sorted(chatter.conversation_ids)]

    def _conversation_between(self, a: Chatter, b: Chatter) -> Conversation | None:
        for conv_id in a.conversation_ids & b.conversation_ids:
            return self.conversations[conv_id]
        return None

    def _conversation_object(self, conv: Conversation, viewer: str) -> dict[str, object]:
        other_id = conv.other(viewer)
        other = self.chatters.get(other_id)
        # A chatter held by another process is known here by its presence mirror.
        profile = other.profile if other is not None else self.presence.profiles.get(other_id)
        return {
            "id": conv.id,
            "with": profile.public() if profile is not None else None,
            "state": conv.state_for(viewer),
            "last_id": self.heads.get(conv.channel, 0),
        }

    def _my_conversation(self, chatter: Chatter, conv_id: str) -> Conversation:
        conv = self.conversations.get(conv_id)
        if conv is None or conv_id not in chatter.conversation_ids:
            raise ChatError(ErrorCode.CONVERSATION_UNKNOWN)
        return conv

    async def _partner(self, chatter: Chatter, to: str | None, conv_id: str | None) -> Chatter:
        if conv_id is not None:
            conv = self._my_conversation(chatter, conv_id)
            partner = await self.load_chatter(conv.other(chatter.id))
        elif to is not None:
            partner_id = self.presence.find(to, chatter.space)
            partner = await self.load_chatter(partner_id) if partner_id else None
        else:
            raise bad_field("to: give 'to' or 'conversation'")
        if partner is None or partner.id == chatter.id or partner.space is not chatter.space:
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
        partner = await self._partner(chatter, to, conv_id)
        self.sanctions.check_pm(chatter, partner)
        text = clean_text(raw_text, self.settings.message_max_chars)
        self.rules.check_text(text)
        conv = self._conversation_between(chatter, partner)
        if self.safety is not None:
            try:
                self.safety.check_reach(chatter, partner)
            except ChatError as refused:
                if refused.code is ErrorCode.PM_REFUSED:
                    channel = conv.channel if conv is not None else None
                    await self.safety.pursued(chatter, partner, text, channel)
                raise
        outcome = decide_pm(
            sender=chatter.id,
            sender_space=chatter.space,
            recipient_space=partner.space,
            conversation=conv,
            recipient_policy=partner.pm_policy,
            share_a_room=self.presence.share_a_room(chatter.id, partner.id),
            blocked_either_way=partner.id in chatter.blocked or partner.id in chatter.blocked_by,
        )
        now = self.clock()
        if outcome is PmOutcome.OPEN_REQUEST:
            if self.safety is not None:
                self.safety.check_new_conversation(chatter)
            wait = chatter.pm_bucket.take(now)
            if wait:
                raise ChatError(ErrorCode.PM_RATE_LIMITED, retry_after=wait)
        self._take_message_token(chatter)
        new_id = secrets.token_hex(8) if conv is None else conv.id
        verdict = None
        if self.safety is not None:
            screened, verdict = await self.safety.screen(
                chatter, f"pm:{new_id}", text, ref, recipient=partner
            )
            if screened is None:
                # Held: nobody was reached (a held first message opens no conversation).
                return None
            text = screened
        if outcome is PmOutcome.OPEN_REQUEST:
            conv = Conversation(new_id, chatter.id, partner.id, ConversationStatus.PENDING)
            await self.store.create_conversation(
                conv.id, chatter.id, partner.id, conv.status.value, now
            )
            self.conversations[conv.id] = conv
            chatter.conversation_ids |= {conv.id}
            partner.conversation_ids |= {conv.id}
            chatter.opened_pm += 1
            if self.cluster is not None:
                self.cluster.conversation(conv)
            await self._announce_conversation(conv, (chatter.id, partner.id))
        elif outcome is PmOutcome.ACCEPT_AND_SEND:
            assert conv is not None
            conv = await self._set_status(conv, ConversationStatus.ACCEPTED)
            await self._announce_conversation(conv, (chatter.id, partner.id))
        assert conv is not None
        record = self._next_record(chatter, conv.channel, text)
        record = await self._persist(record)
        metrics.MESSAGES.labels(kind="pm").inc()
        self._ack(chatter, record, ref)
        await self._publish_message(record)
        if self.safety is not None and verdict is not None:
            await self._unless_cancelled(
                self.safety.after(chatter, conv.channel, verdict, partner, record.id),
                "safety-after",
                f"message {record.channel}#{record.id}",
            )
        return record

    def conversations_of(self, chatter: Chatter) -> list[Conversation]:
        return self._conversations_of(chatter)

    async def set_conversation_status(
        self, conv: Conversation, status: ConversationStatus
    ) -> Conversation:
        return await self._set_status(conv, status)

    async def announce_conversation(self, conv: Conversation) -> None:
        await self._announce_conversation(conv, (conv.initiator, conv.recipient))

    async def _set_status(self, conv: Conversation, status: ConversationStatus) -> Conversation:
        updated = Conversation(conv.id, conv.initiator, conv.recipient, status)
        await self.store.set_conversation_status(conv.id, status.value, self.clock())
        self.conversations[conv.id] = updated
        if self.cluster is not None:
            self.cluster.conversation(updated)
        return updated

    async def _announce_conversation(self, conv: Conversation, viewers: Iterable[str]) -> None:
        for viewer in viewers:
            body = protocol.conversation(self._conversation_object(conv, viewer))
            await self.bus.publish(Envelope(body, targets=(viewer,)))

    async def typing(self, chatter: Chatter, conv_id: str) -> None:
        """ "X is writing", to the other side of an accepted private conversation only; at
        most one notice every TYPING_INTERVAL_S per chatter and conversation; nothing to
        someone who blocked the writer (the bus drops it). No text ever goes with it."""
        conv = self._my_conversation(chatter, conv_id)
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
        conv = self._my_conversation(chatter, conv_id)
        status = respond(conv, chatter.id, Decision(decision))
        if status is not conv.status:
            conv = await self._set_status(conv, status)
        if status is ConversationStatus.BLOCKED:
            partner = await self.load_chatter(conv.other(chatter.id))
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
        await self._announce_conversation(conv, viewers)

    async def set_pm_policy(self, chatter: Chatter, policy: str) -> None:
        chatter.pm_policy = PmPolicy(policy)
        await self.store.update_session(chatter.id, pm_policy=policy)
        if self.cluster is not None:
            self.cluster.policy(chatter.id, policy)

    # -- blocks --------------------------------------------------------------------------
    async def _find_by_name(self, chatter: Chatter, pseudonym: str) -> Chatter:
        found = self.presence.find(pseudonym, chatter.space)
        if found is None:
            # Offline chatters one has talked with privately can still be blocked.
            wanted = pseudonym_skeleton(pseudonym)
            for conv in self._conversations_of(chatter):
                other = self.chatters.get(conv.other(chatter.id))
                if other and pseudonym_skeleton(other.profile.pseudonym) == wanted:
                    found = other.id
        target = await self.load_chatter(found) if found is not None else None
        if target is None or found == chatter.id:
            raise ChatError(ErrorCode.USER_UNKNOWN)
        return target

    async def find_by_name(self, chatter: Chatter, pseudonym: str) -> Chatter:
        """Someone this chatter can name: online in their space, or a conversation partner."""
        return await self._find_by_name(chatter, pseudonym)

    async def block(self, chatter: Chatter, pseudonym: str) -> str:
        target = await self._find_by_name(chatter, pseudonym)
        await self._block(chatter, target)
        return target.profile.pseudonym

    async def _block(self, chatter: Chatter, target: Chatter) -> None:
        chatter.blocked |= {target.id}
        target.blocked_by |= {chatter.id}
        await self.store.add_block(chatter.id, target.id, self.clock())
        if self.cluster is not None:
            self.cluster.block(chatter.id, target.id, True)

    async def unblock(self, chatter: Chatter, pseudonym: str) -> str:
        wanted = pseudonym_skeleton(pseudonym)
        for blocked_id in list(chatter.blocked):
            target = await self.load_chatter(blocked_id)
            if target and pseudonym_skeleton(target.profile.pseudonym) == wanted:
                chatter.blocked -= {blocked_id}
                target.blocked_by -= {chatter.id}
                await self.store.remove_block(chatter.id, blocked_id)
                if self.cluster is not None:
                    self.cluster.block(chatter.id, blocked_id, False)
                return target.profile.pseudonym
        raise ChatError(ErrorCode.USER_UNKNOWN)

    def _pseudonyms(self, ids: Iterable[str]) -> list[str]:
        return [self.chatters[i].profile.pseudonym for i in ids if i in self.chatters]

    # -- reading ---------------------------------------------------------------------------
    def search(self, chatter: Chatter, prefix: str) -> list[dict[str, object]]:
        return [
            p.public()
            for p in self.presence.search(prefix, chatter.space)
            if self.presence.find(p.pseudonym, chatter.space) not in chatter.blocked
        ]

    async def history(
        self, chatter: Chatter, channel: str, before: int | None, limit: int
    ) -> list[bytes]:
        records = await self.history_records(chatter, channel, before, limit)
        return [protocol.message(r) for r in records if r.sender_id not in chatter.blocked]

    async def history_records(
        self, chatter: Chatter, channel: str, before: int | None, limit: int
    ) -> list[MessageRecord]:
        """A channel's messages before an id, only if this chatter may read the channel."""
        if channel.startswith("room:"):
            slug = channel.removeprefix("room:")
            self._room(chatter, slug)
            if slug not in chatter.rooms:
                raise ChatError(ErrorCode.NOT_IN_ROOM)
        elif channel.startswith("pm:"):
            self._my_conversation(chatter, channel.removeprefix("pm:"))
        else:
            raise bad_field("channel: must start with 'room:' or 'pm:'")
        return await self.store.messages_before(channel, before, limit)

    # -- delivery (every process, from the bus) ----------------------------------------------
    def deliver(self, envelope: Envelope) -> None:
        if envelope.room is not None:
            targets: Iterable[str] = self.presence.members(envelope.room)
        else:
            targets = envelope.targets
        chatters = self.chatters
        sender = envelope.sender_id
        data = envelope.frame
        count = 0
        if envelope.message_id is None:
            for target in targets:
                if not envelope.echo and target == sender:
                    continue
                chatter = chatters.get(target)
                if (
                    chatter is not None
                    and chatter.connection is not None
                    and (sender is None or sender not in chatter.blocked)
                ):
                    chatter.connection.send(data)
                    count += 1
        else:
            channel, message_id = envelope.channel or "", envelope.message_id
            for target in targets:
                chatter = chatters.get(target)
                if chatter is None or chatter.connection is None or sender in chatter.blocked:
                    continue
                chatter.connection.send_message(channel, message_id, data)
                count += 1
        metrics.DELIVERIES.inc(count)

    async def _counts_loop(self) -> None:
        while True:
            await asyncio.sleep(counts_interval(len(self.presence.profiles)))
            await self.broadcast_counts()

    async def broadcast_counts(self, batch: int = 500) -> None:
        """Push changed room counts to every online chatter of each space.

        Sent ``batch`` connections per event-loop tick: each connection costs one write,
        and 18,000 of them in one tick stalled every room for 100-200 ms every 2 s (seen
        with asyncio's slow-callback log during the evening-peak benchmark).
        """
        for space in Space:
            counts = {r.slug: self.presence.count(r.slug) for r in self.catalogue.in_space(space)}
            previous = self._counts_sent.get(space, {})
            # Only what changed: with 18,000 chatters the whole table every 2 s was ~126 MB
            # of writes (bench/README.md). A fresh client reads the full list from `rooms`.
            changed = {slug: n for slug, n in counts.items() if previous.get(slug) != n}
            if not changed:
                continue
            self._counts_sent[space] = counts
            data = protocol.counts(changed)
            targets = [c for c, p in self.presence.profiles.items() if p.space is space]
            for start in range(0, len(targets), batch):
                for chatter_id in targets[start : start + batch]:
                    chatter = self.chatters.get(chatter_id)
                    if chatter is not None and chatter.connection is not None:
                        chatter.connection.send(data)
                await asyncio.sleep(0)
