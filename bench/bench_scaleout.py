"""Evening peak across processes (issue 8, scenario 2 on the Redis bus): 40,000 connections
over several causette processes sharing one PostgreSQL and one Redis.

The population and the traffic are the evening peak's (``bench_peak``: rooms of realistic
sizes, one chatter in 20 in an accepted private conversation and one post in five a PM, one
in 20 wandering between small rooms, one receiver in ten sampled), stretched to 40,000
connections (quick: 2,000) on 3 server processes (quick: 2), each on its own fresh
PostgreSQL schema (dropped afterwards) and Redis prefix. Chatter ``i`` is on server
``i % processes``, so every room's members sit on every process and most deliveries take
the Redis hop. causette only: the peers have no bus.

The load generator is split over several OS processes (a process holds at most 20,000
descriptors here, so at most ~14,000 sockets each; 3 for 40,000), started with
``multiprocessing`` (spawn), each on uvloop with ``load.Client``, its sockets bound to
127.0.0.2-9; chatter ``i`` belongs to generator ``(i // processes) % generators``, so each
generator talks to every server, and both sides of a PM pair belong to the same generator
(to open their conversation). Latency across processes: ``time.perf_counter()`` is
CLOCK_MONOTONIC, one clock for every process, so the sender writes its send time into
shared memory under the post's sequence number (in the text) and whichever process
receives it computes post-to-receipt, split into receivers on the sender's server and on
another one (the Redis hop).

Rules: set-up within a time budget (full: 420 s; no batch starts after it): a client that
fails is counted, not retried, and the figures say how many are alive
(``connections_alive``); at most 60 logins are in flight per server process
(``IN_FLIGHT_PER_SERVER``). Only connected chatters post and only connected samplers are
expected; a conversation whose acceptance is refused (``conversation_unknown``: the request
beat the control event to the recipient's process) is accepted again after 1 s and counted,
a pair that still fails is left out and counted. Then the rate is stepped up (the evening
peak's steps, 5 s each; each generator sends its share, all starting on the same clock
tick); a step holds when p99 < 100 ms, no sampled delivery is missing 2 s after the step
and >= 95 % of the rate was sent; the highest rate held is the figure. Per step: server CPU
per process and summed, each generator's CPU (near 100 %: it is the limit, not the
servers), the CPU of every ``redis-server`` and ``postgres`` process on the machine, the
machine's busy cores (and what other processes took of them: the machine is shared), the
p50 of each second's posts (climbing: a backlog; flat with a high p99: stalls), and the
servers' own counters (event-loop stalls >= 100 ms and where their watchdog caught the
loop, GC pauses, bus holes filled from the store). Everything shares 2 cores: read the
figures as what this machine allows, not as what 3 processes would do on 3 machines.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import resource
import secrets
import tempfile
import time
from array import array
from collections import Counter
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from typing import Any

import sqlalchemy as sa
import uvloop

from bench.bench_cluster import DATABASE_URL, REDIS_URL
from bench.bench_peak import (
    P99_LIMIT_MS,
    RATES,
    STEP_S,
    STEP_S_QUICK,
    StepSent,
    Traffic,
    loadgen_cpu,
    open_conversations,
    population,
    step_figures,
    step_holds,
)
from bench.counters import counted, counters
from bench.load import (
    BENCH_ROOMS,
    Client,
    Server,
    causette_server,
    command_cpu_seconds,
    connect_all,
    connected,
    cpu_seconds,
    disconnect_all,
    error_code,
    machine_cpu_seconds,
    message_seq,
    percentile,
    quiet_gc,
    raise_nofile,
    rooms_file,
    rss_bytes,
)

SOCKETS_PER_GENERATOR = 13_500
# Set-up: connections logging in at once per server process, all generators together. Each
# hello claims the pseudonym in Redis, and redis-py 8 pools at most 100 connections per
# process: past that, causette's bus gets "Too many connections", takes Redis for down and
# catches up from the store (a storm of reads that slowed the set-up to a crawl).
IN_FLIGHT_PER_SERVER = int(os.environ.get("BENCH_SCALEOUT_IN_FLIGHT", 60))
RATES_QUICK = [100, 250]
SEED = 8


@dataclass
class Plan:
    """What every generator process knows: the population and who drives whom."""

    total: int
    ws_urls: list[str]  # one per server process
    generators: int
    capacity: int  # sequence numbers the shared arrays hold
    setup_budget_s: float
    batch: int

    def server_of(self, i: int) -> int:
        return i % len(self.ws_urls)

    def generator_of(self, i: int) -> int:
        return (i // len(self.ws_urls)) % self.generators


class Generator:
    """One load-generator process: its share of the population, driven by the coordinator
    through a pipe (one command, one reply)."""

    def __init__(self, g: int, plan: Plan, shared: tuple[Any, Any, Any]) -> None:
        self.g, self.plan = g, plan
        self.sent_at, self.step_of, self.origin = shared
        self.pop = population(plan.total, random.Random(SEED), group=plan.generator_of)
        self.mine = [i for i in range(plan.total) if plan.generator_of(i) == g]
        # step -> (send time, latency, 1.0 when the receiver is on another server) per sample
        self.samples: dict[int, array[float]] = {}
        samplers = [self._sampler(k) for k in range(len(plan.ws_urls))]
        self.clients = {
            i: Client("causette", samplers[plan.server_of(i)] if self.pop.sampled[i] else None)
            for i in self.mine
        }
        self.traffic: Traffic | None = None
        self.cpu0 = 0.0
        self.started = 0.0

    def _sampler(self, server: int) -> Any:
        perf, sent_at, step_of, origin = time.perf_counter, self.sent_at, self.step_of, self.origin
        samples, capacity = self.samples, self.plan.capacity

        def record(client: Client, data: bytes) -> None:
            now = perf()
            seq = message_seq(data)
            if 0 <= seq < capacity and sent_at[seq]:
                sent = sent_at[seq]
                step = step_of[seq]
                into = samples.get(step)
                if into is None:
                    into = samples[step] = array("d")
                into.extend((sent, now - sent, float(origin[seq] != server)))

        return record

    def _stamp(self, seq: int, step: int, sender: int) -> None:
        self.sent_at[seq] = time.perf_counter()
        self.step_of[seq] = step
        self.origin[seq] = self.plan.server_of(sender)

    async def connect(self) -> dict[str, Any]:
        plan, g = self.plan, self.g
        servers = [
            Server(f"causette-{k}", [], {}, "", url, "causette", workdir="")
            for k, url in enumerate(plan.ws_urls)
        ]
        failures: list[BaseException] = []
        deadline = time.monotonic() + plan.setup_budget_s
        started = time.perf_counter()

        async def one_server(k: int) -> None:
            ids = [i for i in self.mine if plan.server_of(i) == k]
            await connect_all(
                servers[k],
                [self.clients[i] for i in ids],
                [self.pop.room_of[i] for i in ids],
                batch=plan.batch,
                name_prefix=f"g{g}s{k}n",
                failures=failures,
                deadline=deadline,
            )

        async def progress() -> None:
            while True:
                await asyncio.sleep(30)
                alive = sum(connected(self.clients[i]) for i in self.mine)
                print(f"    generator {g}: {alive:,} connected, {len(failures)} failed", flush=True)

        reporter = asyncio.create_task(progress())
        await asyncio.gather(*(one_server(k) for k in range(len(servers))))
        reporter.cancel()
        ok = [i for i in self.mine if connected(self.clients[i])]
        kinds = Counter(type(exc).__name__ for exc in failures)
        return {
            "setup_s": time.perf_counter() - started,
            "connected": ok,
            "failed": len(failures),
            "failure_kinds": dict(kinds),
            "not_tried": len(self.mine) - len(ok) - len(failures),
        }

    async def prepare(self, sampled_in_room: dict[str, int]) -> dict[str, Any]:
        """Only connected chatters post, wander and talk in private; only connected
        samplers (cluster-wide, counted by the coordinator) are expected."""
        pop, g, plan = self.pop, self.g, self.plan
        pop.sampled_in_room = sampled_in_room
        live = {i for i in self.mine if connected(self.clients[i])}
        pairs = [
            (a, b) for a, b in pop.pairs if plan.generator_of(a) == g and a in live and b in live
        ]
        started = time.perf_counter()
        failed: list[tuple[int, int]] = []
        resent = await open_conversations(self.clients, pairs, resend_s=1.0, failed=failed)
        errors = Counter(error_code(self.clients[i]) or "none" for pair in failed for i in pair)
        gone = set(failed)
        pairs = [pair for pair in pairs if pair not in gone]
        self.traffic = Traffic(
            pop,
            self.clients,
            random.Random(SEED + 1 + g),
            self._stamp,
            posters=[i for i in pop.posters if i in live],
            wanderers=[i for i in pop.wanderers if i in live],
            pairs=pairs,
            first_seq=g,
            seq_stride=plan.generators,
        )
        return {
            "conversations_s": time.perf_counter() - started,
            "pairs": len(pairs),
            "answers_resent": resent,
            "failed": len(failed),
            "failed_errors": dict(errors),
        }

    async def step(self, step: int, rate: float, step_s: float, start: float) -> dict[str, Any]:
        assert self.traffic is not None
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        self.cpu0 = loadgen_cpu()
        done = await self.traffic.step(step, rate, step_s)
        self.started = done.started
        return asdict(done)

    def count(self, step: int) -> int:
        return len(self.samples.get(step, ())) // 3

    def collect(self, step: int) -> dict[str, Any]:
        return {
            "samples": self.samples.pop(step, array("d")).tobytes(),
            "cpu_share": (loadgen_cpu() - self.cpu0) / (time.perf_counter() - self.started),
        }

    def finish(self) -> dict[str, Any]:
        clients = self.clients.values()
        out = {
            "alive": sum(connected(c) for c in clients),
            "error_frames": sum(c.errors for c in clients),
            "error_codes": dict(Counter(error_code(c) or "?" for c in clients if c.errors)),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        disconnect_all(clients)
        return out

    async def serve(self, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            command, *args = await loop.run_in_executor(None, conn.recv)
            if command == "connect":
                reply: Any = await self.connect()
            elif command == "prepare":
                reply = await self.prepare(*args)
            elif command == "step":
                reply = await self.step(*args)
            elif command == "count":
                reply = self.count(*args)
            elif command == "collect":
                reply = self.collect(*args)
            else:
                conn.send(self.finish())
                await asyncio.sleep(0.5)  # let the closing handshakes go out
                return
            conn.send(reply)


def _generator_main(g: int, plan: Plan, shared: tuple[Any, Any, Any], conn: Connection) -> None:
    """Entry point of a generator process (spawned: nothing inherited but the arguments)."""
    raise_nofile()
    uvloop.install()
    try:
        with quiet_gc():
            asyncio.run(Generator(g, plan, shared).serve(conn))
    except BaseException as exc:
        conn.send({"error": f"generator {g}: {exc!r}"[:500]})
        raise


IDLE_S = 5.0  # measured before the first step
STALL_LOG_MS = 100  # the servers' watchdog logs where their event loop is stuck past this


def _ask(conns: list[Connection], message: tuple[Any, ...], timeout: float) -> list[Any]:
    """Send one command to every generator, then wait for every reply."""
    for conn in conns:
        conn.send(message)
    replies = []
    deadline = time.monotonic() + timeout
    for g, conn in enumerate(conns):
        if not conn.poll(max(0.0, deadline - time.monotonic())):
            raise TimeoutError(f"generator {g} did not answer {message[0]!r} in {timeout} s")
        reply = conn.recv()
        if isinstance(reply, dict) and "error" in reply:
            raise RuntimeError(reply["error"])
        replies.append(reply)
    return replies


def _settle(servers: list[Server], at_most_s: float) -> float:
    """Wait (at least 1 s) until the servers, together, use under half a core: the set-up's
    presence notices and room counts drained. Returns the seconds waited."""
    started = time.perf_counter()
    time.sleep(1.0)
    while time.perf_counter() - started < at_most_s:
        before = sum(cpu_seconds(s.pid) for s in servers)
        time.sleep(1.0)
        if sum(cpu_seconds(s.pid) for s in servers) - before < 0.5:
            break
    return round(time.perf_counter() - started, 1)


def _idle(servers: list[Server], seconds: float) -> dict[str, Any]:
    """What the servers spend with every chatter connected and nobody posting (presence
    refreshes, room counts, pings): the floor under every step."""
    print(f"    scaleout: {seconds:g} s idle", flush=True)
    cpu = [cpu_seconds(s.pid) for s in servers]
    machine = machine_cpu_seconds()
    started = time.perf_counter()
    time.sleep(seconds)
    elapsed = time.perf_counter() - started
    per_server = [(cpu_seconds(s.pid) - c) / elapsed for s, c in zip(servers, cpu, strict=True)]
    return {
        "server_cpu_share_per_process": [round(x, 2) for x in per_server],
        "machine_cpu_share": round((machine_cpu_seconds() - machine) / elapsed, 2),
    }


def _limited_by(figures: dict[str, Any]) -> str:
    if max(figures["loadgen_cpu_share_per_process"]) > 0.9:
        return "load generator"
    if max(figures["server_cpu_share_per_process"]) > 0.9:
        return "a server process (a full core)"
    if figures["redis_cpu_share"] > 0.9:
        return "redis"
    if figures["postgres_cpu_share"] > 0.9:
        return "postgresql"
    if figures["machine_cpu_share"] > 0.85 * (os.cpu_count() or 1):
        cause = "the machine's cores (servers, generators, Redis and PostgreSQL together"
        others = figures["others_cpu_share"]
        cause += f"; other processes: {others} cores)" if others >= 0.2 else ")"
    else:
        cause = "latency (no process at a full core)"
    stalls = sum(figures["loop_stalls_over_100ms_per_process"])
    return f"{cause}; {stalls} event-loop stalls >= 100 ms" if stalls else cause


def _steps(
    servers: list[Server], conns: list[Connection], rates: list[int], step_s: float
) -> list[dict[str, Any]]:
    perf = time.perf_counter
    steps: list[dict[str, Any]] = []
    for step, rate in enumerate(rates):
        counted_at = [counters(s, STALL_LOG_MS) for s in servers]
        start = perf() + 0.2  # every generator starts on this tick of the shared clock
        cpu = [cpu_seconds(s.pid) for s in servers]
        redis, postgres = command_cpu_seconds("redis-server"), command_cpu_seconds("postgres")
        machine = machine_cpu_seconds()
        share = rate / len(conns)
        sent = _ask(conns, ("step", step, share, step_s, start), step_s + 60)
        done = StepSent(
            started=min(s["started"] for s in sent),
            sent=sum(s["sent"] for s in sent),
            expected=sum(s["expected"] for s in sent),
            churn=sum(s["churn"] for s in sent),
            achieved=sum(s["achieved"] for s in sent),
        )
        deadline = perf() + 2.0
        while perf() < deadline and sum(_ask(conns, ("count", step), 30)) < done.expected:
            time.sleep(0.05)
        got = _ask(conns, ("collect", step), 60)
        elapsed = perf() - start
        samples = [x for g in got for x in array("d", g["samples"])]
        triples = list(zip(samples[0::3], samples[1::3], samples[2::3], strict=True))
        near = sorted(lat for _, lat, far in triples if not far)
        far = sorted(lat for _, lat, far in triples if far)
        by_second: dict[int, list[float]] = {}
        for sent_at, lat, _ in triples:
            by_second.setdefault(int(sent_at - done.started), []).append(lat)
        figures = step_figures(rate, done, sorted(near + far))
        per_server = [(cpu_seconds(s.pid) - c) / elapsed for s, c in zip(servers, cpu, strict=True)]
        figures |= {
            "p50_ms_same_process": round(percentile(near, 0.5) * 1000, 2),
            "p50_ms_other_process": round(percentile(far, 0.5) * 1000, 2),
            "other_process_share": round(len(far) / max(1, len(near) + len(far)), 2),
            # p50 of the posts sent in each second of the step: climbing = a backlog
            "p50_ms_by_second": [
                round(percentile(sorted(by_second[k]), 0.5) * 1000, 1) for k in sorted(by_second)
            ],
            "server_cpu_share": round(sum(per_server), 2),
            "server_cpu_share_per_process": [round(x, 2) for x in per_server],
            "loadgen_cpu_share_per_process": [round(g["cpu_share"], 2) for g in got],
            "redis_cpu_share": round((command_cpu_seconds("redis-server") - redis) / elapsed, 2),
            "postgres_cpu_share": round((command_cpu_seconds("postgres") - postgres) / elapsed, 2),
            "machine_cpu_share": round((machine_cpu_seconds() - machine) / elapsed, 2),
        }
        ours = (
            figures["server_cpu_share"]
            + sum(figures["loadgen_cpu_share_per_process"])
            + figures["redis_cpu_share"]
            + figures["postgres_cpu_share"]
        )
        figures["others_cpu_share"] = round(max(0.0, figures["machine_cpu_share"] - ours), 2)
        grown = counted(servers, counted_at, STALL_LOG_MS)
        figures |= {
            "loop_stalls_over_100ms_per_process": grown["loop_stalls_over_100ms"],
            "gc_pauses_over_50ms_per_process": grown["gc_pauses_over_50ms"],
            "bus_filled_from_store": sum(grown["bus_filled_from_store"]),
            "stall_sites": dict(
                sum((Counter(sites) for sites in grown["stall_sites"]), Counter()).most_common(4)
            ),
        }
        figures["holds"] = step_holds(figures, rate, done)
        steps.append(figures)
        print(f"    scaleout step {figures}", flush=True)
        if not figures["holds"]:
            figures["limited_by"] = _limited_by(figures)
            break
    return steps


def _cluster_env(schema: str, rooms: str) -> dict[str, str]:
    return {
        "CAUSETTE_DATABASE_URL": f"{DATABASE_URL}?options=-csearch_path%3D{schema}",
        "CAUSETTE_REDIS_URL": REDIS_URL,
        "CAUSETTE_REDIS_PREFIX": f"{schema}:",
        "CAUSETTE_SECRET": "bench",
        "CAUSETTE_ROOMS_FILE": rooms,
    }


def measure(
    processes: int,
    generators: int,
    total: int,
    rates: list[int],
    step_s: float,
    setup_budget_s: float,
) -> dict[str, Any]:
    raise_nofile()
    perf = time.perf_counter
    schema = f"bench_{secrets.token_hex(4)}"
    engine = sa.create_engine(DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    pop = population(total, random.Random(SEED))
    rooms = rooms_file(tempfile.mkdtemp(prefix="causette-bench-"), max(BENCH_ROOMS, len(pop.sizes)))
    env = _cluster_env(schema, rooms) | {"CAUSETTE_STALL_LOG_MS": str(STALL_LOG_MS)}
    servers = [causette_server(**env) for _ in range(processes)]
    ctx = multiprocessing.get_context("spawn")
    capacity = int(sum(rates) * step_s * 1.5) + 1000
    shared = (ctx.RawArray("d", capacity), ctx.RawArray("h", capacity), ctx.RawArray("b", capacity))
    procs: list[Any] = []
    conns: list[Connection] = []
    try:
        for server in servers:
            server.start()
        batch = max(1, IN_FLIGHT_PER_SERVER // generators)
        plan = Plan(total, [s.ws_url for s in servers], generators, capacity, setup_budget_s, batch)
        for g in range(generators):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_generator_main, args=(g, plan, shared, theirs), daemon=True)
            proc.start()
            procs.append(proc)
            conns.append(ours)
        counted_at = [counters(s, STALL_LOG_MS) for s in servers]
        rss_before = [rss_bytes(s.pid) for s in servers]
        cpu_before = sum(cpu_seconds(s.pid) for s in servers)
        started = perf()
        setup = _ask(conns, ("connect",), setup_budget_s + 300)
        setup_s = perf() - started
        setup_cpu = sum(cpu_seconds(s.pid) for s in servers) - cpu_before
        live = {i for g in setup for i in g["connected"]}
        sampled_in_room = dict(Counter(pop.room_of[i] for i in live if pop.sampled[i]))
        started = perf()
        prepared = _ask(conns, ("prepare", sampled_in_room), 300)
        conversations_s = perf() - started
        settle_s = _settle(servers, 60)
        counted_setup = counted(servers, counted_at, STALL_LOG_MS)
        idle = _idle(servers, IDLE_S)
        counted_at = [counters(s, STALL_LOG_MS) for s in servers]
        for server in servers:
            server.profile()
        steps = _steps(servers, conns, rates, step_s)
        rss = [rss_bytes(s.pid) for s in servers]
        counted_steps = counted(servers, counted_at, STALL_LOG_MS)
        ended = _ask(conns, ("finish",), 60)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
        for server in servers:
            server.stop()
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
    held = [s["rate"] for s in steps if s["holds"]]
    last = steps[-1] if steps else {}
    failures: Counter[str] = Counter()
    for g in setup:
        failures.update(g["failure_kinds"])
    return {
        "server_processes": processes,
        "generator_processes": generators,
        "connections_asked": total,
        "connections_established": len(live),
        "connections_alive": sum(e["alive"] for e in ended),
        "connect_failures": dict(failures),
        "connections_not_tried": sum(g["not_tried"] for g in setup),
        "setup_s": round(setup_s, 1),
        "setup_budget_s": setup_budget_s,
        "setup_server_cpu_s": round(setup_cpu, 1),
        "setup_s_per_generator": [round(g["setup_s"], 1) for g in setup],
        "conversations_s": round(conversations_s, 1),
        "settle_s": settle_s,
        "idle": idle,
        "rooms": len(pop.sizes),
        "room_sizes": pop.room_sizes,
        "pm_pairs": sum(p["pairs"] for p in prepared),
        # pm_respond refused (conversation_unknown) because it beat the control event
        "conversation_answers_resent": sum(p["answers_resent"] for p in prepared),
        "pm_pairs_failed": sum(p["failed"] for p in prepared),
        "pm_pairs_failed_errors": dict(
            sum((Counter(p["failed_errors"]) for p in prepared), Counter())
        ),
        "rss_mb_per_process": [round(x / 2**20, 1) for x in rss],
        "rss_delta_mb_per_process": [
            round((x - y) / 2**20, 1) for x, y in zip(rss, rss_before, strict=True)
        ],
        "rss_mb_total": round(sum(rss) / 2**20, 1),
        "loadgen_rss_mb_per_process": [round(e["rss_mb"], 1) for e in ended],
        "error_frames": sum(e["error_frames"] for e in ended),
        "error_codes_last_per_client": dict(
            sum((Counter(e["error_codes"]) for e in ended), Counter())
        ),
        "server_counters_setup": counted_setup,
        "server_counters_steps": counted_steps,
        "highest_rate_held": held[-1] if held else 0,
        "first_failing_step_limited_by": last.get("limited_by"),
        "steps": steps,
    }


def run(quick: bool) -> dict[str, Any]:
    total = int(os.environ.get("BENCH_SCALEOUT_CONNECTIONS", 2000 if quick else 40000))
    processes = int(os.environ.get("BENCH_SCALEOUT_PROCESSES", 2 if quick else 3))
    generators = max(processes, -(-total // SOCKETS_PER_GENERATOR))
    rates = RATES_QUICK if quick else RATES
    step_s = STEP_S_QUICK if quick else STEP_S
    budget = float(os.environ.get("BENCH_SCALEOUT_SETUP_S", 60 if quick else 420))
    result = measure(processes, generators, total, rates, step_s, budget)
    result.update(rates=rates, step_s=step_s, p99_limit_ms=P99_LIMIT_MS)
    return result
