"""Evening peak (issue 8, scenario 2): many rooms of realistic sizes, PMs, joins and leaves,
posting rate stepped up until p99 passes 100 ms.

Population (full: 18,000 connections on one server process; quick: 2,000): a few large
rooms, some medium ones, many small ones (``_layout``); one chatter in 20 is in a private
conversation (accepted beforehand, as consent requires in causette) and one post in five is a
PM; one chatter in 20 wanders: it never posts, it leaves its room and joins another, at a
twentieth of the posting rate. Every chatter posts at the same rate, so a room's traffic
grows with its size.

Each step sends posts at a fixed rate for ``STEP_S`` seconds (the sender is paced by the
clock and reports the rate it really achieved); one chatter in ten timestamps every message
it receives. A step holds when p99 post-to-receipt < 100 ms, no sampled delivery is missing
2 s after the step and the load generator achieved >= 95 % of the rate; the highest rate
held is the figure. The load generator's own CPU is reported per step: near 100 % it is the
limit, not the server.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
from collections.abc import Callable
from typing import Any

import orjson
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
    message_seq,
    percentile,
    quiet_gc,
    raise_nofile,
    rss_bytes,
)

P99_LIMIT_MS = 100.0
SAMPLE_EVERY = 10
# Joins/leaves per post (BENCH_PEAK_CHURN=0: none, to tell their cost apart).
CHURN = float(os.environ.get("BENCH_PEAK_CHURN", "0.05"))


def _layout(total: int) -> list[int]:
    """Room sizes: ~17 % in 3 large rooms, ~17 % in 15 medium ones, the rest by 20."""
    large = max(100, total // 18)
    medium = max(20, total // 90)
    sizes = [large] * 3 + [medium] * 15
    rest = total - sum(sizes)
    sizes += [20] * (rest // 20)
    if rest % 20:
        sizes.append(rest % 20)
    return sizes


def _loadgen_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_peak(
    server: Server, total: int, rates: list[int], step_s: float, seed: int = 8
) -> dict[str, Any]:
    rng = random.Random(seed)
    perf = time.perf_counter
    sizes = _layout(total)
    room_of: list[str] = []
    for r, size in enumerate(sizes):
        room_of += [f"r{r:03d}"] * size
    room_of = room_of[:total]
    step_index = [0]
    sent_at: dict[int, tuple[float, int]] = {}
    latencies: dict[int, list[float]] = {}

    def sampler(client: Client, data: bytes) -> None:
        now = perf()
        seq = message_seq(data)
        sent = sent_at.get(seq)
        if sent is not None:
            latencies.setdefault(sent[1], []).append(now - sent[0])

    # Roles: wanderers (join/leave, never post, not sampled), PM pairs, posters (the rest).
    order = list(range(total))
    rng.shuffle(order)
    n_wander = total // 20
    wanderers = order[:n_wander]
    pair_ids = order[n_wander : n_wander + total // 20]
    pairs = [(pair_ids[k], pair_ids[k + 1]) for k in range(0, len(pair_ids) - 1, 2)]
    posters = order[n_wander:]
    wandering = set(wanderers)
    sampled = [i % SAMPLE_EVERY == 0 and i not in wandering for i in range(total)]
    clients = [Client(server.dialect, sampler if sampled[i] else None) for i in range(total)]
    started = perf()
    rss_before = rss_bytes(server.pid)
    await connect_all(server, clients, room_of, batch=250)
    setup_s = perf() - started
    sampled_in_room: dict[str, int] = {}
    members: dict[str, list[int]] = {}
    for i, room in enumerate(room_of):
        members.setdefault(room, []).append(i)
        if sampled[i]:
            sampled_in_room[room] = sampled_in_room.get(room, 0) + 1
    small_rooms = [f"r{r:03d}" for r, size in enumerate(sizes) if size <= 20]
    if server.dialect == "causette":
        await _open_conversations(clients, pairs)
    wander_room = {i: room_of[i] for i in wanderers}
    await asyncio.sleep(1.0)  # let the set-up's presence notices and counts settle

    server.profile()
    steps: list[dict[str, Any]] = []
    best = 0
    seq = 0
    for step, rate in enumerate(rates):
        step_index[0] = step
        expected = 0
        sent = 0
        churn = 0
        cpu_server = cpu_seconds(server.pid)
        cpu_gen = _loadgen_cpu()
        t0 = perf()
        while True:
            now = perf()
            elapsed = now - t0
            if elapsed >= step_s:
                break
            due = int(rate * elapsed) - sent
            for _ in range(due):
                if rng.random() < 0.2 and pairs:
                    a, b = pairs[rng.randrange(len(pairs))]
                    if rng.random() < 0.5:
                        a, b = b, a
                    sent_at[seq] = (perf(), step)
                    clients[a].send(
                        {"type": "pm", "to": clients[b].name, "text": f"{seq} {PADDING}"}
                    )
                    expected += sampled[a] + sampled[b]
                else:
                    i = posters[rng.randrange(len(posters))]
                    room = room_of[i]
                    sent_at[seq] = (perf(), step)
                    clients[i].send({"type": "post", "room": room, "text": f"{seq} {PADDING}"})
                    expected += sampled_in_room.get(room, 0)
                seq += 1
                sent += 1
                if rng.random() < CHURN and wanderers:
                    w = wanderers[rng.randrange(len(wanderers))]
                    clients[w].send({"type": "leave", "room": wander_room[w]})
                    wander_room[w] = small_rooms[rng.randrange(len(small_rooms))]
                    clients[w].send({"type": "join", "room": wander_room[w]})
                    churn += 1
            await asyncio.sleep(0.005)
        achieved = sent / (perf() - t0)
        deadline = perf() + 2.0
        while len(latencies.get(step, ())) < expected and perf() < deadline:
            await asyncio.sleep(0.02)
        lat = sorted(latencies.get(step, []))
        gen_cpu = (_loadgen_cpu() - cpu_gen) / (perf() - t0)
        figures = {
            "rate": rate,
            "achieved_posts_per_s": round(achieved),
            "sampled_expected": expected,
            "sampled_received": len(lat),
            "joins_leaves": churn,
            "p50_ms": round(percentile(lat, 0.5) * 1000, 2),
            "p99_ms": round(percentile(lat, 0.99) * 1000, 2),
            "p999_ms": round(percentile(lat, 0.999) * 1000, 2),
            "server_cpu_share": round((cpu_seconds(server.pid) - cpu_server) / (perf() - t0), 2),
            "loadgen_cpu_share": round(gen_cpu, 2),
        }
        holds = (
            figures["p99_ms"] < P99_LIMIT_MS and len(lat) >= expected and achieved >= 0.95 * rate
        )
        figures["holds"] = holds
        steps.append(figures)
        print(f"    {server.name} step {figures}", flush=True)
        if not holds:
            break
        best = rate
        latencies.pop(step, None)
    alive = sum(not c.closed for c in clients)
    rss_after = rss_bytes(server.pid)
    errors = sum(c.errors for c in clients)
    disconnect_all(clients)
    last = steps[-1] if steps else {}
    limit = "load generator" if last.get("loadgen_cpu_share", 0) > 0.9 else "server"
    return {
        "server": server.name,
        "connections": total,
        "alive_at_end": alive,
        "rooms": len(sizes),
        "room_sizes": f"3x{sizes[0]}, 15x{sizes[3]}, {len(sizes) - 18}x<=20",
        "pm_pairs": len(pairs),
        "setup_s": round(setup_s, 1),
        "rss_mb": round(rss_after / 2**20, 1),
        "rss_delta_mb": round((rss_after - rss_before) / 2**20, 1),
        "error_frames": errors,
        "highest_rate_held": best,
        "first_failing_step_limited_by": limit if steps and not last.get("holds") else None,
        "steps": steps,
    }


async def _open_conversations(clients: list[Client], pairs: list[tuple[int, int]]) -> None:
    """causette: a first PM opens a request; the other side accepts it (consent)."""

    async def one(a: int, b: int) -> None:
        incoming = clients[b].expect(b"conversation")
        clients[a].send({"type": "pm", "to": clients[b].name, "text": "salut"})
        data = await asyncio.wait_for(incoming, 30)
        conv = orjson.loads(data)["conversation"]["id"]
        accepted = clients[b].expect(b"conversation")
        clients[b].send({"type": "pm_respond", "conversation": conv, "decision": "accept"})
        await asyncio.wait_for(accepted, 30)

    for start in range(0, len(pairs), 100):
        await asyncio.gather(*(one(a, b) for a, b in pairs[start : start + 100]))


def measure(
    make_server: Callable[[], Server], total: int, rates: list[int], step_s: float
) -> dict[str, Any]:
    raise_nofile()
    server = make_server()
    server.start()
    try:
        with quiet_gc():
            return asyncio.run(run_peak(server, total, rates, step_s))
    finally:
        server.stop()


KEYS = ("highest_rate_held", "setup_s", "rss_mb")


def run(quick: bool) -> dict[str, Any]:
    uvloop.install()
    total = int(os.environ.get("BENCH_PEAK_CONNECTIONS", 1000 if quick else 18000))
    rates = [100, 250, 500, 1000] if quick else [100, 250, 500, 1000, 1500, 2000, 3000]
    step_s = 2.0 if quick else 5.0
    rounds = int(os.environ.get("BENCH_ROUNDS", 1))
    result = interleaved(
        contenders(safety_off=True),
        lambda factory: measure(factory, total, rates, step_s),
        rounds,
        KEYS,
        {"highest_rate_held": True},
        "peak",
    )
    result.update(connections=total, rates=rates, step_s=step_s, p99_limit_ms=P99_LIMIT_MS)
    return result
