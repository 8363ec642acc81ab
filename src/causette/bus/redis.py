"""The Redis bus: every server process publishes on one Redis pub/sub channel and delivers
what the others publish.

Rules:
- Own envelopes are delivered to this process's connections at once, without the Redis
  hop; envelopes that come back from Redis with our own origin are dropped.
- Publishing never blocks the caller: envelopes queue and one writer task sends them, in
  order, pipelined (many envelopes per round trip under load).
- Pub/sub, not streams (docs/decisions/006-redis-bus-and-presence.md): what matters is durable in
  the database already, so a message missed during an outage is recovered from there (the
  sequencer's catch-up), never from Redis.
- Redis down: publishing drops (and counts) what cannot be sent, this process keeps serving
  its own clients, ``healthy`` says so; when the subscription is back, ``on_reconnect``
  hooks run so the process catches up.
- Wire format: a JSON header line, ``\\n``, then the frame bytes untouched.
- Its listener, its writer and the reconnect hooks run in one ``TaskOwner``, closed (and
  awaited) in ``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from causette.bus.base import Deliver, Envelope
from causette.tasks import TaskOwner

log = logging.getLogger(__name__)

PUBLISH_BATCH = 256
POOL_MAX = 64
POOL_WAIT_S = 10.0
QUEUE_MAX = 100_000
# What a close waits for Redis at most (the subscription's, the pool's).
CLOSE_S = 1.0


def encode(origin: str, envelope: Envelope) -> bytes:
    header = {
        "o": origin,
        "r": envelope.room,
        "t": envelope.targets,
        "c": envelope.channel,
        "m": envelope.message_id,
        "s": envelope.sender_id,
        "e": envelope.echo,
        "k": envelope.control,
    }
    return orjson.dumps(header) + b"\n" + envelope.frame


def decode(data: bytes) -> tuple[str, Envelope]:
    head, _, frame = data.partition(b"\n")
    h: dict[str, Any] = orjson.loads(head)
    envelope = Envelope(
        frame,
        room=h["r"],
        targets=tuple(h["t"]),
        channel=h["c"],
        message_id=h["m"],
        sender_id=h["s"],
        echo=h["e"],
        control=h["k"],
    )
    return h["o"], envelope


class RedisBus:
    def __init__(self, url: str, prefix: str = "causette:", origin: str | None = None) -> None:
        self.url = url
        self.channel = f"{prefix}bus"
        self.origin = origin or secrets.token_hex(6)
        # A blocking pool: when every connection is busy (hundreds of joins at once, each
        # claiming its name), a command waits for one. The default pool refused with "Too
        # many connections" past 100, and a refused publish looked like a Redis outage
        # (found at 40,000 connections by bench/bench_scaleout.py).
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=POOL_MAX,
            timeout=POOL_WAIT_S,
            socket_connect_timeout=1.0,
            socket_timeout=5.0,
            health_check_interval=5,
        )
        self.client: aioredis.Redis = aioredis.Redis.from_pool(pool)
        self.healthy = False
        self.published = 0
        self.received = 0
        self.dropped = 0
        self.outages = 0
        self.on_reconnect: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self.on_health: list[Callable[[bool], None]] = []
        self._deliver: Deliver | None = None
        self._queue: deque[bytes] = deque()
        self._wakeup = asyncio.Event()
        # The listener, the writer and the reconnect hooks.
        self.tasks = TaskOwner("redis-bus")
        self._subscribed = asyncio.Event()
        self._resubscribe = False

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self.tasks = TaskOwner("redis-bus")  # a bus closed and started again: a fresh owner
        self.tasks.spawn(self._listen(), name="listen")
        self.tasks.spawn(self._write_loop(), name="write")
        # Wait a little for the first subscription, but start without Redis if it is down.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3.0):
                await self._subscribed.wait()

    async def publish(self, envelope: Envelope) -> None:
        self.send(envelope)

    def send(self, envelope: Envelope) -> None:
        """Publish without waiting: envelopes leave in the order they were sent (a control
        event sent before a frame reaches every process before that frame)."""
        if envelope.control is None and self._deliver is not None:
            self._deliver(envelope)
        if not self.healthy:
            self.dropped += 1
            return
        if len(self._queue) >= QUEUE_MAX:
            self.dropped += 1
            return
        self._queue.append(encode(self.origin, envelope))
        self._wakeup.set()

    async def close(self) -> None:
        await self.tasks.close()
        # Bounded: a Redis that stopped answering must not hold a stopping process.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_S):
                await self.client.aclose()
        self._deliver = None

    def _set_health(self, healthy: bool) -> None:
        if healthy == self.healthy:
            return
        self.healthy = healthy
        if not healthy:
            self.outages += 1
            self._queue.clear()
            log.warning("redis bus: Redis unreachable, serving local clients only")
        else:
            log.info("redis bus: Redis reachable")
        for hook in self.on_health:
            hook(healthy)

    async def _write_loop(self) -> None:
        queue = self._queue
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while queue:
                batch = [queue.popleft() for _ in range(min(PUBLISH_BATCH, len(queue)))]
                try:
                    try:
                        await self._send(batch)
                    except (RedisError, OSError):
                        # A pooled connection from before a Redis restart fails once: the
                        # retry takes a fresh one.
                        await self._send(batch)
                    self.published += len(batch)
                except (RedisError, OSError) as exc:
                    self.dropped += len(batch)
                    log.warning("redis bus: publish failed: %s", exc)
                    self._set_health(False)
                    # The subscription may look fine: make it start over, so health comes
                    # back only through a fresh subscription and its catch-up hooks.
                    self._resubscribe = True

    async def _send(self, batch: list[bytes]) -> None:
        if len(batch) == 1:
            await self.client.publish(self.channel, batch[0])
            return
        async with self.client.pipeline(transaction=False) as pipe:
            for data in batch:
                pipe.publish(self.channel, data)
            await pipe.execute()

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                was_down = not self.healthy
                self._set_health(True)
                self._subscribed.set()
                delay = 0.1
                if was_down:
                    for hook in self.on_reconnect:
                        self.tasks.spawn(hook(), name="reconnected")
                while True:
                    if self._resubscribe:
                        self._resubscribe = False
                        raise ConnectionError("publishing failed: subscribing again")
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message["type"] != "message":
                        continue
                    origin, envelope = decode(message["data"])
                    if origin == self.origin or self._deliver is None:
                        continue
                    self.received += 1
                    try:
                        self._deliver(envelope)
                    except Exception:
                        log.exception("redis bus: delivery failed")
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(CLOSE_S):
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
                raise
            except (RedisError, OSError) as exc:
                log.warning("redis bus: subscription lost: %s", exc)
                self._set_health(False)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
