"""Prometheus metrics of one server process (exposed at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge("causette_connections", "Open WebSocket connections")
JOINS = Counter("causette_joins_total", "Chatters who joined", ["space"])
MESSAGES = Counter("causette_messages_total", "Messages stored", ["kind"])
DELIVERIES = Counter("causette_deliveries_total", "Frames queued for delivery of messages/events")
REFUSED = Counter("causette_refused_total", "Client actions refused", ["code"])
SLOW_CLOSES = Counter("causette_slow_consumer_closes_total", "Connections closed as too slow")
