"""Reconnect storm (issue 8, scenario 4): N clients drop and resume at once.

N clients (100 per room) connect and join; every room gets 2 messages; then every client
drops at once, each room gets 5 more messages while they are away, and all N reconnect at
the same moment. Measured: the time until every client is back (``synced`` after ``hello``
for causette, whose session keeps its rooms; ``joined`` after re-joining for the peers), and
for causette the time until every client has caught up (its ``hello`` carried its last id
per channel and the replay brought it every message it missed). The peers keep no history,
so they have nothing to catch up on: their "back" time is the comparable figure.
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
    PADDING,
    Client,
    Server,
    connect_all,
    contenders,
    cpu_seconds,
    disconnect_all,
    join_room,
    open_socket,
    quiet_gc,
    raise_nofile,
    track_ids,
)

PER_ROOM = 100
BEFORE, MISSED = 2, 5


async def _post_round(senders: list[Client], rooms: list[str], count: int, seq0: int) -> None:
    for sender in senders:
        sender.acks = 0
    for k in range(count):
        for sender, room in zip(senders, rooms, strict=True):
            sender.send({"type": "post", "room": room, "text": f"{seq0 + k} {PADDING}"})
    deadline = time.perf_counter() + 60
    while any(s.acks < count for s in senders) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)


async def run_storm(server: Server, n: int) -> dict[str, Any]:
    resumes = server.dialect == "causette"
    rooms = [f"r{i:03d}" for i in range(n // PER_ROOM)]
    clients = [Client(server.dialect, track_ids if resumes else None) for _ in range(n)]
    await connect_all(server, clients, [rooms[i // PER_ROOM] for i in range(n)], batch=250)
    senders = [Client(server.dialect) for _ in rooms]
    await connect_all(server, senders, rooms, name_prefix="s")
    await _post_round(senders, rooms, BEFORE, 0)
    deadline = time.perf_counter() + 60
    while any(c.messages < BEFORE for c in clients) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    disconnect_all(clients)
    await asyncio.sleep(1.0)
    await _post_round(senders, rooms, MISSED, BEFORE)
    targets = {f"room:{room}": BEFORE + MISSED for room in rooms}
    back_at: list[float] = []
    failures = 0
    server.profile()
    cpu_before = cpu_seconds(server.pid)
    started = time.perf_counter()

    async def resume(i: int) -> None:
        nonlocal failures
        client = clients[i]
        try:
            await open_socket(server, client, timeout=90)
            if not resumes:
                await join_room(client, rooms[i // PER_ROOM], timeout=90)
            back_at.append(time.perf_counter() - started)
        except (OSError, TimeoutError, RuntimeError):
            failures += 1

    await asyncio.gather(*(resume(i) for i in range(n)))
    all_back = time.perf_counter() - started
    cpu = cpu_seconds(server.pid) - cpu_before
    caught_up = None
    if resumes:
        caught_up = sum(
            all(
                c.last_ids.get(ch, 0) >= target
                for ch, target in targets.items()
                if ch in c.last_ids
            )
            and len(c.last_ids) > 0
            and c.messages >= BEFORE + MISSED
            for c in clients
        )
    disconnect_all([*clients, *senders])
    back_at.sort()
    return {
        "server": server.name,
        "clients": n,
        "back": len(back_at),
        "failures": failures,
        "caught_up": caught_up,
        "all_back_s": round(all_back, 3),
        "p50_back_s": round(back_at[len(back_at) // 2], 3) if back_at else None,
        "p99_back_s": round(back_at[int(len(back_at) * 0.99)], 3) if back_at else None,
        "server_cpu_s": round(cpu, 2),
        "replayed_per_client": MISSED if resumes else 0,
    }


def measure(make_server: Callable[[], Server], n: int) -> dict[str, Any]:
    raise_nofile()
    server = make_server()
    server.start()
    try:
        with quiet_gc():
            return asyncio.run(run_storm(server, n))
    finally:
        server.stop()


KEYS = ("all_back_s", "p50_back_s", "p99_back_s", "server_cpu_s")


def run(quick: bool) -> dict[str, Any]:
    uvloop.install()
    n = 1000 if quick else 10000
    rounds = int(os.environ.get("BENCH_ROUNDS", 1 if quick else 2))
    result = interleaved(
        contenders(),
        lambda factory: measure(factory, n),
        rounds,
        KEYS,
        {"all_back_s": False, "server_cpu_s": False},
        "storm",
    )
    result.update(clients=n, per_room=PER_ROOM, missed_per_room=MISSED)
    return result
