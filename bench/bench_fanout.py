"""Fan-out (issue 8, scenario 1): one room of 1,000 subscribers, steady posting, every
contender in the same run; deliveries/s, server CPU per delivery, p50/p99/p999 latency.

``causette_advantage_vs[peer][figure]``: causette's figure over the peer's (deliveries/s),
or the peer's over causette's (CPU µs per delivery, latency), measured in the same round,
median over the rounds: above 1 means causette is better.
"""

from __future__ import annotations

import os
from typing import Any

import uvloop

from bench.compare import interleaved
from bench.fanout import measure
from bench.load import contenders

KEYS = (
    "seconds",
    "deliveries_per_s",
    "server_cpu_us_per_delivery",
    "latency_ms_p50",
    "latency_ms_p99",
    "latency_ms_p999",
)
RATIOS = {
    "deliveries_per_s": True,
    "server_cpu_us_per_delivery": False,
    "latency_ms_p50": False,
    "latency_ms_p99": False,
}


def run(quick: bool) -> dict[str, Any]:
    uvloop.install()
    subscribers, messages = (500, 100) if quick else (1000, 1000)
    rounds = int(os.environ.get("BENCH_ROUNDS", 1 if quick else 3))
    result = interleaved(
        contenders(safety_off=True),
        lambda factory: measure(factory, subscribers, messages),
        rounds,
        KEYS,
        RATIOS,
        "fanout",
    )
    result.update(subscribers=subscribers, messages=messages, window=64)
    return result
