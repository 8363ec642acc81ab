"""The live chat: this process's chatters, their sessions and places, and how a stored
message reaches them. Everything here is done without judgement: the checks of what a
chatter asks (the wall, sanctions, safety, rate) are server/chat.py's, made before it
calls in here.

Owns, for one process:
- **Sessions**: a chatter loaded once from the store (``load_chatter``), authenticated by
  its token, admitted at a join, connected (welcome, then the replay of what was missed,
  then live), disconnected (a grace period before going offline), logged out.
- **Places**: presence and its notices, entering and leaving a room, the room counts.
- **Conversations**: their state and their objects for each side.
- **Messages**: stored with the connection data retention keeps (its sidecar), then fanned
  out on the bus (the room's members, or the conversation's two sides).

Rules:
- The state it changes is ``LiveState`` (server/state.py), through ``change``: the pure
  live state's ``apply`` (core/live.py), then, in a cluster, the same change announced to
  the other processes (server/cluster.py), which apply it the same way. A logout
  announced by another process is carried out here.
- Ids: the store gives each message the next id of its channel in the transaction that
  stores it (shared by every process on one database); ``state.heads`` is this process's
  view of the last id per channel, for conversation objects and a lone process's resume.
- Background work (room counts, grace timers, side jobs such as a trim or a presence
  notice) starts from ``tasks`` (causette/tasks.py): owned, failures logged, closed and
  awaited by the chat service's ``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from causette.bus import Bus, Envelope
from causette.core.consent import Conversation, ConversationStatus, PmPolicy
from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.geography import department
from causette.core.identity import Gender, Profile, Space, pseudonym_skeleton
from causette.core.keys import device_hash, token_hash
from causette.core.live import (
    Applied,
    BlockSet,
    Change,
    ConversationSet,
    Entered,
    Facts,
    Left,
    Loaded,
    LoggedOut,
    Offline,
    Online,
    PolicySet,
)
from causette.core.ratelimit import TokenBucket, per_hour, per_minute
from causette.core.resume import plan_resume
from causette.core.rooms import Catalogue, Room
from causette.server import metrics, protocol
from causette.server.chatter import Chatter
from causette.server.connection import Connection
from causette.server.keepalive import Keepalive
from causette.server.protocol import CloseCode
from causette.server.state import LiveState
from causette.settings import Settings
from causette.store import MessageRecord, SessionRecord, SqlStore
from causette.store.devices import DeviceStore
from causette.store.own_data import OwnDataStore
from causette.store.sql import ChatterRows
from causette.tasks import TaskOwner

if TYPE_CHECKING:
    from causette.server.ports import Processes
    from causette.server.retention import Retention

REPLAY_PAGE = 500

# The control event that ends a session on every process (its socket may be held elsewhere).
LOGOUT_TOPIC = LoggedOut.KIND

# Room counts cost one write per online chatter each time they change: at most this many
# such writes per second, so a crowded evening does not spend its CPU on counters.
COUNTS_WRITES_PER_S = 2000
COUNTS_MIN_INTERVAL_S, COUNTS_MAX_INTERVAL_S = 2.0, 10.0


def counts_interval(online: int) -> float:
    """Seconds between room-count pushes: every 2 s up to 4,000 connections, then slower
    (10 s at 20,000): counts stay live, their writes stay within the budget."""
    wanted = online / COUNTS_WRITES_PER_S
    return min(COUNTS_MAX_INTERVAL_S, max(COUNTS_MIN_INTERVAL_S, wanted))


class LiveChat:
    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue,
        store: SqlStore,
        bus: Bus,
        state: LiveState,
        retention: Retention,
        cluster: Processes,
        *,
        read_flags: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.store = store
        self.bus = bus
        self.state = state
        self.retention = retention
        # Several processes on Redis (server/cluster.py), or this one alone
        # (server/single_process.py).
        self.cluster = cluster
        # Whether a chatter loaded from the store comes with its safety flags (the engine
        # is on).
        self.read_flags = read_flags
        self.clock = clock
        self.presence = state.presence
        self.chatters = state.chatters
        self.conversations = state.conversations
        # What a device is remembered for: under-15 refusals, move-outs, its space.
        self.devices = DeviceStore(store)
        # Messages taken back while a client was away (store/own_data.py).
        self.tombstones = OwnDataStore(store)
        self._id_by_token_hash: dict[str, str] = {}
        self._loading: dict[str, asyncio.Future[Chatter | None]] = {}
        self._counts_sent: dict[Space, dict[str, int]] = {}
        # Everything this process's chat runs in the background (counts, grace timers,
        # side jobs).
        self.tasks = TaskOwner("chat")
        self.keepalive = Keepalive(state.connections, settings.keepalive_s)
        # A graceful stop has begun: a socket still connecting is closed with 1001 at once.
        self.draining = False

    def spawn(self, job: Coroutine[Any, Any, Any], name: str) -> asyncio.Future[Any]:
        """Run a side job (a presence notice, a trim): owned, its failure logged, given a
        moment to land when the service closes."""
        return self.tasks.spawn(job, name=name, finish=True)

    async def unless_cancelled(
        self, job: Coroutine[Any, Any, Any], name: str, context: str
    ) -> None:
        """Await a job that must finish even if the sender's connection goes away (an alert
        must not be lost because the one who triggered it closed the tab). Should it fail
        after its waiter is gone, the owner logs it with ``context``."""
        await asyncio.shield(self.tasks.spawn(job, name=name, finish=True, context=context))

    # -- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Read each channel's last id; in a cluster, hear the logouts of the others."""
        self.state.heads.update(await self.store.channel_heads())
        self.cluster.on(LOGOUT_TOPIC, self._logged_out_elsewhere)

    def start_background(self) -> None:
        self.tasks.spawn(self._counts_loop(), name="room-counts")
        self.keepalive.start()

    # One budget split between two phases (flush, then close handshakes): a caller's
    # asyncio.timeout could not split it.
    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109
        """A graceful stop (SIGTERM, a rolling restart): hand every queued frame to its
        socket, then close each with 1001 so clients reconnect at once (to another process
        of a cluster, or to this one once restarted) and resume from their last ids; all
        within ``timeout`` seconds, whatever a slow peer does. Every acknowledged message
        is already stored: nothing is lost by stopping here."""
        self.draining = True
        connections = list(self.state.connections())
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

    async def close_connections(self) -> None:
        """The first step of a shutdown: no more pings, no grace timer, every socket closed."""
        await self.keepalive.stop()
        for chatter in list(self.chatters.values()):
            if chatter.grace is not None:
                chatter.grace.cancel()
            if chatter.connection is not None:
                chatter.connection.close(CloseCode.GOING_AWAY, "server shutting down")

    # -- a chatter's record ------------------------------------------------------------------
    @property
    def device_memory_s(self) -> float:
        return self.settings.device_memory_hours * 3600.0

    def device_hash(self, device_token: str) -> str:
        return device_hash(self.settings.signing_key(), device_token)

    def msg_bucket(self) -> TokenBucket:
        return per_minute(self.settings.msg_burst, self.settings.msg_per_minute)

    def pm_bucket(self) -> TokenBucket:
        return per_hour(self.settings.new_pm_per_hour)

    @staticmethod
    def _session_record(chatter: Chatter) -> SessionRecord:
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
    async def admit(self, chatter: Chatter) -> None:
        """A new chatter, checked by the join: its name held, its session stored, online
        here (its grace period runs until it connects)."""
        # Claim the name before the write so two joins racing for it cannot both win.
        await self.cluster.claim_name(chatter.id, chatter.profile)
        self.state.apply(Online(chatter.id, chatter.profile))
        try:
            await self.store.create_session(self._session_record(chatter))
        except Exception:
            self.state.apply(Offline(chatter.id))
            raise
        self.cluster.online(chatter.id)
        self._hold(chatter, Loaded(chatter.id, chatter.pm_policy))
        self._start_grace(chatter)

    async def authenticate(self, token: str | None, device_token: str | None = None) -> Chatter:
        """The live chatter behind a token, or ``not_authenticated``."""
        if not token or len(token) > 128:
            raise ChatError(ErrorCode.NOT_AUTHENTICATED)
        digest = token_hash(token)
        chatter_id = self._id_by_token_hash.get(digest)
        if chatter_id is None:
            # Not held here (a resume from a process that died): the session and its state
            # in one read, not read again by connect.
            chatter = await self._load_by_token(digest)
        else:
            chatter = await self.load_chatter(chatter_id)
            if chatter is not None:
                chatter.fresh = False  # read for a resume that never connected: not now
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
            read = await self._read_chatter(chatter_id)
            chatter = None
            if read is not None:
                chatter, loaded = read
                self._hold(chatter, loaded)
            future.set_result(chatter)
            return chatter
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: the caller re-raises it below
            raise
        finally:
            del self._loading[chatter_id]

    async def _load_by_token(self, digest: str) -> Chatter | None:
        rows = await self.store.chatter_rows(token_hash=digest, flags=self.read_flags)
        if rows is None:
            return None
        chatter_id = rows.record.id
        # Held meanwhile (two resumes of one chatter, or a load by id): that one is it.
        pending = self._loading.get(chatter_id)
        if pending is not None:
            return await pending
        chatter = self.chatters.get(chatter_id)
        if chatter is None:
            chatter, loaded = self._chatter_of(rows)
            self._hold(chatter, loaded)
            chatter.fresh = True
        return chatter

    def _hold(self, chatter: Chatter, loaded: Loaded) -> None:
        """The chatter is held here from now on, its facts the live state's."""
        self.state.apply(loaded)
        facts = self.state.facts.facts(chatter.id)
        assert facts is not None
        chatter.facts = facts
        self.chatters[chatter.id] = chatter
        self._id_by_token_hash[chatter.token_hash] = chatter.id

    def change(self, change: Change) -> Applied:
        """Change the live state, and tell the other processes of a cluster the same."""
        applied = self.state.apply(change)
        self.cluster.announce(change)
        return applied

    async def _read_chatter(self, chatter_id: str) -> tuple[Chatter, Loaded] | None:
        rows = await self.store.chatter_rows(chatter_id=chatter_id, flags=self.read_flags)
        return None if rows is None else self._chatter_of(rows)

    def _chatter_of(self, rows: ChatterRows) -> tuple[Chatter, Loaded]:
        record, chatter_id = rows.record, rows.record.id
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
        rooms = {slug for slug in rows.rooms if self.catalogue.get(slug, space) is not None}
        conversations = tuple(
            Conversation(conv_id, initiator, recipient, ConversationStatus(status))
            for conv_id, initiator, recipient, status in rows.conversations
        )
        loaded = Loaded(
            chatter_id,
            PmPolicy(record.pm_policy),
            rooms=frozenset(rooms),
            blocked=rows.blocked,
            blocked_by=rows.blocked_by,
            conversations=conversations,
            flags=rows.flags,
            ended=record.ended_at is not None,
        )
        chatter = Chatter(
            id=record.id,
            profile=profile,
            lang=record.lang,
            device_hash=record.device_hash,
            token_hash=record.token_hash,
            created_at=record.created_at,
            last_seen=record.last_seen,
            msg_bucket=self.msg_bucket(),
            pm_bucket=self.pm_bucket(),
            # Held by the live state once loaded (``_hold``).
            facts=Facts(loaded.pm_policy),
            device_key=record.device_key or "",
            ip_key=record.ip_key or "",
        )
        return chatter, loaded

    async def logout(
        self,
        chatter: Chatter,
        close_code: CloseCode = CloseCode.NOT_AUTHENTICATED,
        *,
        everywhere: bool = False,
    ) -> None:
        """End the session here; ``everywhere``: also on the process that may hold its
        socket (a logout or an erasure asked over HTTP)."""
        now = self.clock()
        self.state.apply(LoggedOut(chatter.id))
        await self.store.update_session(chatter.id, ended_at=now, last_seen=now)
        if close_code is CloseCode.UNDER_15:
            # Whatever age the next form says, this device waits (core/devices.py).
            await self.devices.remember_under_15(chatter.device_hash, now + self.device_memory_s)
        if chatter.connection is not None:
            chatter.connection.close(close_code, "session ended")
            chatter.connection = None
        self.go_offline(chatter)
        if everywhere:
            self.cluster.announce(LoggedOut(chatter.id))

    def _logged_out_elsewhere(self, body: dict[str, Any]) -> None:
        """Another process ended a session whose socket may be held here."""
        change = LoggedOut.from_dict(body)
        self.state.apply(change)
        chatter = self.chatters.get(change.id)
        if chatter is not None:
            if chatter.connection is not None:
                chatter.connection.close(CloseCode.NOT_AUTHENTICATED, "logged out")
                chatter.connection = None
            self.go_offline(chatter)

    # -- connections and presence --------------------------------------------------------
    def _start_grace(self, chatter: Chatter) -> None:
        if chatter.grace is not None:
            chatter.grace.cancel()
        chatter.grace = self.tasks.later(self.settings.presence_grace_s, self.go_offline, chatter)

    def go_offline(self, chatter: Chatter) -> None:
        """The chatter leaves presence now, unless a connection holds them (the end of
        the grace period, a logout, a ban); the others in their rooms see them leave."""
        if chatter.grace is not None:
            chatter.grace.cancel()
            chatter.grace = None
        if chatter.connection is not None:
            return
        if not self.cluster.owns(chatter.id):
            return  # another process holds this chatter now
        self.cluster.offline(chatter.id, chatter.profile)
        for slug in self.state.apply(Offline(chatter.id)).left:
            self.publish_presence(slug, left=chatter.profile.pseudonym)

    async def connect(self, chatter: Chatter, conn: Connection, last_ids: dict[str, int]) -> None:
        """Attach a connection: welcome, replay what was missed, then go live (or, once the
        process is stopping, close it with 1001 at once: the client resumes elsewhere).
        A connection already closed (its client left while its resume waited) takes
        nothing over: not the name, not a socket the client opened since."""
        if conn.closed:
            return
        if self.draining:
            conn.close(CloseCode.GOING_AWAY, "server restarting")
            return
        if chatter.connection is not None:
            chatter.connection.close(CloseCode.REPLACED, "session opened elsewhere")
        if chatter.grace is not None:
            chatter.grace.cancel()
            chatter.grace = None
        cluster = self.cluster
        fresh, chatter.fresh = chatter.fresh, False
        if not self.presence.is_online(chatter.id) or not cluster.owns(chatter.id):
            taken = not self.presence.name_is_free(chatter.profile.pseudonym, chatter.id)
            if not taken:
                # Held here from now on: fresh state (read once: a chatter this resume read
                # from the store is), the name taken over cluster-wide.
                if not fresh:
                    await cluster.refresh(chatter)
                try:
                    await cluster.claim_name(chatter.id, chatter.profile)
                except ChatError:
                    taken = True
            if taken:
                self.state.apply(LoggedOut(chatter.id))
                await self.store.update_session(chatter.id, ended_at=self.clock())
                raise ChatError(ErrorCode.PSEUDONYM_TAKEN)
            online = Online(chatter.id, chatter.profile, chatter.rooms)
            for slug in self.state.apply(online).entered:
                self.publish_presence(slug, joined=chatter)
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
            self.room_object(r, chatter)
            for r in self.catalogue.in_space(chatter.space)
            if r.slug in chatter.rooms
        ]
        return protocol.welcome(
            me=chatter.me(),
            rooms=rooms,
            pm_policy=chatter.pm_policy.value,
            blocked=sorted(self._pseudonyms(chatter.blocked)),
            conversations=[
                self.conversation_object(c, chatter.id) for c in self.conversations_of(chatter)
            ],
        )

    def _pseudonyms(self, ids: Iterable[str]) -> list[str]:
        return [self.chatters[i].profile.pseudonym for i in ids if i in self.chatters]

    async def _replay(self, chatter: Chatter, conn: Connection, last_ids: dict[str, int]) -> None:
        """What was missed, from the store, then ``synced``; no more reads once the
        connection is closed (a client gone: a storm's reads are for those still there)."""
        readable = [f"room:{slug}" for slug in chatter.rooms]
        readable += [self.conversations[c].channel for c in chatter.conversation_ids]
        # The client's own positions are its floor: what it already has is never resent.
        for channel, last in last_ids.items():
            if channel in readable:
                conn.seen.first_time(channel, last)
        if self.cluster.alone:
            # One process writes every message, so its own heads are the store's: no query
            # per resume (a reconnect storm is 10,000 of them).
            known = self.state.heads
            heads = {c: known[c] for c in readable if c in known}
        else:
            heads = await self.store.channel_heads(readable)
        candidates = [c for c in readable if heads.get(c, 0) > last_ids.get(c, 0)]
        first_kept = await self.store.first_kept(candidates)
        for plan in plan_resume(last_ids, readable, heads, first_kept):
            if plan.gap_first is not None:
                conn.send(protocol.gap(plan.channel, after=plan.after, first=plan.gap_first))
            after = plan.after
            while not conn.closed:
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
        if conn.closed:
            return
        # Messages taken back while away (their author, a moderator): the client drops them.
        held = {c: last for c, last in last_ids.items() if c in readable}
        for channel, message_id, by in await self.tombstones.tombstones(held):
            conn.send(protocol.deleted(channel, message_id, by))
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
    def room(self, chatter: Chatter, slug: str) -> Room:
        """A room of the chatter's space, or ``room_unknown``."""
        room = self.catalogue.get(slug, chatter.space)
        if room is None:
            raise ChatError(ErrorCode.ROOM_UNKNOWN)
        return room

    def room_object(self, room: Room, chatter: Chatter) -> dict[str, object]:
        return {
            "slug": room.slug,
            "name": room.name,
            "space": room.space.value,
            "topic": room.topic,
            "count": self.presence.count(room.slug),
            "joined": room.slug in chatter.rooms,
        }

    def members(self, chatter: Chatter, slug: str) -> list[dict[str, object]]:
        """Who is in a room, as this chatter sees them (not those they blocked), by name."""
        members = self.presence.members(slug)
        profiles = self.presence.profiles
        users = [profiles[m].public() for m in members if m not in chatter.blocked]
        users.sort(key=lambda u: str(u["pseudonym"]).casefold())
        return users

    async def enter_room(self, chatter: Chatter, slug: str) -> None:
        """The chatter is a member of the room, and in it: the others see them arrive."""
        if slug not in chatter.rooms:
            await self.store.add_membership(chatter.id, slug)
        if self.state.apply(Entered(chatter.id, slug)).entered:
            self.publish_presence(slug, joined=chatter)
            self.cluster.moved(Entered(chatter.id, slug))

    async def leave_room(self, chatter: Chatter, slug: str) -> None:
        self.room(chatter, slug)
        if slug in chatter.rooms:
            await self.store.remove_membership(chatter.id, slug)
        if self.state.apply(Left(chatter.id, slug)).left:
            self.publish_presence(slug, left=chatter.profile.pseudonym)
            self.cluster.moved(Left(chatter.id, slug))

    def publish_presence(
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

    # -- messages ------------------------------------------------------------------------
    async def persist(self, record: MessageRecord, sender: Chatter | None) -> MessageRecord:
        """Store a message (its sender's connection data with it), id assigned, durable."""
        stored = await self.store.append_message(record, self.retention.sidecar_for(sender))
        heads = self.state.heads
        if stored.id > heads.get(stored.channel, 0):
            heads[stored.channel] = stored.id
        if stored.id % 1000 == 0:
            self.spawn(self.store.trim_channel(stored.channel, self.settings.history_kept), "trim")
        return stored

    async def publish_message(self, record: MessageRecord) -> None:
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
        record = await self.persist(record, self.chatters.get(sender_id))
        await self.publish_message(record)
        return record

    async def history_records(
        self, chatter: Chatter, channel: str, before: int | None, limit: int
    ) -> list[MessageRecord]:
        """A channel's messages before an id, only if this chatter may read the channel."""
        if channel.startswith("room:"):
            slug = channel.removeprefix("room:")
            self.room(chatter, slug)
            if slug not in chatter.rooms:
                raise ChatError(ErrorCode.NOT_IN_ROOM)
        elif channel.startswith("pm:"):
            self.my_conversation(chatter, channel.removeprefix("pm:"))
        else:
            raise bad_field("channel: must start with 'room:' or 'pm:'")
        return await self.store.messages_before(channel, before, limit)

    # -- conversations -------------------------------------------------------------------
    def conversations_of(self, chatter: Chatter) -> list[Conversation]:
        return [self.conversations[c] for c in sorted(chatter.conversation_ids)]

    def conversation_between(self, a: Chatter, b: Chatter) -> Conversation | None:
        for conv_id in a.conversation_ids & b.conversation_ids:
            return self.conversations[conv_id]
        return None

    def my_conversation(self, chatter: Chatter, conv_id: str) -> Conversation:
        """One of the chatter's conversations, or ``conversation_unknown``."""
        conv = self.conversations.get(conv_id)
        if conv is None or conv_id not in chatter.conversation_ids:
            raise ChatError(ErrorCode.CONVERSATION_UNKNOWN)
        return conv

    def conversation_object(self, conv: Conversation, viewer: str) -> dict[str, object]:
        other_id = conv.other(viewer)
        other = self.chatters.get(other_id)
        # A chatter held by another process is known here by its presence mirror.
        profile = other.profile if other is not None else self.presence.profiles.get(other_id)
        return {
            "id": conv.id,
            "with": profile.public() if profile is not None else None,
            "state": conv.state_for(viewer),
            "last_id": self.state.heads.get(conv.channel, 0),
        }

    async def open_conversation(
        self, conv: Conversation, a: Chatter, b: Chatter, now: float
    ) -> None:
        """A new conversation between two chatters, stored and known to both."""
        await self.store.create_conversation(
            conv.id, conv.initiator, conv.recipient, conv.status.value, now
        )
        self.change(ConversationSet(conv))

    async def set_conversation_status(
        self, conv: Conversation, status: ConversationStatus
    ) -> Conversation:
        updated = Conversation(conv.id, conv.initiator, conv.recipient, status)
        await self.store.set_conversation_status(conv.id, status.value, self.clock())
        self.change(ConversationSet(updated))
        return updated

    async def announce_conversation(
        self, conv: Conversation, viewers: Iterable[str] | None = None
    ) -> None:
        """Its object to each viewer (both sides unless told), wherever their socket is."""
        for viewer in viewers if viewers is not None else (conv.initiator, conv.recipient):
            body = protocol.conversation(self.conversation_object(conv, viewer))
            await self.bus.publish(Envelope(body, targets=(viewer,)))

    # -- what a chatter sets -------------------------------------------------------------------
    async def set_pm_policy(self, chatter: Chatter, policy: PmPolicy) -> None:
        await self.store.update_session(chatter.id, pm_policy=policy.value)
        self.change(PolicySet(chatter.id, policy))

    async def set_block(self, chatter: Chatter, target: Chatter, on: bool) -> None:
        if on:
            await self.store.add_block(chatter.id, target.id, self.clock())
        else:
            await self.store.remove_block(chatter.id, target.id)
        self.change(BlockSet(chatter.id, target.id, on))

    # -- names -----------------------------------------------------------------------------
    async def find_by_name(self, chatter: Chatter, pseudonym: str) -> Chatter:
        """Someone this chatter can name: online in their space, or a conversation partner."""
        found = self.presence.find(pseudonym, chatter.space)
        if found is None:
            # Offline chatters one has talked with privately can still be blocked.
            wanted = pseudonym_skeleton(pseudonym)
            for conv in self.conversations_of(chatter):
                other = self.chatters.get(conv.other(chatter.id))
                if other and pseudonym_skeleton(other.profile.pseudonym) == wanted:
                    found = other.id
        target = await self.load_chatter(found) if found is not None else None
        if target is None or found == chatter.id:
            raise ChatError(ErrorCode.USER_UNKNOWN)
        return target
