"""Rate limits as token buckets: pure functions of (bucket, now).

A bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second. Taking a
token either succeeds or tells how long to wait; the bucket is never left half-updated.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    burst: float
    rate: float
    tokens: float = -1.0
    updated: float = 0.0

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self, now: float, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens: 0.0 when allowed, else the seconds to wait (nothing spent)."""
        elapsed = max(0.0, now - self.updated)
        tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.updated = max(self.updated, now)
        if tokens >= cost:
            self.tokens = tokens - cost
            return 0.0
        self.tokens = tokens
        if self.rate <= 0:
            return float("inf")
        return (cost - tokens) / self.rate

    def wait_time(self, now: float, cost: float = 1.0) -> float:
        """The seconds until ``cost`` tokens are there (0.0: now), spending nothing."""
        elapsed = max(0.0, now - self.updated)
        tokens = min(self.burst, self.tokens + elapsed * self.rate)
        if tokens >= cost:
            return 0.0
        return float("inf") if self.rate <= 0 else (cost - tokens) / self.rate

    def full(self, now: float) -> bool:
        elapsed = max(0.0, now - self.updated)
        return self.tokens + elapsed * self.rate >= self.burst


def per_hour(count: int) -> TokenBucket:
    """At most ``count`` at once, and ``count`` per hour sustained."""
    return TokenBucket(burst=count, rate=count / 3600.0)


def per_minute(burst: int, count: int) -> TokenBucket:
    return TokenBucket(burst=burst, rate=count / 60.0)
