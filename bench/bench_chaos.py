"""Repeated node deaths, the long variant (issue 17, scenario 1): ``make chaos``.

Three ``causette serve`` processes on one PostgreSQL (a private schema) and one Redis (a
private key prefix), sharing one data directory (the keys that seal bodies at rest); 1,000
clients, 80 % in rooms of 40 (one sender per room posting one message a second, every member
reading) and 20 % in private conversations (one side writing every 2 s, the other reading);
every 10 s a random process is killed with SIGKILL and started again, for 10 minutes.

What is checked and reported (bench/results/chaos.json):
- every acknowledged message reached every reader of its channel once and in order (the
  ids each reader got are strictly increasing and contain every acknowledged id);
- each client of a killed process is back and caught up (``synced`` after a resume from its
  last ids, on a live process chosen at random) within 5 s of the kill: the time from the
  SIGKILL to that ``synced``, max / p99 / p50 and how many took longer;
- each process's RSS over each of its lives (start, end, max; sampled every second), and the
  trend over the run, to show a leak if there is one.

The load generator (this process, uvloop + picows clients of bench/load.py) shares the two
cores with the three servers, PostgreSQL and Redis: the figures are this machine's on that
day, said with its load average. ``CHAOS_SECONDS``, ``CHAOS_CLIENTS`` and
``CHAOS_KILL_EVERY_S`` (or ``--seconds``, ``--clients``, ``--kill-every``) shorten it;
``python -m bench --only chaos --quick`` is a one-minute, 200-client run.

``--rolling`` (bench/bench_rolling.py, scenario 5's long variant) sends SIGTERM to each
process in turn instead: it drains (a last flush, close 1001) and exits, its clients resume
elsewhere; the time from the signal to the exit is reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import pathlib
import random
import secrets
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
import uvloop

from bench.bench_cluster import DATABASE_URL, REDIS_URL
from bench.load import (
    Client,
    Server,
    causette_server,
    connect_all,
    connected,
    error_code,
    open_socket,
    percentile,
    raise_nofile,
    rss_bytes,
)

RESULTS = pathlib.Path(__file__).parent / "results"
PROCESSES = 3
ROOM_SIZE = 40
PM_SHARE = 0.2  # of the clients, in private pairs
POST_EVERY_S = 1.0  # per room
PM_EVERY_S = 2.0  # per private conversation
BACK_WITHIN_S = 5.0  # the goal
ACK_TIMEOUT_S = 10.0
SETTLE_S = 60.0  # after the run, for every reader to read the last acknowledged ids
SEED = 17
BACKOFF_BASE_S = 0.5  # web/js/socket.js BACKOFF_BASE_MS
BACKOFF_MAX_S = 30.0
ATTEMPT_TIMEOUT_S = 20.0
# Ordinary talk (a run of "xxxx…" reads as spam to the safety engine: some were blocked).
LINE = "on se retrouve samedi au marché pour le pique-nique, j'apporte les fruits et une nappe"


class ChaosClient(Client):
    """A bench client that keeps, per channel, every message id it read (in arrival order),
    gets its own acknowledgements' ids, and resumes elsewhere when its socket drops."""

    def __init__(self, bench: Chaos) -> None:
        super().__init__("causette", on_message=self._read)
        self.bench = bench
        self.home = 0
        self.ids: dict[str, list[int]] = {}
        self.answer: asyncio.Future[dict[str, Any]] | None = None
        self.conversations: list[dict[str, Any]] = []
        self.resuming = False

    def _read(self, client: Client, data: bytes) -> None:
        event = orjson.loads(data)
        channel, message_id = event["channel"], event["id"]
        self.ids.setdefault(channel, []).append(message_id)
        if message_id > self.last_ids.get(channel, 0):
            self.last_ids[channel] = message_id

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        data = frame.get_payload_as_bytes()
        if data.startswith((b'{"type":"ack"', b'{"type":"error"', b'{"type":"held"')):
            answer = self.answer
            if answer is not None and not answer.done():
                answer.set_result(orjson.loads(data))
            if data.startswith(b'{"type":"error"'):
                self.bench.errors[str(orjson.loads(data).get("code"))] += 1
            elif data.startswith(b'{"type":"held"'):
                self.bench.errors["held"] += 1
            return
        if data.startswith(b'{"type":"conversation"'):
            self.conversations.append(orjson.loads(data)["conversation"])
            return
        super().on_ws_frame(transport, frame)

    def on_ws_disconnected(self, transport: Any) -> None:
        if transport is not self.transport:
            return  # a socket of a failed attempt, closed after the next one opened
        super().on_ws_disconnected(transport)
        answer = self.answer
        if answer is not None and not answer.done():
            answer.set_exception(ConnectionError("socket closed"))
        # A resume whose socket closes (its process killed meanwhile) is over at once, as in
        # web/js/socket.js (onclose: the next try); it waited for its whole patience before.
        for waiting in self.waiting.values():
            if not waiting.done():
                waiting.set_exception(ConnectionError("socket closed"))
        self.waiting.clear()
        if self.bench.running and not self.resuming:
            self.bench.lost(self)

    async def request(self, event: dict[str, Any]) -> dict[str, Any]:
        """Send ``event``; its ``ack`` or ``error`` (ConnectionError if the socket drops)."""
        self.answer = asyncio.get_running_loop().create_future()
        self.send(event)
        return await asyncio.wait_for(self.answer, ACK_TIMEOUT_S)


@dataclass
class Life:
    """One life of one process: from a start to its kill (or the end of the run)."""

    slot: int
    pid: int
    started_s: float
    ended_s: float | None = None
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (t, rss, clients)

    def summary(self) -> dict[str, Any]:
        rss = [r for _, r, _ in self.samples]
        mb = 1 / (1 << 20)
        return {
            "process": self.slot,
            "pid": self.pid,
            "started_s": round(self.started_s, 1),
            "lived_s": round((self.ended_s or self.started_s) - self.started_s, 1),
            "rss_mb_start": round(rss[0] * mb, 1) if rss else None,
            "rss_mb_end": round(rss[-1] * mb, 1) if rss else None,
            "rss_mb_max": round(max(rss) * mb, 1) if rss else None,
            "clients_at_end": self.samples[-1][2] if self.samples else 0,
            "clients_max": max((c for _, _, c in self.samples), default=0),
        }


@dataclass
class Stream:
    """One sender's paced stream to one channel, and the ids acknowledged."""

    client: ChaosClient
    channel: str
    event: dict[str, Any]
    every_s: float
    readers: list[ChaosClient]
    acked: list[int] = field(default_factory=list)
    retries: int = 0


class Chaos:
    def __init__(
        self, servers: list[Server], seconds: float, kill_every_s: float, rolling: bool
    ) -> None:
        self.servers = servers
        self.rolling = rolling
        self.drain_s: list[float] = []
        self.back_after_close: list[float] = []
        self.seconds = seconds
        self.kill_every_s = kill_every_s
        self.rng = random.Random(SEED)
        self.jitter = random.Random(SEED + 1)  # the clients' own: not the victims' sequence
        self.up = [True] * len(servers)
        self.killed_at = [-1e9] * len(servers)
        self.running = False
        self.t0 = time.monotonic()
        self.clients: list[ChaosClient] = []
        self.resumes: set[asyncio.Task[None]] = set()
        self.back_after: list[float] = []
        self.resume_attempts_failed = 0
        self.resume_failures: Counter[str] = Counter()
        self.lost_without_kill = 0
        self.errors: Counter[str] = Counter()
        self.lives: list[Life] = []
        self.current: list[Life] = []
        self.kills = 0
        self.kills_skipped = 0
        self.detected_after: list[float] = []
        self.restart_s: list[float] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    # -- the chaos: one SIGKILL every kill_every_s, then a restart --------------------------
    async def chaos(self, until: float) -> None:
        """Every ``kill_every_s``, SIGKILL a random live process and start it again in the
        background (a start takes seconds on a loaded machine: the rhythm does not wait for
        it). Never the last live one: then the kill is skipped and counted."""
        restarts: set[asyncio.Task[None]] = set()
        while self.now() + self.kill_every_s < until:
            await asyncio.sleep(self.kill_every_s)  # the scenario's rhythm, not a wait
            live = [slot for slot, up in enumerate(self.up) if up]
            slot = self.kills % len(self.servers) if self.rolling else self.rng.choice(live)
            if len(live) < 2 or slot not in live:
                self.kills_skipped += 1
                continue
            server = self.servers[slot]
            assert server.proc is not None
            self.up[slot] = False
            self.killed_at[slot] = self.now()
            if self.rolling:
                server.proc.terminate()  # SIGTERM: it drains, closes with 1001, exits
            else:
                server.proc.kill()
            await asyncio.to_thread(server.proc.wait)
            self.drain_s.append(self.now() - self.killed_at[slot])
            self.kills += 1
            self.current[slot].ended_s = self.now()
            task = asyncio.create_task(self._restart(slot))
            restarts.add(task)
            task.add_done_callback(restarts.discard)
        await asyncio.gather(*restarts)

    async def _restart(self, slot: int) -> None:
        started = time.monotonic()
        await asyncio.to_thread(self.servers[slot].start)
        self.restart_s.append(time.monotonic() - started)
        self._new_life(slot)
        self.up[slot] = True

    def _new_life(self, slot: int) -> None:
        life = Life(slot, self.servers[slot].pid, self.now())
        self.lives.append(life)
        if slot < len(self.current):
            self.current[slot] = life
        else:
            self.current.append(life)

    async def sample_rss(self) -> None:
        while True:
            homes = Counter(c.home for c in self.clients if connected(c) and not c.resuming)
            for slot, life in enumerate(self.current):
                if self.up[slot]:
                    try:
                        rss = rss_bytes(life.pid)
                    except OSError:
                        continue
                    life.samples.append((self.now(), rss, homes.get(slot, 0)))
            await asyncio.sleep(1.0)

    # -- a client whose socket dropped: back on a live process, from its last ids -----------
    def lost(self, client: ChaosClient) -> None:
        client.resuming = True
        task = asyncio.get_running_loop().create_task(self._resume(client))
        self.resumes.add(task)
        task.add_done_callback(self.resumes.discard)

    async def _resume(self, client: ChaosClient) -> None:
        killed = self.killed_at[client.home]
        closed = self.now()
        # Dropped by a kill (its process died in the last seconds, or is draining after a
        # SIGTERM): measured from the kill.
        since = killed if closed - killed < (10.0 if self.rolling else 3.0) else closed
        if since != killed:
            self.lost_without_kill += 1
        else:
            self.detected_after.append(closed - killed)
        attempt = 0
        try:
            while self.running:
                # As the web client does (web/js/socket.js): each try after an "equal
                # jitter" delay, doubling from 0.5 s up to 30 s; a try that gets no
                # ``synced`` within 20 s is given up (its heartbeat would notice).
                base = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2**attempt)
                attempt += 1
                await asyncio.sleep(base / 2 + self.jitter.random() * base / 2)
                live = [i for i, up in enumerate(self.up) if up]
                slot = self.rng.choice(live) if live else client.home
                try:
                    await open_socket(self.servers[slot], client, timeout=ATTEMPT_TIMEOUT_S)
                except Exception as exc:  # refused, timed out, reset: another try elsewhere
                    self.resume_attempts_failed += 1
                    self.resume_failures[f"{type(exc).__name__}:{error_code(client)}"] += 1
                    client.last_error = None
                    client.disconnect()
                    continue
                client.home = slot
                self.back_after.append(self.now() - since)
                self.back_after_close.append(self.now() - closed)
                return
        finally:
            client.resuming = False
        if self.running and not connected(client):
            self.lost(client)

    # -- the traffic --------------------------------------------------------------------------
    async def stream(self, stream: Stream, until: float) -> None:
        client, seq = stream.client, 0
        while self.now() < until:
            if client.resuming or not connected(client):
                await asyncio.sleep(0.05)
                continue
            text = f"{seq} {LINE}"
            try:
                answer = await client.request({**stream.event, "text": text})
            except (ConnectionError, TimeoutError):
                stream.retries += 1  # not acknowledged: sent again once resumed
                continue
            if answer.get("type") == "ack":
                stream.acked.append(int(answer["id"]))
                seq += 1
                await asyncio.sleep(stream.every_s)
            else:
                stream.retries += 1
                await asyncio.sleep(0.5)


async def _open_pair(a: ChaosClient, b: ChaosClient) -> str:
    """``a`` writes to ``b``, ``b`` accepts: the conversation's channel."""
    deadline = time.monotonic() + 30
    while True:
        # ``b`` may sit on another process whose presence has not reached ``a``'s yet.
        answer = await a.request({"type": "pm", "to": b.name, "text": f"0 {LINE}"})
        if answer.get("code") != "user_unknown" or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert answer["type"] == "ack", answer
    while not b.conversations:
        assert time.monotonic() < deadline, "no conversation request"
        await asyncio.sleep(0.02)
    conv_id = b.conversations[0]["id"]
    b.send({"type": "pm_respond", "conversation": conv_id, "decision": "accept"})
    while not any(c["id"] == conv_id and c["state"] == "accepted" for c in a.conversations):
        assert time.monotonic() < deadline, "conversation never accepted"
        await asyncio.sleep(0.02)
    return str(conv_id)


async def _wait_read(streams: list[Stream], within: float) -> float:
    """Until every reader of every stream has its last acknowledged id (or ``within``)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if all(
            (r.ids.get(s.channel) or [0])[-1] >= s.acked[-1]
            for s in streams
            if s.acked
            for r in s.readers
        ):
            break
        await asyncio.sleep(0.2)
    return time.monotonic() - started


def _check(streams: list[Stream]) -> dict[str, Any]:
    """Every acknowledged message read once and in order by every reader of its channel."""
    out_of_order = duplicated = lost = reads = 0
    for s in streams:
        acked = set(s.acked)
        for reader in s.readers:
            ids = reader.ids.get(s.channel, [])
            reads += len(ids)
            duplicated += len(ids) - len(set(ids))
            out_of_order += sum(1 for x, y in itertools.pairwise(ids) if y < x)
            lost += len(acked - set(ids))
    return {
        "readers_checked": sum(len(s.readers) for s in streams),
        "reads": reads,
        "lost": lost,
        "duplicated": duplicated,
        "out_of_order": out_of_order,
    }


def _stats(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        "p50_s": round(percentile(ordered, 0.5), 3),
        "p99_s": round(percentile(ordered, 0.99), 3),
        "max_s": round(ordered[-1], 3),
        f"over_{BACK_WITHIN_S:g}_s": sum(1 for v in ordered if v > BACK_WITHIN_S),
    }


def _rss_trend(lives: list[Life]) -> dict[str, Any]:
    """The RSS of lives ended in the first and in the last third of the run (max, MB): a
    leak across restarts or within the one that is never killed would grow it."""
    done = [life.summary() for life in lives if life.samples]
    if len(done) < 3:
        return {}
    third = len(done) // 3
    first = sorted(d["rss_mb_max"] for d in done[:third])
    last = sorted(d["rss_mb_max"] for d in done[-third:])
    return {
        "lives": len(done),
        "rss_mb_max_median_first_third": first[len(first) // 2],
        "rss_mb_max_median_last_third": last[len(last) // 2],
        "rss_mb_max_overall": max(d["rss_mb_max"] for d in done),
        "longest_life_s": max(d["lived_s"] for d in done),
    }


async def _run(
    servers: list[Server], clients_n: int, seconds: float, kill_every_s: float, rolling: bool
) -> dict[str, Any]:
    bench = Chaos(servers, seconds, kill_every_s, rolling)
    for slot in range(len(servers)):
        bench._new_life(slot)
    pairs = int(clients_n * PM_SHARE) // 2
    room_clients = clients_n - 2 * pairs
    rooms = max(1, room_clients // ROOM_SIZE)
    clients = [ChaosClient(bench) for _ in range(clients_n)]
    bench.clients = clients
    room_of = {i: f"r{i % rooms:03d}" for i in range(room_clients)}
    setup_started = time.monotonic()
    for slot, server in enumerate(servers):
        mine = [i for i in range(clients_n) if i % len(servers) == slot]
        for i in mine:
            clients[i].home = slot
        await connect_all(
            server,
            [clients[i] for i in mine],
            [room_of.get(i) for i in mine],
            name_prefix=f"c{slot}n",
        )
    streams: list[Stream] = []
    for r in range(rooms):
        members = [clients[i] for i in range(room_clients) if i % rooms == r]
        slug = f"r{r:03d}"
        event = {"type": "post", "room": slug}
        streams.append(Stream(members[0], f"room:{slug}", event, POST_EVERY_S, members))
    for p in range(pairs):
        a, b = clients[room_clients + 2 * p], clients[room_clients + 2 * p + 1]
        conv = await _open_pair(a, b)
        event = {"type": "pm", "conversation": conv}
        streams.append(Stream(a, f"pm:{conv}", event, PM_EVERY_S, [b]))
    setup_s = time.monotonic() - setup_started
    load_before = os.getloadavg()

    bench.running = True
    bench.t0 = time.monotonic()
    sampler = asyncio.create_task(bench.sample_rss())
    until = seconds
    await asyncio.gather(bench.chaos(until), *(bench.stream(s, until) for s in streams))
    settle_s = await _wait_read(streams, SETTLE_S)
    bench.running = False
    sampler.cancel()
    for task in list(bench.resumes):
        task.cancel()
    load_after = os.getloadavg()
    for life in bench.current:
        life.ended_s = life.ended_s or bench.now()
    checked = _check(streams)
    rooms_acked = sum(len(s.acked) for s in streams if s.channel.startswith("room:"))
    pms_acked = sum(len(s.acked) for s in streams if s.channel.startswith("pm:"))
    for client in clients:
        client.disconnect()
    return {
        "clients": clients_n,
        "processes": len(servers),
        "rooms": rooms,
        "room_size": room_clients // rooms,
        "private_conversations": pairs,
        "seconds": seconds,
        "kill_every_s": kill_every_s,
        "signal": "SIGTERM, each process in turn" if rolling else "SIGKILL, a random process",
        "exit_after_signal_s": _stats(bench.drain_s),
        "setup_s": round(setup_s, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "kills": bench.kills,
        "kills_skipped_one_process_left": bench.kills_skipped,
        "restart_s": _stats(bench.restart_s),
        "acked": {"room": rooms_acked, "private": pms_acked},
        "not_acked_resent": sum(s.retries for s in streams),
        "errors": dict(bench.errors),
        "settle_s": round(settle_s, 2),
        "delivery": checked,
        "back_after_kill": _stats(bench.back_after),
        # Of which: from the kill to the client seeing its socket closed, and from there.
        "socket_closed_after_kill": _stats(bench.detected_after),
        "back_after_socket_closed": _stats(bench.back_after_close),
        "resume_attempts_failed": bench.resume_attempts_failed,
        "resume_failures": dict(bench.resume_failures.most_common(8)),
        "dropped_without_a_kill": bench.lost_without_kill,
        "still_away_at_end": sum(1 for c in clients if c.resuming),
        "rss_lives": [life.summary() for life in bench.lives],
        "rss_trend": _rss_trend(bench.lives),
    }


def measure(
    clients: int, seconds: float, kill_every_s: float, rolling: bool = False
) -> dict[str, Any]:
    uvloop.install()
    raise_nofile()
    schema = f"chaos_{secrets.token_hex(4)}"
    engine = sa.create_engine(DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    # One data directory for the three: the keys that seal bodies at rest are generated by
    # the first process and read by the others (each process opens what another stored).
    shared = tempfile.mkdtemp(prefix="causette-chaos-")
    env = {
        "CAUSETTE_DATABASE_URL": f"{DATABASE_URL}?options=-csearch_path%3D{schema}",
        "CAUSETTE_REDIS_URL": REDIS_URL,
        "CAUSETTE_REDIS_PREFIX": f"{schema}:",
        "CAUSETTE_SECRET": "bench",
        "CAUSETTE_DATA_DIR": shared,
        "CAUSETTE_CLUSTER_TTL_S": "6",
    }
    servers = [causette_server(**env) for _ in range(PROCESSES)]
    try:
        for server in servers:
            server.start()  # one after the other: the first writes the keys
        return asyncio.run(_run(servers, clients, seconds, kill_every_s, rolling))
    finally:
        for server in servers:
            server.stop()
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def _settings(quick: bool) -> tuple[int, float, float]:
    clients = int(os.environ.get("CHAOS_CLIENTS", 200 if quick else 1000))
    seconds = float(os.environ.get("CHAOS_SECONDS", 60 if quick else 600))
    kill_every = float(os.environ.get("CHAOS_KILL_EVERY_S", 10))
    return clients, seconds, kill_every


def run(quick: bool) -> dict[str, Any]:
    return measure(*_settings(quick))


def main() -> None:
    clients, seconds, kill_every = _settings(False)
    parser = argparse.ArgumentParser(prog="python -m bench.bench_chaos")
    parser.add_argument("--clients", type=int, default=clients)
    parser.add_argument("--seconds", type=float, default=seconds)
    parser.add_argument("--kill-every", type=float, default=kill_every)
    parser.add_argument(
        "--rolling", action="store_true", help="SIGTERM each process in turn (rolling.json)"
    )
    args = parser.parse_args()
    figures = measure(args.clients, args.seconds, args.kill_every, args.rolling)
    text = json.dumps(figures, indent=2, sort_keys=True)
    print(text, flush=True)
    # As ``python -m bench``: BENCH_RESULTS_DIR keeps a short or loaded run out of
    # bench/results (what the last full run measured).
    elsewhere = os.environ.get("BENCH_RESULTS_DIR")
    results = pathlib.Path(elsewhere) if elsewhere else RESULTS
    results.mkdir(exist_ok=True)
    (results / ("rolling.json" if args.rolling else "chaos.json")).write_text(text + "\n")


if __name__ == "__main__":
    main()
