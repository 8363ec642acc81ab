"""One risk picture across the processes of a cluster (issue 13, item 15).

Owns the copy in Redis of the safety engine's state that one message reads and writes: its
sender (floods, whom they target), its sender's device (pseudonyms behind it, people it
courts) and, for a private message, its conversation (the pair). Rules:

- Before the engine judges a message, ``pull`` brings those three from Redis into the
  engine when Redis holds a fresher copy (written later, by the service clock), so a
  private conversation whose two sides live on two processes, or a groomer who reconnects
  to another process, is judged on everything said so far, as on one process.
- After, ``push`` writes them back, each with the engine's state window as its time to live
  (risk outlives a restart of every process for that long; the database copy of
  ``SafetyLayer.save`` outlives Redis).
- Redis known to be down (the bus's health) is skipped at once; slow (more than
  ``TIMEOUT_S``) it is given up on. Neither is an error: the message is judged on
  this process's state, as before the cluster shared it, and the next push writes it back
  (the same outage behaviour as presence). Two processes judging the same conversation at
  the same instant: the later push wins; the next message reads it.
- A room's own state stays with each process (its message count, escalation record,
  categories): it holds every speaker in it and would cost a large copy per message. What
  it holds about one speaker — ages, cue hits, hostility, the learned layer's summary and
  risk, a freeze — is that speaker's *slice* (``ConversationState.speaker_slice``), kept in
  one Redis hash per room (``risk:room:<channel>``, a field per speaker) and read and
  written with the speaker's other state around each of their room messages: a groomer who
  moves to another process keeps their room record. Each room also has a small *roster* of
  the possible minors who spoke in it lately (``risk:roster:<channel>``, at most
  ``ROSTER_MAX``, by last message): a child whose messages another process judged is
  still "near" for the adult judged here.
- A moderator's dismissal writes the cleared private conversation back at once
  (``push_conversation``): a process with no fresher copy of its own would otherwise read
  the frozen one back. The other processes' own copies are cleared by a broadcast
  (``SafetyLayer.cleared``).
- The engine stays pure: this module only moves its public state maps in and out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from causette.bus.redis import RedisBus
from causette.safety.engine import SafetyEngine
from causette.safety.state import ConversationState, DeviceState, UserState

log = logging.getLogger(__name__)

TIMEOUT_S = 0.25
ROSTER_MAX = 8  # possible minors remembered per room (the engine tracks 8 participants)


class SharedRisk:
    def __init__(self, bus: RedisBus, prefix: str, engine: SafetyEngine) -> None:
        self.bus = bus  # its health: while Redis is known down, nobody waits for it
        self.client: aioredis.Redis = bus.client
        self.prefix = prefix
        self.engine = engine
        self.ttl_s = max(1, int(engine.rules.policy.state_window_s))
        self.failures = 0
        # When each entry was last written, by this process or read from Redis.
        self._written: dict[str, float] = {}
        # Each room's roster of possible minors as last read or written here.
        self._rosters: dict[str, dict[str, Any]] = {}

    def _keys(
        self, conversation: str | None, sender: str, device: str | None
    ) -> list[tuple[str, str]]:
        """(part, key) of what one message reads and writes; no conversation for a room."""
        keys = [("user", f"{self.prefix}risk:user:{sender}")]
        if conversation is not None:
            keys.append(("conv", f"{self.prefix}risk:conv:{conversation}"))
        if device:
            keys.append(("device", f"{self.prefix}risk:device:{device}"))
        return keys

    async def pull(
        self,
        conversation: str | None,
        sender: str,
        device: str | None,
        room: str | None = None,
    ) -> None:
        """Bring fresher copies from Redis into the engine (``conversation`` None: a room,
        only the sender's and the device's, and with ``room`` the sender's slice of it and
        its roster of possible minors)."""
        if not self.bus.healthy:
            return
        keys = self._keys(conversation, sender, device)
        try:
            async with asyncio.timeout(TIMEOUT_S), self.client.pipeline(transaction=False) as pipe:
                pipe.mget([key for _, key in keys])
                if room is not None:
                    pipe.hget(self._room_key(room), sender)
                    pipe.get(self._roster_key(room))
                results = await pipe.execute()
        except (RedisError, OSError, TimeoutError):
            self.failures += 1
            return
        values = results[0]
        if room is not None:
            self._merge_room(room, sender, results[1], results[2])
        engine = self.engine
        for (part, key), raw in zip(keys, values, strict=False):
            if raw is None:
                continue
            entry: dict[str, Any] = orjson.loads(raw)
            if entry["at"] <= self._written.get(key, float("-inf")):
                continue  # ours is as fresh
            self._written[key] = entry["at"]
            state = entry["state"]
            if part == "conv" and conversation is not None:
                engine.conversations[conversation] = ConversationState.from_dict(state)
            elif part == "user":
                engine.users[sender] = UserState.from_dict(state)
            elif part == "device" and device:
                engine.devices[device] = DeviceState.from_dict(state)

    async def push(
        self,
        conversation: str | None,
        sender: str,
        device: str | None,
        now: float,
        room: str | None = None,
    ) -> None:
        if not self.bus.healthy:
            return
        engine = self.engine
        states: dict[str, ConversationState | UserState | DeviceState | None] = {
            "user": engine.users.get(sender),
            "conv": engine.conversations.get(conversation) if conversation else None,
            "device": engine.devices.get(device) if device else None,
        }
        await self._write(self._keys(conversation, sender, device), states, now, room, sender)

    async def push_speaker(self, room: str, speaker: str, now: float) -> None:
        """Write one speaker's slice of a room back alone (a moderator cleared it here)."""
        await self._write([], {}, now, room, speaker)

    def _room_key(self, room: str) -> str:
        return f"{self.prefix}risk:room:{room}"

    def _roster_key(self, room: str) -> str:
        return f"{self.prefix}risk:roster:{room}"

    def _merge_room(self, room: str, sender: str, raw_slice: Any, raw_roster: Any) -> None:
        """The sender's slice and the room's roster, read from Redis, into the engine."""
        policy = self.engine.rules.policy
        conv = self.engine.conversations.get(room)
        if conv is None:
            conv = self.engine.conversations[room] = ConversationState(room, room=True)
        if raw_slice is not None:
            entry = orjson.loads(raw_slice)
            mark = f"{self._room_key(room)}#{sender}"
            if entry["at"] > self._written.get(mark, float("-inf")):
                self._written[mark] = entry["at"]
                conv.put_speaker_slice(sender, entry["slice"], policy)
        roster: dict[str, Any] = orjson.loads(raw_roster) if raw_roster is not None else {}
        self._rosters[room] = roster
        for name, ages in roster.items():
            if name != sender:
                conv.put_participant(name, ages, policy)

    def _room_writes(self, pipe: Any, room: str, speaker: str, now: float) -> None:
        """Queue the speaker's slice (and anyone frozen here with them) and, if they may be
        a minor, their place in the roster, on ``pipe``."""
        conv = self.engine.conversations.get(room)
        if conv is None:
            return
        key = self._room_key(room)
        for name in dict.fromkeys([speaker, *conv.frozen_speakers]):
            part = conv.speaker_slice(name)
            if part is None:
                continue
            self._written[f"{key}#{name}"] = now
            pipe.hset(key, name, orjson.dumps({"at": now, "slice": part}))
        pipe.expire(key, self.ttl_s)
        me = conv.participants.get(speaker)
        if me is not None and me.possible_minor():
            roster = dict(self._rosters.get(room, {}))
            roster[speaker] = {
                "declared_age": me.declared_age,
                "disclosed_age": me.disclosed_age,
                "at": now,
            }
            newest = sorted(roster.items(), key=lambda kv: kv[1].get("at", 0.0))[-ROSTER_MAX:]
            self._rosters[room] = dict(newest)
            pipe.set(self._roster_key(room), orjson.dumps(dict(newest)), ex=self.ttl_s)

    async def _write(
        self,
        keys: list[tuple[str, str]],
        states: Mapping[str, ConversationState | UserState | DeviceState | None],
        now: float,
        room: str | None = None,
        speaker: str | None = None,
    ) -> None:
        if not self.bus.healthy:
            return
        try:
            async with asyncio.timeout(TIMEOUT_S), self.client.pipeline(transaction=False) as pipe:
                for part, key in keys:
                    state = states[part]
                    if state is None:
                        continue
                    self._written[key] = now
                    entry = {"at": now, "state": state.to_dict()}
                    pipe.set(key, orjson.dumps(entry), ex=self.ttl_s)
                if room is not None and speaker is not None:
                    self._room_writes(pipe, room, speaker, now)
                await pipe.execute()
        except (RedisError, OSError, TimeoutError):
            self.failures += 1

    async def push_conversation(self, conversation: str, now: float) -> None:
        """Write one conversation's state back alone (a moderator cleared it here)."""
        await self._write(
            [("conv", f"{self.prefix}risk:conv:{conversation}")],
            {"conv": self.engine.conversations.get(conversation)},
            now,
        )

    def forget(self, horizon: float) -> None:
        """Drop the freshness marks of entries older than ``horizon`` (bounded memory), and
        the rosters of rooms this process no longer judges."""
        self._written = {k: at for k, at in self._written.items() if at >= horizon}
        self._rosters = {r: v for r, v in self._rosters.items() if r in self.engine.conversations}
