"""Idle cost (issue 8, scenario 3): memory per idle connection.

Each contender starts fresh; its RSS is read, then N clients connect, say hello and join one
of the benchmark's rooms (100 per room), and stay silent; once RSS settles, (RSS after -
RSS before) / N is the cost of one idle chatter. Measured at 5,000 and 18,000 connections
(quick: 1,000); client sockets spread over 127.0.0.2-9.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

import uvloop

from bench.compare import interleaved
from bench.load import (
    Client,
    Server,
    connect_all,
    contenders,
    cpu_seconds,
    disconnect_all,
    raise_nofile,
    rss_bytes,
)

PER_ROOM = 100


async def _settled_rss(pid: int, seconds: float = 1.0) -> int:
    last = rss_bytes(pid)
    for _ in range(20):
        await asyncio.sleep(seconds / 4)
        now = rss_bytes(pid)
        if abs(now - last) < 64 * 1024:
            return now
        last = now
    return last


async def run_idle(server: Server, connections: int) -> dict[str, Any]:
    before = await _settled_rss(server.pid)
    clients = [Client(server.dialect) for _ in range(connections)]
    rooms = [f"r{i // PER_ROOM:03d}" for i in range(connections)]
    started = time.perf_counter()
    server.profile()
    cpu_before = cpu_seconds(server.pid)
    await connect_all(server, clients, rooms, batch=250)
    connect_s = time.perf_counter() - started
    cpu = cpu_seconds(server.pid) - cpu_before
    await asyncio.sleep(2.0)
    after = await _settled_rss(server.pid)
    alive = sum(not c.closed for c in clients)
    disconnect_all(clients)
    await asyncio.sleep(0.5)
    return {
        "server": server.name,
        "connections": connections,
        "alive": alive,
        "rss_before_mb": round(before / 2**20, 1),
        "rss_after_mb": round(after / 2**20, 1),
        "kb_per_connection": round((after - before) / connections / 1024, 2),
        "connect_s": round(connect_s, 2),
        "server_cpu_ms_per_connect": round(cpu / connections * 1000, 3),
    }


def measure(make_server: Callable[[], Server], connections: int) -> dict[str, Any]:
    raise_nofile()
    server = make_server()
    server.start()
    try:
        return asyncio.run(run_idle(server, connections))
    finally:
        server.stop()


KEYS = ("kb_per_connection", "rss_after_mb", "connect_s", "server_cpu_ms_per_connect")


def run(quick: bool) -> dict[str, Any]:
    uvloop.install()
    sizes = [1000] if quick else [5000, 18000]
    out: dict[str, Any] = {"scenarios": []}
    for size in sizes:
        # 18,000 connections take minutes per contender: one round there unless asked.
        rounds = int(os.environ.get("BENCH_ROUNDS", 1 if quick or size > 10000 else 2))
        result = interleaved(
            contenders(),
            lambda factory, size=size: measure(factory, size),  # type: ignore[misc]
            rounds,
            KEYS,
            {"kb_per_connection": False, "server_cpu_ms_per_connect": False},
            f"idle {size}",
        )
        result["connections"] = size
        out["scenarios"].append(result)
    return out
