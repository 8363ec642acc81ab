"""Proof of work that gates a join: the client burns a little CPU, a bot farm burns a lot.

A challenge is self-describing and signed, so the server keeps no state to issue it:
``v1.<difficulty>.<expires_at>.<random hex>.<hmac>``. The client finds a decimal ``nonce``
such that ``sha256(challenge + ":" + nonce)`` starts with ``difficulty`` zero bits.
A challenge is single-use: ``SpentChallenges`` remembers the spent ones until they expire.

Under a join storm the price goes up: ``JoinStorm`` counts accepted joins over the last
minute and ``storm_difficulty`` adds one bit (twice the work) each time the rate doubles
past the calm threshold, up to a cap. Only new challenges cost more: one already issued is
still accepted at its own difficulty (never below the configured floor), so nobody who is
solving one when the storm starts is turned away; a stock of cheap challenges fetched
before it lasts one challenge lifetime at most.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field

from causette.core.errors import ChatError, ErrorCode

VERSION = "v1"
MAX_NONCE_LEN = 32


def _sign(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:32]


def issue_challenge(key: bytes, *, difficulty: int, now: float, ttl: float, salt: bytes) -> str:
    body = f"{VERSION}.{difficulty}.{int(now + ttl)}.{salt.hex()}"
    return f"{body}.{_sign(key, body)}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(challenge: str, difficulty: int) -> str:
    """Find a nonce (for tests, benchmarks and API clients; browsers do it in a worker)."""
    nonce = 0
    prefix = challenge.encode() + b":"
    while leading_zero_bits(hashlib.sha256(prefix + str(nonce).encode()).digest()) < difficulty:
        nonce += 1
    return str(nonce)


SWEEP_ABOVE = 1024  # entries under which expired ones are left alone
SWEEP_EVERY_S = 10.0  # at most one sweep this often


@dataclass(slots=True)
class SpentChallenges:
    """Challenges already used, kept until they expire (then a replay fails as expired).

    Expired entries are dropped by a sweep of the whole set, past ``SWEEP_ABOVE`` entries
    and at most every ``SWEEP_EVERY_S`` seconds. Under a join storm every entry of the last
    challenge lifetime is still live, so a sweep on each spend found nothing to drop and
    made every join cost the size of the set (20,000 spends took 18 s on the event loop).
    The set stays bounded by the rate of solved proofs times (lifetime + sweep interval)."""

    expiry_by_challenge: dict[str, float] = field(default_factory=dict)
    next_sweep: float = -math.inf
    sweeps: int = 0

    def spend(self, challenge: str, expires_at: float, now: float) -> bool:
        if len(self.expiry_by_challenge) > SWEEP_ABOVE and now >= self.next_sweep:
            self.expiry_by_challenge = {
                c: t for c, t in self.expiry_by_challenge.items() if t >= now
            }
            self.next_sweep = now + SWEEP_EVERY_S
            self.sweeps += 1
        if challenge in self.expiry_by_challenge:
            return False
        self.expiry_by_challenge[challenge] = expires_at
        return True


def verify(
    key: bytes,
    challenge: object,
    nonce: object,
    *,
    now: float,
    min_difficulty: int,
    spent: SpentChallenges,
) -> None:
    """Accept a solved challenge once, or raise ``pow_invalid`` / ``pow_expired``."""
    if not isinstance(challenge, str) or not isinstance(nonce, str):
        raise ChatError(ErrorCode.POW_INVALID)
    # isdigit() alone accepts "²" and other scripts' digits; the nonce is an ASCII decimal.
    if not (nonce.isascii() and nonce.isdigit()) or len(nonce) > MAX_NONCE_LEN:
        raise ChatError(ErrorCode.POW_INVALID)
    # A challenge is ASCII; anything else (even a lone surrogate from JSON) is not ours.
    if len(challenge) > 200 or not challenge.isascii():
        raise ChatError(ErrorCode.POW_INVALID)
    parts = challenge.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        raise ChatError(ErrorCode.POW_INVALID)
    body, signature = challenge.rsplit(".", 1)
    if not hmac.compare_digest(_sign(key, body), signature):
        raise ChatError(ErrorCode.POW_INVALID)
    try:
        difficulty, expires_at = int(parts[1]), float(parts[2])
    except ValueError:
        raise ChatError(ErrorCode.POW_INVALID) from None
    if now > expires_at:
        raise ChatError(ErrorCode.POW_EXPIRED)
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    if difficulty < min_difficulty or leading_zero_bits(digest) < difficulty:
        raise ChatError(ErrorCode.POW_INVALID)
    if not spent.spend(challenge, expires_at, now):
        raise ChatError(ErrorCode.POW_INVALID)


STORM_WINDOW_S = 60.0
STORM_SLOTS = 6  # the window in six slots of ten seconds: bounded memory, smooth enough


def storm_difficulty(
    base: int, joins_last_minute: int, calm_per_minute: int, max_extra: int
) -> int:
    """The difficulty of a new challenge: ``base`` while joins stay at or under
    ``calm_per_minute``, then one more bit each time the rate doubles, at most
    ``max_extra`` more (and never past 32)."""
    if base <= 0 or calm_per_minute <= 0 or joins_last_minute <= calm_per_minute:
        return base
    extra = 1 + int(math.log2(joins_last_minute / calm_per_minute))
    return min(base + min(extra, max_extra), 32)


@dataclass(slots=True)
class JoinStorm:
    """Accepted joins over the last minute, in ten-second slots (time passed in).

    ``record`` counts a join here; ``observe`` takes a count measured elsewhere (the
    cluster's shared counter), kept for one window: the rate is the larger of the two."""

    slots: list[tuple[int, int]] = field(default_factory=list)  # (slot number, joins)
    observed: int = 0
    observed_at: float = -math.inf

    def _slot(self, now: float) -> int:
        return int(now // (STORM_WINDOW_S / STORM_SLOTS))

    def record(self, now: float) -> None:
        slot = self._slot(now)
        if self.slots and self.slots[-1][0] == slot:
            self.slots[-1] = (slot, self.slots[-1][1] + 1)
        else:
            self.slots.append((slot, 1))
        oldest = slot - STORM_SLOTS + 1
        self.slots = [s for s in self.slots if s[0] >= oldest]

    def observe(self, count: int, now: float) -> None:
        self.observed, self.observed_at = count, now

    def joins_last_minute(self, now: float) -> int:
        oldest = self._slot(now) - STORM_SLOTS + 1
        local = sum(n for slot, n in self.slots if slot >= oldest)
        shared = self.observed if now - self.observed_at < STORM_WINDOW_S else 0
        return max(local, shared)
