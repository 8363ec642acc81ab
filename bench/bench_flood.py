"""Bot flood (issue 17, scenario 3): ordinary clients beside a farm of scripted bots.

One causette server with its defaults (SQLite, safety on) and the production limits: 20 joins
an hour per IPv4 address or IPv6 /64, 8 posts at once then 30 a minute per chatter, 20 new
private conversations an hour (3 while an account is fresh), 30 reports an hour (3 about one
chatter), and the proof of work with its storm rule (past 120 solved a minute, one more bit
per doubling, at most 4). Only the proof's base difficulty is lowered, to 10 bits instead of
18: this machine's Python solver has to pay every proof of 1,000 ordinary clients and of the
farm; the storm rule adds its bits on top as it would.

The load generator plays the trusted proxy (``CAUSETTE_TRUSTED_PROXIES=127.0.0.1``): each
join says in ``X-Forwarded-For`` where its client comes from, so the per-address and per-/64
limits are the server's own, reached through the real join route. Ordinary clients have one
address each in 198.18.0.0/15 (the benchmarking range); the farm has ``FARM_V4`` IPv4
addresses and ``FARM_V6`` /64s of 2001:db8::/32 (a new address inside its /64 for each try).

Ordinary clients (``ordinary``, 1,000): each in a room of 20, one in five also in
``general``, one in ten in a private conversation opened with consent. Together they post
``ordinary / 40`` messages a second (one every 40 s each; one in five private) with ordinary
sentences, and every delivery to an ordinary client is timed from post to receipt. Three
phases of ``phase_s`` with the same traffic: **calm** (no bots), **flood** (the farm runs
beside) and **after** (the farm gone: how noisy the machine was). The figure is the flood's
p99 over the calm's.

The farm (``bots``, 1,000 scripts) runs in its own process, niced (its proof-of-work
solving is the farm's cost, not the server's, but shares the 2 cores here). Each of its
``FARM_V4 + FARM_V6`` machines runs its scripts one after the other; a script fetches a
challenge, solves it (one in ten sends a wrong nonce, one in twenty replays its machine's
last proof), and joins: one in two with its machine's browser cookie (device), one in five
as a teen (age 16). Refused for the rate it tries once more (IPv6: from another address of
its /64); refused for its device (``device_paused``) it tries once more without the cookie.
A bot that gets in joins ``general`` and a room (teens: the teen room), files ``BOT_REPORTS``
reports about ``VICTIMS`` ordinary chatters (a mass-report campaign), opens ``BOT_PMS``
private conversations with random ordinary chatters, then posts every ``BOT_POST_EVERY_S``
in turn a threat, a solicitation and a link, without regard for refusals.

A moderator's console is open through the run (``console``: the desk page's behaviour, a
queue re-read per event). When the flood phase ends the farm goes quiet (no more posts or
joins, every request answered), the desk's queue is read as the flood left it, and the
moderator bans the largest held case with ``bulk_case`` and ``scope: ip`` while the bots
are still connected (``moderate``); then the farm disconnects and reports.

Figures: ordinary p50/p99 per phase and the flood/calm ratio (goal <= 2), every ordinary
post acknowledged and every delivery received; the farm's join attempts, accepted and
refused by which limit (address, /64, device, proof of work); the proof's difficulty reached;
what became of the bots' posts, private messages and reports; the moderators' queue
(items by kind, and how many copies or reports each kind merges) and the moderator's ban;
per phase: post-to-ack times, /healthz answer times, the console's queue reads, server CPU
and GC pauses; ``causette_refused_total``; the machine's load average. ``QUICK`` (100 +
100, lower limits so that they bite at that scale) runs in the test suite
(tests/server/test_bot_flood.py), which checks the invariants, not the latency ratio.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import multiprocessing
import os
import random
import resource
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.proc import cpu_seconds, percentile, raise_nofile, rss_bytes
from causette.core.pow import leading_zero_bits, solve

MODERATOR = "flood-bench"
MODERATOR_PASSWORD = "flood bench moderator password"
ROOM_SIZE = 20
GENERAL_EVERY = 5  # one ordinary client in five is also in `general`
PAIR_EVERY = 10  # one in ten is in a private conversation
POST_EVERY_S = 40.0  # an ordinary client posts once every 40 s on average
PM_SHARE = 0.2
FARM_V4, FARM_V6 = 4, 4
FARM_NICE = 10
BOT_POST_EVERY_S = 0.5
BOT_PMS = 5
BOT_REPORTS = 6
VICTIMS = 3
REPORT_CATEGORIES = ("harassment", "spam")
TEEN_ROOM = "ados"
SETTLE_S = 10.0

# What ordinary people say (the sequence number goes first, for the timing). Varied: a
# sender repeating one line over and over is what a flood looks like to the safety engine.
# Not here: "le train avait encore une heure de retard", which the safety engine takes for an
# ableist slur ("retard", masked) and, said twice by one sender, holds as repeated hate
# (2026-12-03; a finding for safety/, not worked around there).
SENTENCES = (
    "quelqu'un a vu le match hier soir ?",
    "je rentre du boulot, grosse journée",
    "il pleut encore ici, vivement l'été",
    "vous faites quoi ce week-end ?",
    "je cherche une bonne série à regarder",
    "le nouveau resto en bas de chez moi est top",
    "bonne soirée à tous",
    "j'ai enfin fini mon déménagement",
    "quelqu'un connaît un bon garagiste sur Lyon ?",
    "mon chat a encore renversé mon café",
    "je me suis mis à la course à pied",
    "vous écoutez quoi en ce moment ?",
    "je prépare une tarte aux pommes",
    "demain c'est marché, j'adore",
    "qui joue encore à la belote ?",
    "j'ai vu un super film au cinéma",
    "ça fait du bien de discuter un peu",
    "je vais me coucher tôt ce soir",
    "les vacances approchent enfin",
    "quelqu'un a des idées de randonnée ?",
    "le concert de samedi était génial",
    "je débute la guitare, c'est dur",
    "vous avez testé la nouvelle boulangerie ?",
)
# The farm's posts, in turn: held for the desk, delivered, refused (fresh accounts post no
# link). The numbers vary as a bot's do (they fold away in the desk's flood key).
SPAM = (
    "je vais te tuer {n}",
    "Viens voir mes photos sur snap : bella_{n}",
    "Gagne 500 euros par jour : http://promo-facile.example/{n}",
)
PM_SPAM = "coucou tu veux voir mes photos ? snap bella_{n}"
REPORT_TEXT = "il m'insulte en privé"


@dataclass(frozen=True)
class Scale:
    ordinary: int
    bots: int
    phase_s: float
    joins_per_unit_per_hour: int  # the server's joins_per_ip_per_hour
    storm_joins_per_minute: int
    pow_difficulty: int = 10
    pow_storm_max_extra_bits: int = 4


FULL = Scale(ordinary=1000, bots=1000, phase_s=60.0, joins_per_unit_per_hour=20,
             storm_joins_per_minute=120)  # fmt: skip
# The test suite's: the same farm per machine (12 scripts), limits low enough to bite.
QUICK = Scale(ordinary=100, bots=100, phase_s=8.0, joins_per_unit_per_hour=5,
              storm_joins_per_minute=20)  # fmt: skip


def server_env(scale: Scale, rooms_file: str) -> dict[str, str]:
    """The server's ``CAUSETTE_*`` settings: production limits, a lower proof base."""
    return {
        "CAUSETTE_TRUSTED_PROXIES": "127.0.0.1",
        "CAUSETTE_ROOMS_FILE": rooms_file,
        "CAUSETTE_POW_DIFFICULTY": str(scale.pow_difficulty),
        "CAUSETTE_POW_STORM_JOINS_PER_MINUTE": str(scale.storm_joins_per_minute),
        "CAUSETTE_POW_STORM_MAX_EXTRA_BITS": str(scale.pow_storm_max_extra_bits),
        "CAUSETTE_JOINS_PER_IP_PER_HOUR": str(scale.joins_per_unit_per_hour),
        "CAUSETTE_MSG_BURST": "8",
        "CAUSETTE_MSG_PER_MINUTE": "30",
        "CAUSETTE_NEW_PM_PER_HOUR": "20",
        "CAUSETTE_SEND_QUEUE_MAX": "1000",
    }


def small_rooms(ordinary: int) -> list[str]:
    return [f"r{i:03d}" for i in range(max(1, math.ceil(ordinary / ROOM_SIZE)))]


def write_rooms_file(directory: str, ordinary: int) -> str:
    """``general``, the small rooms (adult) and one teen room."""
    rooms = [("general", "adult"), *((r, "adult") for r in small_rooms(ordinary))]
    lines = []
    for slug, space in [*rooms, (TEEN_ROOM, "teen")]:
        lines += ["[[room]]", f'slug = "{slug}"', f'name = "{slug}"', f'space = "{space}"', ""]
    path = os.path.join(directory, "flood-rooms.toml")
    with open(path, "w") as fh:
        fh.write("\n".join(lines))
    return path


def create_moderator(env: Mapping[str, str], cwd: str) -> None:
    """A desk account to read the queue with (``causette admin create-moderator``), made
    on the server's database before the server starts."""
    subprocess.run(
        [sys.executable, "-m", "causette", "admin", "create-moderator", MODERATOR,
         "--password-stdin"],
        input=MODERATOR_PASSWORD + "\n",
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        check=True,
        capture_output=True,
    )  # fmt: skip


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- clients -------------------------------------------------------------------------------
class Peer:
    """One WebSocket client (aiohttp): what it is waiting for, and what it got."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.token = ""
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.outcomes: Counter[str] = Counter()  # by the ref's kind: "p:ack", "r:error:x"…
        self.close_code: int | None = None
        self.requests = 0  # sent with a ref that gets one answer (bots: s, m, r)

    def answered(self) -> int:
        return sum(n for key, n in self.outcomes.items() if key[0] in "smr")

    def expect(self, kind: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[kind] = future
        return future

    async def connect(self, http: aiohttp.ClientSession, ws_url: str, timeout: float) -> None:
        self.ws = await http.ws_connect(ws_url, max_msg_size=0, autoping=True)
        self.reader = asyncio.create_task(self._read(self.ws))
        synced = self.expect("synced")
        await self.send({"type": "hello", "token": self.token})
        await asyncio.wait_for(synced, timeout)

    async def send(self, event: dict[str, Any]) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.send_str(orjson.dumps(event).decode())

    async def request(self, event: dict[str, Any], kind: str, timeout: float) -> dict[str, Any]:
        answer = self.expect(kind)
        await self.send(event)
        return await asyncio.wait_for(answer, timeout)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                self.on_text(msg.data)
        self.close_code = ws.close_code

    def on_text(self, data: str) -> None:
        if data.startswith('{"type":"message"'):
            self.on_message(data)
            return
        event = orjson.loads(data)
        kind = event.get("type")
        ref = event.get("ref")
        if isinstance(ref, str) and ref and kind in ("ack", "held", "error", "report_ack"):
            outcome = f"error:{event.get('code')}" if kind == "error" else kind
            self.outcomes[f"{ref[0]}:{outcome}"] += 1
            if kind == "ack":
                self.on_ack(ref)
        elif kind == "error":
            self.outcomes[f"-:error:{event.get('code')}"] += 1
        elif kind in ("sanction", "conversation", "notice"):
            self.on_event(kind, event)
        future = self.waiting.pop(kind, None) if isinstance(kind, str) else None
        if future is not None and not future.done():
            future.set_result(event)

    def on_message(self, data: str) -> None:
        pass

    def on_ack(self, ref: str) -> None:
        pass

    def on_event(self, kind: str, event: dict[str, Any]) -> None:
        self.outcomes[f"-:{kind}"] += 1

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await self.reader


@dataclass
class Timing:
    """Post-to-receipt times of the ordinary clients' messages, by phase."""

    sent_at: dict[int, tuple[float, str]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    ack_latencies: dict[str, list[float]] = field(default_factory=dict)
    # /healthz answered in (the event loop's responsiveness to a trivial request)
    health: dict[str, list[float]] = field(default_factory=dict)
    expected: Counter[str] = field(default_factory=Counter)
    posts: Counter[str] = field(default_factory=Counter)

    def receive(self, seq: int) -> bool:
        sent = self.sent_at.get(seq)
        if sent is None:
            return False
        self.latencies.setdefault(sent[1], []).append(time.perf_counter() - sent[0])
        return True

    def acked(self, seq: int) -> None:
        sent = self.sent_at.get(seq)
        if sent is not None:
            self.ack_latencies.setdefault(sent[1], []).append(time.perf_counter() - sent[0])


class Ordinary(Peer):
    def __init__(self, name: str, timing: Timing) -> None:
        super().__init__(name)
        self.timing = timing
        self.rooms: list[str] = []
        self.partner: str | None = None
        self.foreign = 0  # messages that are not an ordinary client's (the bots')

    def on_message(self, data: str) -> None:
        start = data.rfind('"text":"') + 8
        end = data.find(" ", start)
        digits = data[start:end] if start >= 8 and end > 0 else ""
        if not (digits.isdigit() and self.timing.receive(int(digits))):
            self.foreign += 1

    def on_ack(self, ref: str) -> None:
        if ref.startswith("p") and ref[1:].isdigit():
            self.timing.acked(int(ref[1:]))

    def on_event(self, kind: str, event: dict[str, Any]) -> None:
        if kind == "conversation":
            conv = event["conversation"]
            other = (conv.get("with") or {}).get("pseudonym")
            if conv["state"] == "pending_in" and other != self.partner:
                self.outcomes["-:pm_request"] += 1
        else:
            self.outcomes[f"-:{kind}"] += 1


async def join_form(
    http: aiohttp.ClientSession,
    base: str,
    form: dict[str, Any],
    address: str,
    *,
    device: str | None = None,
    proof: Callable[[str, int], tuple[str, str]] | None = None,
) -> tuple[int, dict[str, Any], tuple[str, str], int]:
    """Fetch a challenge, pay it (``proof`` may cheat), post the join form from ``address``
    (``X-Forwarded-For``; ``device``: the browser's cookie). (status, body, the proof sent,
    its difficulty)."""
    async with http.get(f"{base}/api/pow") as resp:
        challenge = await resp.json()
    difficulty = int(challenge["difficulty"])
    sent = (
        proof(challenge["challenge"], difficulty)
        if proof is not None
        else (challenge["challenge"], solve(challenge["challenge"], difficulty))
    )
    headers = {"X-Forwarded-For": address}
    if device is not None:
        headers["Cookie"] = f"causette_device={device}"
    body = {**form, "pow": {"challenge": sent[0], "nonce": sent[1]}}
    async with http.post(f"{base}/api/join", json=body, headers=headers) as resp:
        return resp.status, await resp.json(), sent, difficulty


def wrong_nonce(challenge: str, difficulty: int) -> str:
    """A nonce that does not solve the challenge (checked: a guess that happens to solve it
    would make the refusal count a lucky accident)."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) >= difficulty:
        nonce += 1
    return str(nonce)


# -- the ordinary population ----------------------------------------------------------------
@dataclass
class Population:
    clients: list[Ordinary]
    members: dict[str, int]  # room -> ordinary members
    pairs: list[tuple[int, int]]


DEPARTMENTS = ("75", "69", "13", "33", "59", "35", "31", "44", "67", "06")


def ordinary_address(i: int) -> str:
    return f"198.18.{i // 250}.{i % 250 + 1}"


async def connect_ordinary(
    http: aiohttp.ClientSession, base: str, n: int, timing: Timing, rng: random.Random
) -> Population:
    rooms = small_rooms(n)
    clients = [Ordinary(f"Ami{i:04d}", timing) for i in range(n)]
    members: Counter[str] = Counter()
    for i, client in enumerate(clients):
        client.rooms = [rooms[i // ROOM_SIZE]] + (["general"] if i % GENERAL_EVERY == 0 else [])
        members.update(client.rooms)
    ws_url = base.replace("http://", "ws://") + "/ws"
    gate = asyncio.Semaphore(25)

    async def one(i: int) -> None:
        client = clients[i]
        form = {
            "pseudonym": client.name,
            "age": 20 + i % 45,
            "gender": "fmx"[i % 3],
            "department": DEPARTMENTS[i % len(DEPARTMENTS)],
        }
        async with gate:
            status, body, _, _ = await join_form(http, base, form, ordinary_address(i))
            if status != 201:
                raise RuntimeError(f"ordinary join refused: {status} {body}")
            client.token = body["token"]
            await client.connect(http, ws_url, 60)
            for room in client.rooms:
                await client.request({"type": "join", "room": room}, "joined", 60)

    await asyncio.gather(*(one(i) for i in range(n)))
    order = list(range(n))
    rng.shuffle(order)
    paired = order[: n // PAIR_EVERY]
    pairs = [(paired[k], paired[k + 1]) for k in range(0, len(paired) - 1, 2)]

    async def consent(a: int, b: int) -> None:
        clients[a].partner, clients[b].partner = clients[b].name, clients[a].name
        incoming = clients[b].expect("conversation")
        await clients[a].send({"type": "pm", "to": clients[b].name, "text": "salut, en privé ?"})
        conv = (await asyncio.wait_for(incoming, 60))["conversation"]["id"]
        answer = {"type": "pm_respond", "conversation": conv, "decision": "accept"}
        await clients[b].request(answer, "conversation", 60)

    for start in range(0, len(pairs), 50):
        await asyncio.gather(*(consent(a, b) for a, b in pairs[start : start + 50]))
    for client in clients:
        client.outcomes.clear()
        client.foreign = 0
    return Population(clients, dict(members), pairs)


async def traffic(
    pop: Population, timing: Timing, phase: str, seconds: float, rng: random.Random, seq0: int
) -> int:
    """Posts at ``ordinary / POST_EVERY_S`` a second for ``seconds``, paced by the clock;
    returns the next sequence number."""
    clients, pairs, members = pop.clients, pop.pairs, pop.members
    rate = len(clients) / POST_EVERY_S
    seq, sent = seq0, 0
    t0 = time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < seconds:
        for _ in range(int(rate * elapsed) - sent):
            sentence = SENTENCES[rng.randrange(len(SENTENCES))]
            if pairs and rng.random() < PM_SHARE:
                a, b = pairs[rng.randrange(len(pairs))]
                if rng.random() < 0.5:
                    a, b = b, a
                event = {"type": "pm", "to": clients[b].name, "text": f"{seq} {sentence}"}
                sender, expected = clients[a], 2
            else:
                sender = clients[rng.randrange(len(clients))]
                room = sender.rooms[rng.randrange(len(sender.rooms))]
                event = {"type": "post", "room": room, "text": f"{seq} {sentence}"}
                expected = members[room]
            event["ref"] = f"p{seq}"
            timing.sent_at[seq] = (time.perf_counter(), phase)
            timing.expected[phase] += expected
            timing.posts[phase] += 1
            await sender.send(event)
            seq += 1
            sent += 1
        await asyncio.sleep(0.01)
    return seq


async def settle(pop: Population, timing: Timing, phase: str) -> None:
    """Until every delivery and ack of the phase has come, or ``SETTLE_S``."""
    deadline = time.perf_counter() + SETTLE_S
    while time.perf_counter() < deadline:
        acks = sum(c.outcomes["p:ack"] for c in pop.clients)
        got = sum(len(v) for v in timing.latencies.values())
        if got >= sum(timing.expected.values()) and acks >= sum(timing.posts.values()):
            return
        await asyncio.sleep(0.05)


def phase_figures(
    timing: Timing, phase: str, wall: float, server_cpu: float, loadgen_cpu: float
) -> dict[str, Any]:
    lat = sorted(timing.latencies.get(phase, []))
    acks = sorted(timing.ack_latencies.get(phase, []))
    health = sorted(timing.health.get(phase, []))

    def ms(values: list[float], q: float) -> float:
        return round(percentile(values, q) * 1000, 2)

    return {
        "posts": timing.posts[phase],
        "deliveries_expected": timing.expected[phase],
        "deliveries_received": len(lat),
        "p50_ms": ms(lat, 0.5),
        "p99_ms": ms(lat, 0.99),
        "p999_ms": ms(lat, 0.999),
        "max_ms": round(lat[-1] * 1000, 1) if lat else None,
        "ack_p50_ms": ms(acks, 0.5),
        "ack_p99_ms": ms(acks, 0.99),
        "healthz_p50_ms": ms(health, 0.5),
        "healthz_max_ms": round(health[-1] * 1000, 1) if health else None,
        "server_cpu_share": round(server_cpu / wall, 2),
        "loadgen_cpu_share": round(loadgen_cpu / wall, 2),
    }


# -- the farm ------------------------------------------------------------------------------
@dataclass
class Machine:
    """One machine of the farm: an IPv4 address or an IPv6 /64, and one browser profile."""

    index: int
    kind: str  # "v4" | "v6"
    position: int  # in the farm: this machine runs scripts position, position + machines…
    device: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    last_proof: tuple[str, str] | None = None
    accepted: int = 0
    first_try: float = 0.0
    last_try: float = 0.0

    def address(self, rng: random.Random) -> str:
        if self.kind == "v4":
            return f"198.19.0.{self.index + 1}"
        tail = ":".join(f"{rng.randrange(1 << 16):x}" for _ in range(4))
        return f"2001:db8:{self.index + 1:x}:0:{tail}"


def _limit_of(code: str, machine: Machine) -> str:
    if code == "join_rate_limited":
        return "address" if machine.kind == "v4" else "/64"
    if code in ("pow_invalid", "pow_expired"):
        return "pow"
    if code == "device_paused":
        return "device"
    return code


async def farm(
    config: dict[str, Any],
    quiet: Callable[[], bool],
    quieted: Callable[[], None],
    stopping: Callable[[], bool],
) -> dict[str, Any]:
    """The bots: their joins, then their work until ``quiet()``; once every request they
    sent is answered, ``quieted()``; connected until ``stopping()`` (a moderator may act
    meanwhile); then what became of it all."""
    base: str = config["base"]
    scale = Scale(**config["scale"])
    ordinary: list[str] = config["ordinary"]
    victims: list[str] = config["victims"]
    rooms: list[str] = config["rooms"]
    rng = random.Random(config["seed"])
    machines = [Machine(i, "v4", i) for i in range(FARM_V4)]
    machines += [Machine(i, "v6", FARM_V4 + i) for i in range(FARM_V6)]
    joins: Counter[str] = Counter()
    refused_by: Counter[str] = Counter()
    cheats = Counter[str]()
    difficulties: list[int] = []
    bots: list[Peer] = []
    lives: list[asyncio.Task[None]] = []
    ws_url = base.replace("http://", "ws://") + "/ws"
    connector = aiohttp.TCPConnector(limit=0)
    http = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    async def life(bot: Peer, teen: bool, n: int) -> None:
        try:
            await bot.connect(http, ws_url, 60)
            mine = [TEEN_ROOM] if teen else ["general", rooms[n % len(rooms)]]
            for room in mine:
                await bot.send({"type": "join", "room": room, "ref": f"j{n}"})
            for j in range(BOT_REPORTS):
                report = {
                    "type": "report",
                    "category": REPORT_CATEGORIES[j % len(REPORT_CATEGORIES)],
                    "pseudonym": victims[j % len(victims)],
                    "text": REPORT_TEXT,
                    "ref": f"r{j}",
                }
                await bot.send(report)
                bot.requests += 1
            for j in range(BOT_PMS):
                to = ordinary[rng.randrange(len(ordinary))]
                pm = {"type": "pm", "to": to, "text": PM_SPAM.format(n=n), "ref": f"m{j}"}
                await bot.send(pm)
                bot.requests += 1
            k = 0
            while not quiet():
                text = SPAM[k % len(SPAM)].format(n=n * 7 + k)
                post = {"type": "post", "room": mine[k % len(mine)], "text": text, "ref": f"s{k}"}
                await bot.send(post)
                bot.requests += 1
                k += 1
                await asyncio.sleep(BOT_POST_EVERY_S)
        except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
            bot.outcomes[f"-:failed:{type(exc).__name__}"] += 1

    async def script(machine: Machine, k: int, n: int) -> None:
        teen = k % 5 == 2  # the third script of a machine: its shared device is adult by then
        device: str | None = machine.device if k % 2 == 0 else None
        cheat, replay = k % 10 == 9, k % 20 == 4
        form = {
            "pseudonym": f"Sandra{n:04d}",
            "age": 16 if teen else 19 + n % 30,
            "gender": "f",
            "department": DEPARTMENTS[n % len(DEPARTMENTS)],
        }
        retried_rate = retried_device = False
        while not quiet():
            cheated = cheat or (replay and machine.last_proof is not None)

            def proof(challenge: str, difficulty: int) -> tuple[str, str]:
                if cheat:
                    return challenge, wrong_nonce(challenge, difficulty)
                if replay and machine.last_proof is not None:
                    return machine.last_proof
                return challenge, solve(challenge, difficulty)

            now = time.monotonic()
            machine.first_try = machine.first_try or now
            machine.last_try = now
            status, body, sent, difficulty = await join_form(
                http, base, form, machine.address(rng), device=device, proof=proof
            )
            difficulties.append(difficulty)
            if status == 201:
                joins["accepted"] += 1
                machine.accepted += 1
                machine.last_proof = sent
                if cheated:
                    cheats["accepted"] += 1
                bot = Peer(form["pseudonym"])
                bot.token = body["token"]
                bots.append(bot)
                lives.append(asyncio.create_task(life(bot, teen, n)))
                return
            code = str(body.get("error", {}).get("code"))
            joins[code] += 1
            refused_by[_limit_of(code, machine)] += 1
            if cheated:
                cheats[code] += 1
            if code not in ("pow_invalid", "pow_expired"):
                machine.last_proof = sent  # spent: a replay of it is refused
            if code == "join_rate_limited" and not retried_rate:
                retried_rate = True
                continue
            if code == "device_paused" and not retried_device:
                retried_device, device = True, None
                continue
            return

    async def machine_scripts(machine: Machine) -> None:
        per = len(machines)
        for k, n in enumerate(range(machine.position, scale.bots, per)):
            if quiet():
                return
            await script(machine, k, n)

    cpu0 = self_cpu()
    t0 = time.monotonic()
    try:
        await asyncio.gather(*(machine_scripts(m) for m in machines))
        joined_s = time.monotonic() - t0
        while not quiet():
            await asyncio.sleep(0.1)
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline and any(
            bot.requests > bot.answered() for bot in bots if bot.ws and not bot.ws.closed
        ):
            await asyncio.sleep(0.05)
        quieted()
        while not stopping():
            await asyncio.sleep(0.1)
        for task in lives:
            task.cancel()
        await asyncio.gather(*lives, return_exceptions=True)
        outcomes: Counter[str] = Counter()
        for bot in bots:
            await bot.close()
            outcomes.update(bot.outcomes)
            if bot.close_code not in (None, 1000):
                outcomes[f"-:closed:{bot.close_code}"] += 1
    finally:
        await http.close()
    wall = time.monotonic() - t0
    return {
        "scripts": scale.bots,
        "join_attempts": sum(joins.values()),
        "joins": dict(joins),
        "accepted": joins["accepted"],
        "refused_by_limit": dict(refused_by),
        "cheats": dict(cheats),
        "accepted_per_machine": {f"{m.kind}-{m.index}": m.accepted for m in machines},
        "machine_busy_s": {
            f"{m.kind}-{m.index}": round(m.last_try - m.first_try, 1) for m in machines
        },
        "joins_done_s": round(joined_s, 1),
        "difficulty_seen": [min(difficulties, default=0), max(difficulties, default=0)],
        "outcomes": dict(sorted(outcomes.items())),
        "farm_cpu_share": round((self_cpu() - cpu0) / wall, 2),
    }


@dataclass
class FarmControl:
    """The farm's process and how the run steers it (multiprocessing events)."""

    process: Any
    started: Any
    quiet: Any  # stop posting and joining
    quieted: Any  # every request sent is answered
    stop: Any  # disconnect and report
    out: Any  # the result


def farm_process(config: dict[str, Any], started: Any, quiet: Any, quieted: Any, stop: Any,
                 out: Any) -> None:  # fmt: skip
    """The farm's process (spawned): niced, runs ``farm`` until ``stop`` is set."""
    with contextlib.suppress(OSError):
        os.nice(FARM_NICE)
    raise_nofile()

    async def main() -> dict[str, Any]:
        started.set()
        return await farm(config, quiet.is_set, quieted.set, stop.is_set)

    try:
        out.put(asyncio.run(main()))
    except Exception as exc:
        out.put({"error": repr(exc)})
        raise


# -- the run -------------------------------------------------------------------------------
async def desk_login(http: aiohttp.ClientSession, base: str) -> dict[str, str]:
    """The bench's moderator logged in: the headers of its requests."""
    login = {"name": MODERATOR, "password": MODERATOR_PASSWORD}
    async with http.post(f"{base}/api/desk/login", json=login) as resp:
        token = (await resp.json())["token"]
    return {"Authorization": f"Bearer {token}"}


async def console(
    http: aiohttp.ClientSession, base: str, headers: dict[str, str], watch: Watch
) -> None:
    """A moderator's console open through the run, as the desk's page behaves
    (web/desk/js/state.js): it follows /api/desk/events and re-reads the queue on each
    ``queue`` event, one read at a time and one more if events came meanwhile."""
    dirty = asyncio.Event()

    async def follow() -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
        url = f"{base}/api/desk/events"
        async with http.get(url, headers=headers, timeout=timeout) as resp:
            async for line in resp.content:
                if line.startswith(b"data: ") and b'"type":"queue"' in line:
                    watch.console_events[watch.phase] += 1
                    dirty.set()

    async def reread() -> None:
        while True:
            await dirty.wait()
            dirty.clear()
            start = time.perf_counter()
            async with http.get(f"{base}/api/desk/queue", headers=headers) as resp:
                await resp.read()
            watch.console_reads.setdefault(watch.phase, []).append(time.perf_counter() - start)

    await asyncio.gather(follow(), reread())


async def moderate(http: aiohttp.ClientSession, base: str) -> dict[str, Any]:
    """What a moderator does about the flood (docs/deploy.md), the bots still connected: the
    largest held case, banned with ``bulk_case`` and ``scope: ip`` (every sender of a copy,
    on its address or /64: their sessions close with 4012)."""
    headers = await desk_login(http, base)
    async with http.get(f"{base}/api/desk/queue", headers=headers) as resp:
        items = (await resp.json())["items"]
    held = [i for i in items if i["kind"] == "held"]
    if not held:
        return {"held_cases": 0}
    case = max(held, key=lambda i: i["count"])
    action = {
        "action": "ban",
        "scope": "ip",
        "subject_id": case["subject"]["id"],
        "source": {"kind": "held", "id": case["id"]},
        "rule": "harassment",
        "reason": "the same threat posted by a bot farm",
        "bulk_case": True,
    }
    start = time.perf_counter()
    async with http.post(f"{base}/api/desk/actions", json=action, headers=headers) as resp:
        answer = await resp.json()
        status = resp.status
    took = time.perf_counter() - start
    return {
        "case_copies": case["count"],
        "case_senders": case["senders"],
        "status": status,
        "banned": len(answer.get("sanctions", [])) if status == 200 else answer,
        "took_s": round(took, 2),
    }


async def desk_queue(http: aiohttp.ClientSession, base: str) -> dict[str, Any]:
    """The moderators' queue as the desk shows it: items and merged copies by kind."""
    headers = await desk_login(http, base)
    async with http.get(f"{base}/api/desk/queue", headers=headers) as resp:
        items = (await resp.json())["items"]
    by_kind: Counter[str] = Counter(i["kind"] for i in items)
    merged: Counter[str] = Counter()
    for item in items:
        merged[item["kind"]] += item["count"]
    labels: Counter[str] = Counter(f"{i['kind']}:{i['label']}" for i in items)
    return {
        "items": len(items),
        "items_by_kind": dict(by_kind),
        "merged_by_kind": dict(merged),
        "items_by_label": dict(labels),
        "largest": sorted((i["count"] for i in items), reverse=True)[:5],
        # What was held, and how many copies of each: the farm's, or an ordinary sentence
        # the safety engine took for something else.
        "held": sorted(
            ([i["count"], i["summary"][:60]] for i in items if i["kind"] == "held"), reverse=True
        ),
    }


@dataclass
class Watch:
    """What ``watch_health`` saw: the phase it is in, the proof's highest price."""

    phase: str = "calm"
    pow: Counter[str] = field(default_factory=Counter)
    console_events: Counter[str] = field(default_factory=Counter)
    console_reads: dict[str, list[float]] = field(default_factory=dict)


async def watch_health(
    http: aiohttp.ClientSession, base: str, timing: Timing, watch: Watch
) -> None:
    """Twice a second: how long /healthz takes to answer (the server's event loop, seen
    from outside), and during the flood the proof's price it reports."""
    while True:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            start = time.perf_counter()
            async with http.get(f"{base}/healthz") as resp:
                pow_ = (await resp.json())["pow"]
            timing.health.setdefault(watch.phase, []).append(time.perf_counter() - start)
            if watch.phase == "flood":
                for key in ("difficulty", "solved_last_minute"):
                    watch.pow[key] = max(watch.pow[key], pow_[key])
        await asyncio.sleep(0.5)


async def read_metrics(http: aiohttp.ClientSession, base: str, prefix: str) -> dict[str, float]:
    """The server's /metrics samples whose name starts with ``prefix``: {"name{labels}": value}."""
    async with http.get(f"{base}/metrics") as resp:
        text = await resp.text()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(prefix):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


async def gc_pauses(http: aiohttp.ClientSession, base: str) -> dict[str, float]:
    """The server's garbage-collector pauses so far: how many, how long in all, and how
    many of 50 ms or more (the event loop stands still meanwhile)."""
    out = {"count": 0.0, "sum_s": 0.0, "over_50ms": 0.0}
    for name, value in (await read_metrics(http, base, "causette_gc_pause_seconds")).items():
        if name.startswith("causette_gc_pause_seconds_count"):
            out["count"] += value
            out["over_50ms"] += value
        elif name.startswith("causette_gc_pause_seconds_sum"):
            out["sum_s"] += value
        elif name.startswith("causette_gc_pause_seconds_bucket") and 'le="0.05"' in name:
            out["over_50ms"] -= value
    return out


async def refusals(http: aiohttp.ClientSession, base: str) -> dict[str, int]:
    """What the operator's graphs show: ``causette_refused_total`` by code."""
    found = await read_metrics(http, base, "causette_refused_total{")
    return {name.split('"')[1]: int(value) for name, value in sorted(found.items())}


def outcome_table(clients: list[Ordinary]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for client in clients:
        total.update(client.outcomes)
    return dict(sorted(total.items()))


async def scenario(
    base: str,
    server_pid: int,
    scale: Scale,
    seed: int = 17,
    on_flood: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Calm, flood, after, against the server at ``base`` (its moderator made beforehand);
    ``on_flood`` is called when the flood starts (the profiler)."""
    base = base.rstrip("/")
    rng = random.Random(seed)
    timing = Timing()
    load_before = os.getloadavg()
    connector = aiohttp.TCPConnector(limit=0)
    http = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
    pop: Population | None = None
    try:
        t0 = time.perf_counter()
        pop = await connect_ordinary(http, base, scale.ordinary, timing, rng)
        setup_s = time.perf_counter() - t0
        phases: dict[str, Any] = {}
        seq = 1
        watch = Watch()
        watcher = asyncio.create_task(watch_health(http, base, timing, watch))
        moderator = asyncio.create_task(console(http, base, await desk_login(http, base), watch))
        farm_result: dict[str, Any] = {}
        moderation: dict[str, Any] = {}
        queue: dict[str, Any] = {}
        for phase in ("calm", "flood", "after"):
            async with http.get(f"{base}/healthz") as resp:
                pow_at_start = (await resp.json())["pow"]
            farm_control = None
            watch.phase = phase
            if phase == "flood":
                farm_control = await start_farm(base, scale, pop, seed)
                if on_flood is not None:
                    on_flood()
            gc_before = await gc_pauses(http, base)
            cpu_s, cpu_g, start = cpu_seconds(server_pid), self_cpu(), time.perf_counter()
            seconds = scale.phase_s / 2 if phase == "after" else scale.phase_s
            seq = await traffic(pop, timing, phase, seconds, rng, seq)
            await settle(pop, timing, phase)
            wall = time.perf_counter() - start
            phases[phase] = phase_figures(
                timing, phase, wall, cpu_seconds(server_pid) - cpu_s, self_cpu() - cpu_g
            )
            phases[phase]["pow_at_start"] = pow_at_start
            gc_after = await gc_pauses(http, base)
            phases[phase]["server_gc"] = {
                k: round(gc_after[k] - gc_before[k], 3) for k in gc_before
            }
            reads = sorted(watch.console_reads.get(phase, []))
            phases[phase]["console"] = {
                "queue_events": watch.console_events[phase],
                "queue_reads": len(reads),
                "read_p50_ms": round(percentile(reads, 0.5) * 1000, 1),
                "read_max_ms": round(reads[-1] * 1000, 1) if reads else None,
            }
            if farm_control is not None:
                loop = asyncio.get_running_loop()
                farm_control.quiet.set()
                await loop.run_in_executor(None, farm_control.quieted.wait, 60)
                queue = await desk_queue(http, base)  # as the flood left it
                moderation = await moderate(http, base)  # the bots still connected
                farm_control.stop.set()
                farm_result = await loop.run_in_executor(None, farm_control.out.get, True, 120)
                farm_control.process.join(30)
                closed = (farm_result.get("outcomes") or {}).get("-:closed:4012", 0)
                moderation["bots_closed_4012"] = closed
        watcher.cancel()
        moderator.cancel()
        moderation["queue_after"] = await desk_queue(http, base)
        refused = await refusals(http, base)
        ordinary_outcomes = outcome_table(pop.clients)
        foreign = sum(c.foreign for c in pop.clients)
        alive = sum(c.ws is not None and not c.ws.closed for c in pop.clients)
    finally:
        if pop is not None:
            await asyncio.gather(*(c.close() for c in pop.clients))
        await http.close()
    calm, flood = phases["calm"], phases["flood"]
    return {
        "scale": asdict(scale),
        "setup_s": round(setup_s, 1),
        "phases": phases,
        "p99_ratio_flood_to_calm": round(flood["p99_ms"] / calm["p99_ms"], 2),
        "p50_ratio_flood_to_calm": round(flood["p50_ms"] / calm["p50_ms"], 2),
        "ordinary": {
            "clients": scale.ordinary,
            "alive_at_end": alive,
            "pairs": len(pop.pairs),
            "posts": sum(timing.posts.values()),
            "outcomes": ordinary_outcomes,
            "bot_messages_received": foreign,
        },
        "farm": farm_result,
        "pow": {
            "base": scale.pow_difficulty,
            "max_difficulty": watch.pow["difficulty"],
            "max_solved_last_minute": watch.pow["solved_last_minute"],
        },
        "queue": queue,
        "moderation": moderation,
        "server_refused_total": refused,
        "server_rss_mb": round(rss_bytes(server_pid) / 2**20, 1),
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
    }


async def start_farm(base: str, scale: Scale, pop: Population, seed: int) -> FarmControl:
    """The farm's process, started and ready."""
    ctx = multiprocessing.get_context("spawn")
    started, quiet, quieted, stop, out = (
        ctx.Event(),
        ctx.Event(),
        ctx.Event(),
        ctx.Event(),
        ctx.Queue(),
    )
    names = [c.name for c in pop.clients]
    config = {
        "base": base,
        "scale": asdict(scale),
        "ordinary": names,
        "victims": names[:VICTIMS],
        "rooms": small_rooms(scale.ordinary),
        "seed": seed,
    }
    proc = ctx.Process(
        target=farm_process, args=(config, started, quiet, quieted, stop, out), daemon=True
    )
    proc.start()
    deadline = time.monotonic() + 120
    while not await asyncio.get_running_loop().run_in_executor(None, started.wait, 0.5):
        if not proc.is_alive() or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the farm's process did not start (exit {proc.exitcode})")
    return FarmControl(proc, started, quiet, quieted, stop, out)


def run_loop(coro: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """uvloop when installed (the benchmark's), asyncio's loop otherwise (the test suite)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def run(quick: bool) -> dict[str, Any]:
    from bench.load import causette_server

    raise_nofile()
    scale = QUICK if quick else FULL
    if "BENCH_FLOOD_ORDINARY" in os.environ or "BENCH_FLOOD_BOTS" in os.environ:
        scale = Scale(
            **{
                **asdict(scale),
                "ordinary": int(os.environ.get("BENCH_FLOOD_ORDINARY", scale.ordinary)),
                "bots": int(os.environ.get("BENCH_FLOOD_BOTS", scale.bots)),
            }
        )
    server = causette_server()
    server.env |= server_env(scale, write_rooms_file(server.workdir, scale.ordinary))
    create_moderator(server.env, server.workdir)
    server.start()
    try:
        return run_loop(scenario(server.http_base, server.pid, scale, on_flood=server.profile))
    finally:
        server.stop()
