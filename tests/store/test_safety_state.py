"""Engine snapshots: one per process of a cluster, merged at start (newest wins)."""

from __future__ import annotations

from causette.store.safety import SafetyStore
from causette.store.sql import SqlStore


async def test_each_node_keeps_its_snapshot_and_all_are_loaded_oldest_first(database_url):
    store = SqlStore(database_url, synchronous="NORMAL")
    await store.start()
    try:
        safety = SafetyStore(store)
        await safety.save_state({"users": {"a": 1}}, 100.0, "engine:host:8001")
        await safety.save_state({"users": {"a": 2, "b": 2}}, 200.0, "engine:host:8002")
        await safety.save_state({"users": {"a": 3}}, 300.0, "engine:host:8001")
        states = await safety.load_states(since=0.0)
        assert states == [{"users": {"a": 2, "b": 2}}, {"users": {"a": 3}}]
        assert await safety.load_states(since=250.0) == [{"users": {"a": 3}}]
    finally:
        await store.close()
