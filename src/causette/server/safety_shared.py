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
- A room's own state stays with each process: it holds every speaker in it and would cost
  a large copy per message. The speaker's and the device's are shared for room messages too;
  what a room's state adds per speaker (the learned layer's summary, cue hits) starts again
  on a process the speaker moves to.
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

    async def pull(self, conversation: str | None, sender: str, device: str | None) -> None:
        """Bring fresher copies from Redis into the engine (``conversation`` None: a room,
        only the sender's and the device's)."""
        if not self.bus.healthy:
            return
        keys = self._keys(conversation, sender, device)
        try:
            async with asyncio.timeout(TIMEOUT_S):
                values = await self.client.mget([key for _, key in keys])
        except (RedisError, OSError, TimeoutError):
            self.failures += 1
            return
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
        self, conversation: str | None, sender: str, device: str | None, now: float
    ) -> None:
        if not self.bus.healthy:
            return
        engine = self.engine
        states: dict[str, ConversationState | UserState | DeviceState | None] = {
            "user": engine.users.get(sender),
            "conv": engine.conversations.get(conversation) if conversation else None,
            "device": engine.devices.get(device) if device else None,
        }
        await self._write(self._keys(conversation, sender, device), states, now)

    async def _write(
        self,
        keys: list[tuple[str, str]],
        states: Mapping[str, ConversationState | UserState | DeviceState | None],
        now: float,
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
        """Drop the freshness marks of entries older than ``horizon`` (bounded memory)."""
        self._written = {k: at for k, at in self._written.items() if at >= horizon}
