"""Scale-out (issue 7): one room, subscribers spread evenly over 1, 2 or 3 server processes
on one PostgreSQL and one Redis, one sender on the first process.

Figures per setup: deliveries/s, summed server CPU µs per delivery, p50/p99 post-to-receipt
latency, split into subscribers on the sender's process (no Redis hop) and on the others
(one Redis hop); ``redis_hop_ms_p50`` is the difference of the medians, measured flat out
(``runs``: includes queueing) and paced at one post per 20 ms (``paced_20ms``: the hop).
The embedded setup (SQLite, in-process bus) runs first as the reference. The load
generator shares the machine's cores with the servers, PostgreSQL and Redis: read the
figures as relative.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from typing import Any

import sqlalchemy as sa
import uvloop

from bench.load import (
    PADDING,
    Client,
    Server,
    causette_server,
    connect_all,
    cpu_seconds,
    disconnect_all,
    message_seq,
    percentile,
    raise_nofile,
)

WINDOW = 64
DATABASE_URL = os.environ.get(
    "CAUSETTE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("CAUSETTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _run(
    servers: list[Server], subscribers: int, messages: int, pace_s: float = 0.0
) -> dict[str, Any]:
    sent_at: dict[int, float] = {}
    near: list[float] = []
    far: list[float] = []
    perf = time.perf_counter

    def sampler(into: list[float]) -> Any:
        def record(client: Client, data: bytes) -> None:
            into.append(perf() - sent_at[message_seq(data)])

        return record

    per_server: list[list[Client]] = [[] for _ in servers]
    clients: list[Client] = []
    for i in range(subscribers):
        k = i % len(servers)
        sample = (near if k == 0 else far) if i < 120 else None
        client = Client("causette", sampler(sample) if sample is not None else None)
        per_server[k].append(client)
        clients.append(client)
    sender = Client("causette")
    per_server[0].append(sender)
    for k, server in enumerate(servers):
        await connect_all(
            server, per_server[k], ["general"] * len(per_server[k]), name_prefix=f"s{k}n"
        )
    await asyncio.sleep(1.0)  # let the cluster's presence settle
    cpu_before = sum(cpu_seconds(s.pid) for s in servers)
    sender.ack_event = asyncio.Event()
    started = perf()
    for seq in range(messages):
        while seq - sender.acks >= WINDOW:
            sender.ack_event.clear()
            await sender.ack_event.wait()
        sent_at[seq] = perf()
        sender.send({"type": "post", "room": "general", "text": f"{seq} {PADDING}"})
        if pace_s:
            await asyncio.sleep(pace_s)
    deadline = perf() + 120
    while any(c.messages < messages for c in clients) and perf() < deadline:
        await asyncio.sleep(0.005)
    elapsed = perf() - started
    cpu = sum(cpu_seconds(s.pid) for s in servers) - cpu_before
    received = sum(c.messages for c in clients) + sender.messages
    disconnect_all([*clients, sender])
    near.sort()
    far.sort()
    every = sorted(near + far)
    result: dict[str, Any] = {
        "processes": len(servers),
        "deliveries": received,
        "complete": all(c.messages == messages for c in clients),
        "seconds": round(elapsed, 3),
        "deliveries_per_s": round(received / elapsed),
        "server_cpu_us_per_delivery": round(cpu / max(received, 1) * 1e6, 2),
        "latency_ms_p50": round(percentile(every, 0.5) * 1000, 2),
        "latency_ms_p99": round(percentile(every, 0.99) * 1000, 2),
        "same_process_ms_p50": round(percentile(near, 0.5) * 1000, 2) if near else None,
    }
    if far:
        result["other_process_ms_p50"] = round(percentile(far, 0.5) * 1000, 2)
        result["redis_hop_ms_p50"] = round((percentile(far, 0.5) - percentile(near, 0.5)) * 1000, 2)
    return result


def _measure(
    processes: int, cluster: bool, subscribers: int, messages: int, pace_s: float = 0.0
) -> dict[str, Any]:
    env: dict[str, str] = {"CAUSETTE_SQLITE_SYNCHRONOUS": "NORMAL"}
    engine = None
    schema = f"bench_{secrets.token_hex(4)}"
    if cluster:
        engine = sa.create_engine(DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        env = {
            "CAUSETTE_DATABASE_URL": f"{DATABASE_URL}?options=-csearch_path%3D{schema}",
            "CAUSETTE_REDIS_URL": REDIS_URL,
            "CAUSETTE_REDIS_PREFIX": f"{schema}:",
            "CAUSETTE_SECRET": "bench",
        }
    servers = [causette_server(**env) for _ in range(processes)]
    try:
        for server in servers:
            server.start()
        result = asyncio.run(_run(servers, subscribers, messages, pace_s))
        result["setup"] = f"{processes}x PostgreSQL+Redis" if cluster else "1x SQLite, local bus"
        return result
    finally:
        for server in servers:
            server.stop()
        if engine is not None:
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()


async def _bus_hop(count: int) -> dict[str, Any]:
    """The Redis hop alone: one bus publishes, another (same machine) delivers; one at a
    time, so this is latency, not throughput. Also the publisher's CPU per envelope."""
    from causette.bus import Envelope
    from causette.bus.redis import RedisBus

    prefix = f"bench_{secrets.token_hex(4)}:"
    sender, receiver = RedisBus(REDIS_URL, prefix), RedisBus(REDIS_URL, prefix)
    arrived: asyncio.Event = asyncio.Event()
    await sender.start(lambda envelope: None)
    await receiver.start(lambda envelope: arrived.set())
    frame = b'{"type":"message","channel":"room:general","id":1,"text":"' + PADDING.encode()
    hops: list[float] = []
    for i in range(count):
        arrived.clear()
        started = time.perf_counter()
        await sender.publish(
            Envelope(
                frame + b'"}',
                room="general",
                channel="room:general",
                message_id=i + 1,
                sender_id="x",
            )
        )
        await arrived.wait()
        hops.append(time.perf_counter() - started)
    await sender.close()
    await receiver.close()
    hops.sort()
    return {
        "envelopes": count,
        "hop_us_p50": round(percentile(hops, 0.5) * 1e6),
        "hop_us_p99": round(percentile(hops, 0.99) * 1e6),
    }


def run(quick: bool) -> dict[str, Any]:
    uvloop.install()
    raise_nofile()
    subscribers, messages = (150, 200) if quick else (600, 1000)
    setups = [(1, False), (1, True), (2, True), (3, True)]
    runs = [_measure(n, cluster, subscribers, messages) for n, cluster in setups]
    # Paced (one post every 20 ms, far from saturation): latency without queueing, so the
    # difference between the two sides is the Redis hop itself.
    paced = [_measure(n, True, subscribers, messages // 4, 0.02) for n in (2, 3)]
    hop = asyncio.run(_bus_hop(200 if quick else 2000))
    return {
        "redis_hop_alone": hop,
        "subscribers": subscribers,
        "messages": messages,
        "window": WINDOW,
        "runs": runs,
        "paced_20ms": paced,
    }
