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
limit, not the server. Per step also: the server's CPU per post, and causette's own
counters (event-loop stalls >= 50 ms and where, GC pauses >= 50 ms; bench/counters.py).
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import uvloop

from bench.compare import interleaved
from bench.counters import counted, counters
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
# BENCH_PEAK_RATES="100,100,100": these steps, all of them even past a failure (a steady
# load to profile, or to compare CPU per post under a loaded machine).
STEADY = os.environ.get("BENCH_PEAK_RATES", "")
IDLE_S = 3.0  # the server's idle CPU is measured this long before the first step
STALL_MS = 50  # causette's event-loop stalls at least this long are counted per step
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


def loadgen_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Indexed(Protocol):
    """Clients by population index: a list (one process has them all) or a dict (its own)."""

    def __getitem__(self, index: int, /) -> Client: ...


@dataclass
class Population:
    """Who sits where and does what: the same for every contender (and every process)."""

    sizes: list[int]
    room_of: list[str]  # population index -> room
    wanderers: list[int]  # join and leave, never post, not sampled
    pairs: list[tuple[int, int]]  # private conversations
    posters: list[int]  # everyone but the wanderers (PM pairs post in their rooms too)
    sampled: list[bool]  # receivers that timestamp what they get (one in SAMPLE_EVERY)
    sampled_in_room: dict[str, int]
    small_rooms: list[str]  # where wanderers go

    @property
    def room_sizes(self) -> str:
        sizes = self.sizes
        return f"3x{sizes[0]}, 15x{sizes[3]}, {len(sizes) - 18}x<=20"


def population(
    total: int, rng: random.Random, group: Callable[[int], int] = lambda i: 0
) -> Population:
    """Rooms (``_layout``, filled in index order) and roles drawn with ``rng``; PM pairs are
    made within a ``group`` (the load-generator process both sides live in)."""
    sizes = _layout(total)
    room_of: list[str] = []
    for r, size in enumerate(sizes):
        room_of += [f"r{r:03d}"] * size
    room_of = room_of[:total]
    order = list(range(total))
    rng.shuffle(order)
    n_wander = total // 20
    wanderers = order[:n_wander]
    by_group: dict[int, list[int]] = {}
    for i in order[n_wander : n_wander + total // 20]:
        by_group.setdefault(group(i), []).append(i)
    pairs = [(ids[k], ids[k + 1]) for ids in by_group.values() for k in range(0, len(ids) - 1, 2)]
    wandering = set(wanderers)
    sampled = [i % SAMPLE_EVERY == 0 and i not in wandering for i in range(total)]
    sampled_in_room: dict[str, int] = {}
    for i, room in enumerate(room_of):
        if sampled[i]:
            sampled_in_room[room] = sampled_in_room.get(room, 0) + 1
    return Population(
        sizes=sizes,
        room_of=room_of,
        wanderers=wanderers,
        pairs=pairs,
        posters=order[n_wander:],
        sampled=sampled,
        sampled_in_room=sampled_in_room,
        small_rooms=[f"r{r:03d}" for r, size in enumerate(sizes) if size <= 20],
    )


@dataclass
class StepSent:
    started: float  # perf_counter() when the step began
    sent: int
    expected: int  # sampled deliveries these posts owe
    churn: int
    achieved: float  # posts/s really sent


class Traffic:
    """Sends an evening-peak step: posts (one in five a PM) and joins/leaves, paced by the
    clock. Each post's text starts with its sequence number; ``stamp(seq, step, sender)``
    records its send time just before it goes. ``posters``, ``wanderers`` and ``pairs`` are the
    population's (or the part of it this process drives)."""

    def __init__(
        self,
        pop: Population,
        clients: Indexed,
        rng: random.Random,
        stamp: Callable[[int, int, int], None],
        *,
        posters: list[int] | None = None,
        wanderers: list[int] | None = None,
        pairs: list[tuple[int, int]] | None = None,
        first_seq: int = 0,
        seq_stride: int = 1,
    ) -> None:
        self.pop = pop
        self.clients = clients
        self.rng = rng
        self.stamp = stamp
        self.posters = pop.posters if posters is None else posters
        self.wanderers = pop.wanderers if wanderers is None else wanderers
        self.pairs = pop.pairs if pairs is None else pairs
        self.wander_room = {i: pop.room_of[i] for i in self.wanderers}
        self.seq = first_seq
        self.seq_stride = seq_stride

    async def step(self, step: int, rate: float, step_s: float) -> StepSent:
        rng, clients, pairs, posters, wanderers = (
            self.rng,
            self.clients,
            self.pairs,
            self.posters,
            self.wanderers,
        )
        pop, stamp, wander_room = self.pop, self.stamp, self.wander_room
        sampled, sampled_in_room, small_rooms = pop.sampled, pop.sampled_in_room, pop.small_rooms
        perf = time.perf_counter
        expected = 0
        sent = 0
        churn = 0
        seq = self.seq
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
                    stamp(seq, step, a)
                    clients[a].send(
                        {"type": "pm", "to": clients[b].name, "text": f"{seq} {PADDING}"}
                    )
                    expected += sampled[a] + sampled[b]
                else:
                    i = posters[rng.randrange(len(posters))]
                    room = pop.room_of[i]
                    stamp(seq, step, i)
                    clients[i].send({"type": "post", "room": room, "text": f"{seq} {PADDING}"})
                    expected += sampled_in_room.get(room, 0)
                seq += self.seq_stride
                sent += 1
                if rng.random() < CHURN and wanderers:
                    w = wanderers[rng.randrange(len(wanderers))]
                    clients[w].send({"type": "leave", "room": wander_room[w]})
                    wander_room[w] = small_rooms[rng.randrange(len(small_rooms))]
                    clients[w].send({"type": "join", "room": wander_room[w]})
                    churn += 1
            await asyncio.sleep(0.005)
        self.seq = seq
        return StepSent(t0, sent, expected, churn, sent / (perf() - t0))


def step_figures(rate: int, done: StepSent, lat: list[float]) -> dict[str, Any]:
    """A step's delivery figures from its sorted latencies (seconds)."""
    return {
        "rate": rate,
        "achieved_posts_per_s": round(done.achieved),
        "sampled_expected": done.expected,
        "sampled_received": len(lat),
        "joins_leaves": done.churn,
        "p50_ms": round(percentile(lat, 0.5) * 1000, 2),
        "p99_ms": round(percentile(lat, 0.99) * 1000, 2),
        "p999_ms": round(percentile(lat, 0.999) * 1000, 2),
    }


def step_holds(figures: dict[str, Any], rate: int, done: StepSent) -> bool:
    """p99 under the limit, no sampled delivery missing, >= 95 % of the rate really sent."""
    return bool(
        figures["p99_ms"] < P99_LIMIT_MS
        and figures["sampled_received"] >= done.expected
        and done.achieved >= 0.95 * rate
    )


async def run_peak(
    server: Server, total: int, rates: list[int], step_s: float, seed: int = 8
) -> dict[str, Any]:
    rng = random.Random(seed)
    perf = time.perf_counter
    pop = population(total, rng)
    sent_at: dict[int, tuple[float, int]] = {}
    latencies: dict[int, list[float]] = {}

    def sampler(client: Client, data: bytes) -> None:
        now = perf()
        seq = message_seq(data)
        sent = sent_at.get(seq)
        if sent is not None:
            latencies.setdefault(sent[1], []).append(now - sent[0])

    def stamp(seq: int, step: int, sender: int) -> None:
        sent_at[seq] = (perf(), step)

    clients = [Client(server.dialect, sampler if pop.sampled[i] else None) for i in range(total)]
    started = perf()
    rss_before = rss_bytes(server.pid)
    await connect_all(server, clients, pop.room_of, batch=250)
    setup_s = perf() - started
    if server.dialect == "causette":
        await open_conversations(clients, pop.pairs)
    traffic = Traffic(pop, clients, rng, stamp)
    await asyncio.sleep(1.0)  # let the set-up's presence notices and counts settle

    # What the server spends with nobody posting (pings, room counts, presence): the floor
    # under every step's CPU per post.
    idle_cpu = cpu_seconds(server.pid)
    idle_started = perf()
    await asyncio.sleep(IDLE_S)
    idle_share = (cpu_seconds(server.pid) - idle_cpu) / (perf() - idle_started)
    server.profile()
    steps: list[dict[str, Any]] = []
    best = 0
    for step, rate in enumerate(rates):
        counted_at = counters(server, STALL_MS) if server.dialect == "causette" else None
        cpu_server = cpu_seconds(server.pid)
        cpu_gen = loadgen_cpu()
        done = await traffic.step(step, rate, step_s)
        deadline = perf() + 2.0
        while len(latencies.get(step, ())) < done.expected and perf() < deadline:
            await asyncio.sleep(0.02)
        lat = sorted(latencies.get(step, []))
        t0 = done.started
        gen_cpu = (loadgen_cpu() - cpu_gen) / (perf() - t0)
        figures = step_figures(rate, done, lat)
        figures["server_cpu_share"] = round(
            (cpu_seconds(server.pid) - cpu_server) / (perf() - t0), 2
        )
        figures["loadgen_cpu_share"] = round(gen_cpu, 2)
        # The server's CPU per post sent (its deliveries included): the fair comparison on
        # a shared machine, where the held rate also depends on what else runs.
        figures["server_cpu_ms_per_post"] = round(
            1000 * figures["server_cpu_share"] / max(done.achieved, 1.0), 3
        )
        if counted_at is not None:
            grown = counted([server], [counted_at], STALL_MS)
            for key in (f"loop_stalls_over_{STALL_MS}ms", "gc_pauses_over_50ms"):
                figures[key] = grown[key][0]
            figures["stall_sites"] = grown["stall_sites"][0]
        holds = step_holds(figures, rate, done)
        figures["holds"] = holds
        steps.append(figures)
        print(f"    {server.name} step {figures}", flush=True)
        if not holds:
            if STEADY:
                continue
            break
        best = max(best, rate)
        latencies.pop(step, None)
    alive = sum(not c.closed for c in clients)
    rss_after = rss_bytes(server.pid)
    errors = sum(c.errors for c in clients)
    held = sum(c.held for c in clients)
    disconnect_all(clients)
    last = steps[-1] if steps else {}
    limit = "load generator" if last.get("loadgen_cpu_share", 0) > 0.9 else "server"
    return {
        "server": server.name,
        "connections": total,
        "alive_at_end": alive,
        "rooms": len(pop.sizes),
        "room_sizes": pop.room_sizes,
        "pm_pairs": len(pop.pairs),
        "setup_s": round(setup_s, 1),
        "rss_mb": round(rss_after / 2**20, 1),
        "rss_delta_mb": round((rss_after - rss_before) / 2**20, 1),
        "error_frames": errors,
        "held_posts": held,
        "highest_rate_held": best,
        "idle_server_cpu_share": round(idle_share, 3),
        "first_failing_step_limited_by": limit if steps and not last.get("holds") else None,
        "steps": steps,
    }


async def open_conversations(
    clients: Indexed,
    pairs: list[tuple[int, int]],
    resend_s: float | None = None,
    failed: list[tuple[int, int]] | None = None,
) -> int:
    """causette: a first PM opens a request; the other side accepts it (consent).

    ``resend_s``: answer again when the acceptance has not come back after that long (on
    the Redis bus the request can reach the recipient before its process knows the
    conversation, and the answer is refused with ``conversation_unknown``). ``failed``: a
    pair that times out goes there instead of raising. Returns how many answers were sent
    again.
    """
    resent = 0

    async def one(a: int, b: int) -> None:
        try:
            await opening(a, b)
        except TimeoutError:
            if failed is None:
                raise
            failed.append((a, b))

    async def opening(a: int, b: int) -> None:
        nonlocal resent
        incoming = clients[b].expect(b"conversation")
        clients[a].send({"type": "pm", "to": clients[b].name, "text": "salut"})
        data = await asyncio.wait_for(incoming, 30)
        conv = orjson.loads(data)["conversation"]["id"]
        accepted = clients[b].expect(b"conversation")
        answer = {"type": "pm_respond", "conversation": conv, "decision": "accept"}
        clients[b].send(answer)
        for _ in range(int(30 / resend_s) if resend_s else 0):
            done, _ = await asyncio.wait({accepted}, timeout=resend_s)
            if done:
                break
            resent += 1
            clients[b].send(answer)
        await asyncio.wait_for(accepted, 30)

    for start in range(0, len(pairs), 100):
        await asyncio.gather(*(one(a, b) for a, b in pairs[start : start + 100]))
    return resent


def measure(
    make_server: Callable[[], Server], total: int, rates: list[int], step_s: float
) -> dict[str, Any]:
    raise_nofile()
    server = make_server()
    if server.dialect == "causette":
        # The watchdog counts (and locates) the event-loop stalls of each step.
        server.env["CAUSETTE_STALL_LOG_MS"] = str(STALL_MS)
    server.start()
    try:
        with quiet_gc():
            return asyncio.run(run_peak(server, total, rates, step_s))
    finally:
        server.stop()


KEYS = ("highest_rate_held", "setup_s", "rss_mb")
RATES_QUICK = [100, 250, 500, 1000]
RATES = [100, 250, 500, 1000, 1500, 2000, 3000]
STEP_S_QUICK, STEP_S = 2.0, 5.0


def run(quick: bool) -> dict[str, Any]:
    uvloop.install()
    total = int(os.environ.get("BENCH_PEAK_CONNECTIONS", 1000 if quick else 18000))
    rates = RATES_QUICK if quick else RATES
    if STEADY:
        rates = [int(r) for r in STEADY.split(",")]
    step_s = STEP_S_QUICK if quick else STEP_S
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
