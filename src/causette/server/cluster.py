"""Several server processes, one chat: what a process shares through Redis and the bus.

Owns, for one process on a Redis bus:
- **Names**: a pseudonym is held cluster-wide by ``SET`` on ``<prefix>name:<skeleton>`` =
  ``<chatter id>:<process>`` (a Lua check-and-set), with a TTL the owning process refreshes
  while the chatter is online or in grace. A process that dies frees its names after
  ``cluster_ttl_s``; the same chatter may take its own name over from another process.
- **The presence mirror**: ``LiveState.presence`` (server/state.py, the pure core
  ``Presence``) becomes the view of the whole cluster. Each process announces its own
  chatters (``online``, ``offline``, ``enter``, ``exit`` control events on the bus) and
  keeps a snapshot in Redis (``<prefix>online:<id>``, TTL) that a starting or reconnecting
  process reads. ``owner`` says which process holds each online chatter; only the owner
  takes a chatter offline.
- **The live state's changes** (core/live.py): presence (``online``, ``offline``,
  ``enter``, ``exit``), blocks, conversations and PM policies travel as control events,
  each the ``to_dict`` of a change; a process decodes one and hands it to the same
  ``LiveState.apply`` its own changes go through, at once, before the frames published
  after them. What is the shell's stays here: which process holds whom (``owner``), a
  local session closed when its chatter resumed elsewhere, notices for a dead process.
- **Control events of other parts** (sanctions, rule lists, the desk, a logout): each part
  subscribes with ``on(kind, handler)`` and sends with ``broadcast``; this module knows
  their kinds, not their meaning.
- **Order of messages**: the ``Sequencer`` delivers each channel's messages in id order,
  exactly once per process, whatever order the bus brings them in; a hole is filled from
  the store, where every acknowledged message already is
  (docs/decisions/005-message-ids-across-processes.md). core/sequencer.py decides; the
  shell here reads the store and delivers.
- **Its tasks** (refresh loop, fills, snapshot writes) belong to one ``TaskOwner``, closed
  and awaited in ``close()``.

It is handed the process's live state (server/state.py) and the store, never the chat
service: the chat is built on top of it (server/app.py).

Redis down: names fall back to this process's mirror (best effort), control events are
lost; when Redis returns, the mirror is rebuilt from the snapshots and every channel is
caught up from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from redis.exceptions import RedisError

from causette.bus import Envelope
from causette.bus.redis import RedisBus
from causette.core import live as changes
from causette.core import sequencer
from causette.core.consent import Conversation, ConversationStatus, PmPolicy
from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import Profile, Space, pseudonym_skeleton
from causette.core.live import (
    BlockSet,
    Change,
    ConversationSet,
    Entered,
    Left,
    Offline,
    Online,
    PolicySet,
    Refreshed,
)
from causette.core.rooms import Catalogue
from causette.server import metrics, protocol
from causette.server.protocol import CloseCode
from causette.server.state import LiveState
from causette.store import SqlStore
from causette.tasks import TaskOwner

if TYPE_CHECKING:
    from causette.server.chatter import Chatter

log = logging.getLogger(__name__)

# Chatters per slice of the periodic presence refresh and resync (one loop turn each).
REFRESH_SLICE = 1000

_CLAIM = """
local v = redis.call('GET', KEYS[1])
if (not v) or string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. ':' then
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Sequencer:
    """The shell around core/sequencer.py: per channel, delivers what it says is ready,
    reads the store for the holes it names, and keeps ``live.heads`` up to date."""

    def __init__(self, live: LiveState, store: SqlStore, tasks: TaskOwner) -> None:
        self.live = live
        self.store = store
        self.tasks = tasks
        self.order: sequencer.Sequencer[Envelope] = sequencer.Sequencer()
        self.filled = 0

    def start_from(self, heads: dict[str, int]) -> None:
        self.order.start_from(heads)

    def offer(self, envelope: Envelope) -> None:
        channel, message_id = envelope.channel or "", envelope.message_id or 0
        ready, fill_at = self.order.offer(channel, message_id, envelope, self._now())
        for early in ready:
            self._deliver(channel, early)
        if fill_at is not None:
            self._start_fill(channel, fill_at)

    def _deliver(self, channel: str, envelope: Envelope) -> None:
        message_id = envelope.message_id or 0
        heads = self.live.heads
        if message_id > heads.get(channel, 0):
            heads[channel] = message_id
        self.live.deliver(envelope)

    def fill(self, channel: str, *, upto: int = 0) -> None:
        """Deliver from the store what precedes the held-back messages (and up to ``upto``)."""
        fill_at = self.order.fill(channel, self._now(), upto=upto)
        if fill_at is not None:
            self._start_fill(channel, fill_at)

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _start_fill(self, channel: str, fill_at: float) -> None:
        self.tasks.spawn(self._fill(channel, fill_at), name=f"fill-{channel}")

    async def _fill(self, channel: str, fill_at: float) -> None:
        try:
            wait = fill_at - self._now()
            if wait > 0:
                await asyncio.sleep(wait)
            while True:
                ready, hole = self.order.next_hole(channel)
                for envelope in ready:
                    self._deliver(channel, envelope)
                if hole is None:
                    return
                page = await self.store.messages_after(channel, hole.after, hole.limit)
                by_id = {record.id: record for record in page}
                for message_id in self.order.filled(hole, by_id):
                    record = by_id[message_id]
                    self.filled += 1
                    metrics.BUS_FILLED.inc()
                    self._deliver(
                        channel,
                        self.route(channel, record.id, record.sender_id, protocol.message(record)),
                    )
        except Exception:
            log.exception("sequencer: filling %s failed", channel)
        finally:
            self.order.fill_stopped(channel)

    def route(self, channel: str, message_id: int, sender_id: str, data: bytes) -> Envelope:
        if channel.startswith("room:"):
            return Envelope(
                data,
                room=channel.removeprefix("room:"),
                channel=channel,
                message_id=message_id,
                sender_id=sender_id,
            )
        conv = self.live.conversations.get(channel.removeprefix("pm:"))
        targets = (conv.initiator, conv.recipient) if conv else ()
        return Envelope(
            data, targets=targets, channel=channel, message_id=message_id, sender_id=sender_id
        )

    async def catch_up(self) -> None:
        """After an outage: every channel the store is ahead on, filled from the store."""
        heads = await self.store.channel_heads()
        for channel, head in heads.items():
            if head > self.order.delivered(channel):
                self.fill(channel, upto=head)


class Cluster:
    # Other processes share the chat (server/single_process.py: the lone one).
    alone = False

    def __init__(
        self,
        live: LiveState,
        store: SqlStore,
        catalogue: Catalogue,
        bus: RedisBus,
        prefix: str,
        ttl: float,
    ) -> None:
        self.live = live
        self.store = store
        self.catalogue = catalogue
        self.bus = bus
        self.redis = bus.client
        self.prefix = prefix
        self.me = bus.origin
        self.ttl = ttl
        self.owner: dict[str, str] = {}
        self.tasks = TaskOwner("cluster")
        self.sequencer = Sequencer(live, store, self.tasks)
        self._claim = self.redis.register_script(_CLAIM)
        self._release = self.redis.register_script(_RELEASE)
        # Control events that other parts of the server handle (``on``).
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {}
        bus.on_reconnect.append(self._reconnected)
        bus.on_health.append(lambda up: metrics.REDIS_UP.set(1 if up else 0))

    # -- life cycle -------------------------------------------------------------------
    async def start(self) -> None:
        self.sequencer.start_from(await self.store.channel_heads())
        await self.bus.start(self.deliver)
        metrics.REDIS_UP.set(1 if self.bus.healthy else 0)
        with contextlib.suppress(RedisError, OSError):
            await self.resync()
        self.tasks.spawn(self._refresh_loop(), name="refresh")

    async def close(self) -> None:
        await self.tasks.close()

    def status(self) -> dict[str, object]:
        return {
            "redis": "up" if self.bus.healthy else "down",
            "process": self.me,
            "published": self.bus.published,
            "received": self.bus.received,
            "dropped": self.bus.dropped,
            "outages": self.bus.outages,
            "filled_from_store": self.sequencer.filled,
        }

    async def _reconnected(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._refresh_owned()
            # Redis may have restarted empty and the others may not have rewritten their
            # snapshots yet: add what is there, drop nothing now (the periodic resync will).
            await self.resync(drop=False)
        for chatter_id in [c for c, p in self.owner.items() if p == self.me]:
            self._announce(chatter_id, "online")
        await self.sequencer.catch_up()
        # Blocks, conversations and policies changed elsewhere during the outage were
        # announced to nobody: re-read every chatter this process holds a copy of.
        chatters = list(self.live.chatters.values())
        for start in range(0, len(chatters), 50):
            await asyncio.gather(
                *(self.refresh(c) for c in chatters[start : start + 50]), return_exceptions=True
            )

    # -- delivery ---------------------------------------------------------------------
    def deliver(self, envelope: Envelope) -> None:
        if envelope.control is not None:
            try:
                self._control(envelope.control, orjson.loads(envelope.frame))
            except Exception:
                log.exception("cluster: control event %s failed", envelope.control)
        elif envelope.message_id is not None and envelope.channel:
            self.sequencer.offer(envelope)
        else:
            self.live.deliver(envelope)

    def _publish(self, kind: str, **body: Any) -> None:
        body["proc"] = self.me
        # Queued now, not from a task: a state change must reach the other processes before
        # the frames that depend on it (a conversation's acceptance before its `conversation`
        # event; else an immediate answer found `conversation_unknown`).
        self.bus.send(Envelope(orjson.dumps(body), control=kind))

    def on(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Hand the other processes' control events of this kind to ``handler`` (one per
        kind: the part of the server that owns it)."""
        self._handlers[kind] = handler

    def broadcast(self, kind: str, **body: Any) -> None:
        """A control event for the handler of ``kind`` on each of the other processes."""
        self._publish(kind, **body)

    # -- names ------------------------------------------------------------------------
    def _name_key(self, pseudonym: str) -> str:
        return f"{self.prefix}name:{pseudonym_skeleton(pseudonym)}"

    async def claim_name(self, chatter_id: str, profile: Profile) -> None:
        """Hold the name cluster-wide, or ``pseudonym_taken``. Redis down: local rule only."""
        if not self.bus.healthy:
            return
        try:
            ok = await self._claim(
                keys=[self._name_key(profile.pseudonym)],
                args=[chatter_id, self.me, int(self.ttl)],
            )
        except (RedisError, OSError):
            return
        if not ok:
            raise ChatError(ErrorCode.PSEUDONYM_TAKEN)

    async def spend_challenge(self, challenge: str, ttl: float) -> None:
        """A proof-of-work challenge is single-use across the cluster: ``pow_invalid`` when
        another process already accepted it. Redis down: this process's own record only."""
        if not self.bus.healthy:
            return
        key = f"{self.prefix}pow:{hashlib.sha256(challenge.encode()).hexdigest()[:32]}"
        try:
            fresh = await self.redis.set(key, b"1", nx=True, ex=max(1, int(ttl) + 1))
        except (RedisError, OSError):
            return
        if not fresh:
            raise ChatError(ErrorCode.POW_INVALID)

    async def count_solved(self, now: float) -> int | None:
        """One more solved proof of work, counted across the cluster: the solved proofs of
        the last sixty seconds (the join-storm rate), or None when Redis is away.

        A sliding estimate over two clock-minute counters: this minute's count plus the
        previous minute's weighted by how much of it is still inside the window, so that
        a storm does not look calm just after the minute turns."""
        if not self.bus.healthy:
            return None
        minute, into = divmod(now, 60.0)
        key = f"{self.prefix}pow-solved:{int(minute)}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, 180)
                pipe.get(f"{self.prefix}pow-solved:{int(minute) - 1}")
                count, _, previous = await pipe.execute()
        except (RedisError, OSError):
            return None
        return int(count) + math.ceil(int(previous or 0) * (1.0 - into / 60.0))

    async def take_join(self, unit: str, per_hour: int, now: float) -> float:
        """Joins from one address (unit) per clock hour, counted across the cluster: the
        seconds to wait, or 0. Redis down: 0 (the process's own bucket still applies)."""
        return await self.take_hourly("joins", unit, per_hour, now)

    async def take_hourly(self, kind: str, unit: str, per_hour: int, now: float) -> float:
        """One of ``per_hour`` requests of a kind by one unit per clock hour, counted across
        the cluster: the seconds to wait, or 0. Redis down: 0 (local buckets still apply)."""
        if not self.bus.healthy:
            return 0.0
        window = int(now // 3600)
        key = f"{self.prefix}{kind}:{unit}:{window}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, 3700)
                count, _ = await pipe.execute()
        except (RedisError, OSError):
            return 0.0
        if int(count) > per_hour:
            return max(1.0, (window + 1) * 3600 - now)
        return 0.0

    def owns(self, chatter_id: str) -> bool:
        return self.owner.get(chatter_id) == self.me

    # -- this process's chatters --------------------------------------------------------
    def _online_body(self, chatter_id: str) -> dict[str, Any] | None:
        presence = self.live.presence
        profile = presence.profiles.get(chatter_id)
        if profile is None:
            return None
        online = Online(chatter_id, profile, frozenset(presence.rooms_of(chatter_id)))
        return {**online.to_dict(), "proc": self.me}

    def online(self, chatter_id: str) -> None:
        """This process now holds the chatter (joined, or connected here)."""
        self.owner[chatter_id] = self.me
        self._announce(chatter_id, "online")

    def moved(self, change: Entered | Left) -> None:
        """The chatter entered or left a room here."""
        if self.owns(change.id):
            self.announce(change)
            self.tasks.spawn(self._save_snapshot(change.id), name="snapshot", finish=True)

    def announce(self, change: Change) -> None:
        """A change of the live state made here, for the other processes to apply."""
        self._publish(change.KIND, **change.to_dict())

    def _announce(self, chatter_id: str, kind: str) -> None:
        body = self._online_body(chatter_id)
        if body is not None:
            self._publish(kind, **{k: v for k, v in body.items() if k != "proc"})
            self.tasks.spawn(self._save_snapshot(chatter_id), name="snapshot", finish=True)

    async def _save_snapshot(self, chatter_id: str) -> None:
        body = self._online_body(chatter_id)
        if body is None or not self.bus.healthy:
            return
        with contextlib.suppress(RedisError, OSError):
            await self.redis.set(
                f"{self.prefix}online:{chatter_id}", orjson.dumps(body), ex=int(self.ttl)
            )

    def offline(self, chatter_id: str, profile: Profile | None) -> None:
        """The chatter held here went offline (grace over, or logout)."""
        if self.owner.pop(chatter_id, None) != self.me:
            return
        self.announce(Offline(chatter_id))
        self.tasks.spawn(self._forget(chatter_id, profile), name="forget", finish=True)

    async def _forget(self, chatter_id: str, profile: Profile | None) -> None:
        if not self.bus.healthy:
            return
        with contextlib.suppress(RedisError, OSError):
            await self.redis.delete(f"{self.prefix}online:{chatter_id}")
            if profile is not None:
                await self._release(
                    keys=[self._name_key(profile.pseudonym)], args=[f"{chatter_id}:{self.me}"]
                )

    async def _refresh_owned(self) -> None:
        owned = [c for c, p in self.owner.items() if p == self.me]
        if not owned:
            return
        # In slices, each its own pipeline: 13,000 chatters in one pipeline were built and
        # parsed in one go, stalling the loop ~100-200 ms every few seconds (bench_scaleout).
        ttl = int(self.ttl)
        for start in range(0, len(owned), REFRESH_SLICE):
            async with self.redis.pipeline(transaction=False) as pipe:
                for chatter_id in owned[start : start + REFRESH_SLICE]:
                    body = self._online_body(chatter_id)
                    if body is None:
                        continue
                    pseudonym = body["p"][0]
                    pipe.set(self._name_key(pseudonym), f"{chatter_id}:{self.me}", ex=ttl)
                    pipe.set(f"{self.prefix}online:{chatter_id}", orjson.dumps(body), ex=ttl)
                await pipe.execute()

    async def _refresh_loop(self) -> None:
        beat = 0
        while True:
            await asyncio.sleep(self.ttl / 3)
            beat += 1
            if not self.bus.healthy:
                continue
            try:
                await self._refresh_owned()
                if beat % 3 == 0:
                    await self.resync()
            except (RedisError, OSError) as exc:
                log.warning("cluster: refresh failed: %s", exc)

    # -- other processes' chatters --------------------------------------------------------
    async def resync(self, *, drop: bool = True) -> None:
        """Rebuild the mirror of other processes' chatters from the Redis snapshots."""
        seen: dict[str, dict[str, Any]] = {}
        keys = [k async for k in self.redis.scan_iter(match=f"{self.prefix}online:*", count=1000)]
        for start in range(0, len(keys), 500):
            for raw in await self.redis.mget(keys[start : start + 500]):
                if raw is not None:
                    body = orjson.loads(raw)
                    seen[body["id"]] = body
        presence = self.live.presence
        gone = [c for c in presence.profiles if drop and not self.owns(c) and c not in seen]
        for chatter_id in gone:
            self._drop(chatter_id, notify=True)
        if gone:
            # Maybe a process died between a commit and its publish: what it stored and
            # never sent is in the store.
            self.tasks.spawn(self.sequencer.catch_up(), name="catch-up")
        for n, (chatter_id, body) in enumerate(seen.items(), 1):
            if body["proc"] != self.me and not self.owns(chatter_id):
                self._mirror(body)
            if n % REFRESH_SLICE == 0:
                await asyncio.sleep(0)  # let the rooms breathe between slices

    def _drop(self, chatter_id: str, *, notify: bool = False) -> None:
        """Forget another process's chatter; ``notify``: tell our clients in their rooms
        (a dead process could not say goodbye for them)."""
        self.owner.pop(chatter_id, None)
        presence = self.live.presence
        profile = presence.profiles.get(chatter_id)
        left = self.live.apply(Offline(chatter_id)).left
        if notify and profile is not None:
            for slug in left:
                notice = protocol.presence(slug, presence.count(slug), left=profile.pseudonym)
                self.live.deliver(Envelope(notice, room=slug, echo=False))

    def _mirror(self, body: dict[str, Any]) -> None:
        change = Online.from_dict(body)
        presence = self.live.presence
        pseudonym = change.profile.pseudonym
        if not presence.name_is_free(pseudonym, change.id):
            # Redis holds names; a stale holder of this one in our mirror is gone.
            holder = presence.find(pseudonym, Space.ADULT) or presence.find(pseudonym, Space.TEEN)
            if holder is not None:
                self._drop(holder)
        self.live.apply(change)
        self.owner[change.id] = body["proc"]

    def _control(self, kind: str, body: dict[str, Any]) -> None:
        """Another process's control event: its part's handler, or a change of the live
        state applied here as it was there (with the shell's part around it)."""
        proc = body["proc"]
        if proc == self.me:
            return
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(body)
            return
        change = changes.decode(kind, body)
        match change:
            case Online():
                self._resumed_elsewhere(change.id, proc)
                self._mirror(body)
            case Offline():
                if self.owner.get(change.id) == proc:
                    self._drop(change.id)
            case Entered() | Left():
                # Only the process holding the chatter says where it is.
                if self.owner.get(change.id) == proc:
                    self.live.apply(change)
            case ConversationSet() | BlockSet() | PolicySet():
                self.live.apply(change)
            case _:
                # Nothing else is taken from the bus (a record read, flags: each
                # process reads those from the store itself).
                return

    def _resumed_elsewhere(self, chatter_id: str, proc: str) -> None:
        """The chatter held here resumed on another process: that one holds it now."""
        local = self.live.chatters.get(chatter_id)
        if local is None or not self.owns(chatter_id):
            return
        self.owner[chatter_id] = proc
        if local.grace is not None:
            local.grace.cancel()
            local.grace = None
        if local.connection is not None:
            local.connection.close(CloseCode.REPLACED, "session opened elsewhere")

    async def refresh(self, chatter: Chatter) -> None:
        """Re-read a chatter another process may have changed (rooms, blocks, policy)."""
        rows = await self.store.chatter_rows(chatter_id=chatter.id)  # one read, not four
        if rows is None:
            return
        policy = PmPolicy(rows.record.pm_policy)
        catalogue, space = self.catalogue, chatter.space
        rooms = frozenset(slug for slug in rows.rooms if catalogue.get(slug, space) is not None)
        live = self.live
        live.apply(Refreshed(chatter.id, policy, rooms, rows.blocked, rows.blocked_by))
        for conv_id, initiator, recipient, status in rows.conversations:
            conv = Conversation(conv_id, initiator, recipient, ConversationStatus(status))
            live.apply(ConversationSet(conv))
