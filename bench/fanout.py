"""Fan-out scenario: N subscribers in one room, one sender, M messages.

The sender keeps a window of posts in flight (acks free the window), so the server runs flat
out; every subscriber counts what it receives, and a sample of them timestamps each receipt
for post-to-receipt latency (p50/p99/p999 over every sampled delivery). Server CPU per
delivery comes from /proc.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from bench.load import (
    PADDING,
    Client,
    Server,
    connect_all,
    cpu_seconds,
    disconnect_all,
    message_seq,
    percentile,
    quiet_gc,
    raise_nofile,
)

WINDOW = 64
LATENCY_SAMPLE = 100


async def run_fanout(server: Server, subscribers: int, messages: int) -> dict[str, Any]:
    """Connect the subscribers, send the messages, and return the figures."""
    sent_at: dict[int, float] = {}
    latencies: list[float] = []
    perf = time.perf_counter

    def sampler(client: Client, data: bytes) -> None:
        latencies.append(perf() - sent_at[message_seq(data)])

    clients = [
        Client(server.dialect, sampler if i < LATENCY_SAMPLE else None) for i in range(subscribers)
    ]
    sender = Client(server.dialect)
    everyone = [*clients, sender]
    await connect_all(server, everyone, ["general"] * len(everyone))
    server.profile()
    cpu_before = cpu_seconds(server.pid)
    sender.ack_event = asyncio.Event()
    started = perf()
    for seq in range(messages):
        while seq - sender.acks >= WINDOW:
            sender.ack_event.clear()
            await sender.ack_event.wait()
        sent_at[seq] = perf()
        sender.send({"type": "post", "room": "general", "text": f"{seq} {PADDING}"})
    deadline = perf() + 120
    while any(c.messages < messages for c in clients) and perf() < deadline:
        await asyncio.sleep(0.005)
    elapsed = perf() - started
    cpu = cpu_seconds(server.pid) - cpu_before
    received = sum(c.messages for c in clients) + sender.messages
    disconnect_all(everyone)
    latencies.sort()
    return {
        "server": server.name,
        "subscribers": subscribers,
        "messages": messages,
        "deliveries": received,
        "complete": all(c.messages == messages for c in clients),
        "seconds": round(elapsed, 3),
        "deliveries_per_s": round(received / elapsed),
        "server_cpu_us_per_delivery": round(cpu / max(received, 1) * 1e6, 2),
        "latency_ms_p50": round(percentile(latencies, 0.5) * 1000, 2),
        "latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 2),
        "latency_ms_p999": round(percentile(latencies, 0.999) * 1000, 2),
        "latency_samples": len(latencies),
        "latencies_ms": [round(x * 1000, 2) for x in latencies[:: max(1, len(latencies) // 400)]],
    }


def measure(make_server: Callable[[], Server], subscribers: int, messages: int) -> dict[str, Any]:
    raise_nofile()
    server = make_server()
    server.start()
    try:
        with quiet_gc():
            return asyncio.run(run_fanout(server, subscribers, messages))
    finally:
        server.stop()
