"""Prometheus metrics of one server process (exposed at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge("causette_connections", "Open WebSocket connections")
JOINS = Counter("causette_joins_total", "Chatters who joined", ["space"])
MESSAGES = Counter("causette_messages_total", "Messages stored", ["kind"])
DELIVERIES = Counter("causette_deliveries_total", "Frames queued for delivery of messages/events")
REFUSED = Counter("causette_refused_total", "Client actions refused", ["code"])
SLOW_CLOSES = Counter("causette_slow_consumer_closes_total", "Connections closed as too slow")
REDIS_UP = Gauge("causette_redis_up", "1 when this process reaches Redis (multi-process mode)")
BUS_FILLED = Counter(
    "causette_bus_filled_total", "Messages delivered from the store because the bus missed them"
)
