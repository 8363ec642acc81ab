"""Prometheus metrics of one server process (exposed at /metrics)."""

from __future__ import annotations

import gc
import time

from prometheus_client import Counter, Gauge, Histogram

CONNECTIONS = Gauge("causette_connections", "Open WebSocket connections")
JOINS = Counter("causette_joins_total", "Chatters who joined", ["space"])
MESSAGES = Counter("causette_messages_total", "Messages stored", ["kind"])
DELIVERIES = Counter("causette_deliveries_total", "Frames queued for delivery of messages/events")
REFUSED = Counter("causette_refused_total", "Client actions refused", ["code"])
SLOW_CLOSES = Counter("causette_slow_consumer_closes_total", "Connections closed as too slow")
DEAD_PEERS = Counter(
    "causette_dead_peers_total", "Connections dropped because the peer stopped answering pings"
)
REDIS_UP = Gauge("causette_redis_up", "1 when this process reaches Redis (multi-process mode)")
BUS_FILLED = Counter(
    "causette_bus_filled_total", "Messages delivered from the store because the bus missed them"
)
LOOP_LAG = Histogram(
    "causette_loop_lag_seconds",
    "How late the event loop ran a 10 ms timer (with CAUSETTE_STALL_LOG_MS set)",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
GC_PAUSE = Histogram(
    "causette_gc_pause_seconds",
    "Garbage-collector pauses (the event loop stands still meanwhile)",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)

_gc_started = 0.0


def _time_gc(phase: str, info: dict[str, int]) -> None:
    global _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
    else:
        GC_PAUSE.labels(generation=str(info["generation"])).observe(
            time.perf_counter() - _gc_started
        )


def watch_gc() -> None:
    """Time every collection (once per process): a long pause is a latency spike for every
    chatter, and this is where it shows."""
    if _time_gc not in gc.callbacks:
        gc.callbacks.append(_time_gc)
