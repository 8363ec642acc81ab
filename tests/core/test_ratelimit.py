"""Token buckets: burst, wait times, refill, never negative, never more than burst + rate·t."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causette.core.ratelimit import TokenBucket, per_hour, per_minute

T0 = 1_764_000_000.0


def test_starts_full() -> None:
    """A new bucket holds its burst and reports full."""
    bucket = TokenBucket(burst=5, rate=1)
    assert bucket.tokens == 5
    assert bucket.full(T0)


def test_explicit_initial_tokens_are_kept() -> None:
    """tokens given at construction (even 0) are not replaced by the burst."""
    assert TokenBucket(burst=5, rate=1, tokens=0).tokens == 0
    assert TokenBucket(burst=5, rate=1, tokens=2).tokens == 2


def test_burst_then_wait_time() -> None:
    """burst takes succeed at once, the next tells exactly how long to wait."""
    bucket = TokenBucket(burst=3, rate=0.5, updated=T0)
    assert [bucket.take(T0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(T0) == pytest.approx(2.0)
    assert not bucket.full(T0)


def test_refused_take_spends_nothing() -> None:
    """A refused take leaves the tokens as they were (refilled, not spent)."""
    bucket = TokenBucket(burst=1, rate=1, updated=T0)
    assert bucket.take(T0) == 0.0
    wait = bucket.take(T0 + 0.25)
    assert wait == pytest.approx(0.75)
    assert bucket.tokens == pytest.approx(0.25)
    assert bucket.take(T0 + 0.5) == pytest.approx(0.5)


def test_refill_over_time() -> None:
    """After waiting the announced time, the take succeeds."""
    bucket = TokenBucket(burst=2, rate=2, updated=T0)
    bucket.take(T0)
    bucket.take(T0)
    wait = bucket.take(T0)
    assert wait == pytest.approx(0.5)
    assert bucket.take(T0 + wait) == 0.0
    assert bucket.take(T0 + wait) > 0


def test_refill_caps_at_burst() -> None:
    """A long idle period refills only up to burst, not beyond."""
    bucket = TokenBucket(burst=3, rate=10, updated=T0)
    for _ in range(3):
        bucket.take(T0)
    later = T0 + 3600
    assert [bucket.take(later) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(later) > 0


def test_cost_above_one() -> None:
    """A take of cost 2 spends two tokens, and its wait counts the missing amount."""
    bucket = TokenBucket(burst=3, rate=1, updated=T0)
    assert bucket.take(T0, cost=2) == 0.0
    assert bucket.take(T0, cost=2) == pytest.approx(1.0)
    assert bucket.tokens == pytest.approx(1.0)


def test_zero_rate_waits_forever() -> None:
    """With rate 0, an empty bucket answers an infinite wait instead of dividing by zero."""
    bucket = TokenBucket(burst=1, rate=0, updated=T0)
    assert bucket.take(T0) == 0.0
    assert math.isinf(bucket.take(T0 + 1e9))


def test_clock_going_backwards_does_not_refill() -> None:
    """A timestamp earlier than the last one refills nothing and does not rewind the bucket."""
    bucket = TokenBucket(burst=1, rate=1, updated=T0)
    bucket.take(T0)
    assert bucket.take(T0 - 100) > 0
    assert bucket.updated == T0
    assert bucket.take(T0 + 1) == 0.0


def test_full_after_refill() -> None:
    """full() turns true again once enough time has passed."""
    bucket = TokenBucket(burst=2, rate=1, updated=T0)
    bucket.take(T0)
    assert not bucket.full(T0 + 0.5)
    assert bucket.full(T0 + 1)


def test_per_hour() -> None:
    """per_hour(n) allows n at once, then one more every 3600/n seconds."""
    bucket = per_hour(20)
    assert (bucket.burst, bucket.rate) == (20, pytest.approx(20 / 3600))
    for _ in range(20):
        assert bucket.take(T0) == 0.0
    assert bucket.take(T0) == pytest.approx(180.0)


def test_per_minute() -> None:
    """per_minute(burst, n) allows burst at once and n per minute sustained."""
    bucket = per_minute(5, 30)
    assert (bucket.burst, bucket.rate) == (5, pytest.approx(0.5))
    for _ in range(5):
        assert bucket.take(T0) == 0.0
    assert bucket.take(T0) == pytest.approx(2.0)


steps = st.lists(
    st.tuples(st.floats(min_value=0, max_value=30, allow_nan=False), st.sampled_from([1, 1, 2])),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200)
@given(
    burst=st.integers(min_value=1, max_value=10),
    rate=st.floats(min_value=0, max_value=5, allow_nan=False),
    steps=steps,
)
def test_never_more_than_burst_plus_rate_times_elapsed(
    burst: int, rate: float, steps: list[tuple[float, int]]
) -> None:
    """Over takes at increasing times, spent ≤ burst + rate × elapsed; tokens stay in [0, burst]."""
    bucket = TokenBucket(burst=burst, rate=rate)
    now = T0
    start = now
    spent = 0
    for gap, cost in steps:
        now += gap
        wait = bucket.take(now, cost)
        assert wait >= 0
        if wait == 0:
            spent += cost
        else:
            # The announced wait is exact: nothing earlier could have been enough.
            assert (
                wait == pytest.approx((cost - bucket.tokens) / rate) if rate else math.isinf(wait)
            )
        assert -1e-9 <= bucket.tokens <= burst + 1e-9
        assert spent <= burst + rate * (now - start) + 1e-6


@settings(max_examples=200)
@given(
    burst=st.integers(min_value=1, max_value=10),
    rate=st.floats(min_value=0.01, max_value=5, allow_nan=False),
    drain=st.integers(min_value=0, max_value=20),
)
def test_waiting_the_announced_time_is_enough(burst: int, rate: float, drain: int) -> None:
    """Whenever a take is refused, retrying after the announced wait succeeds."""
    bucket = TokenBucket(burst=burst, rate=rate)
    for _ in range(drain):
        bucket.take(T0)
    wait = bucket.take(T0)
    if wait > 0:
        # 1 µs of slack: at epoch-sized timestamps a float step is ~0.24 µs.
        assert bucket.take(T0 + wait + 1e-6) == 0.0
