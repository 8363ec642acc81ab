"""Device memory on both databases: what a device did within the period is read back, a
later under-15 refusal extends the earlier one, and the purge removes what is past."""

from __future__ import annotations

import os

from sqlalchemy import insert

from causette.core.devices import PastSession
from causette.core.identity import Space
from causette.core.sealing import Keyring, RetentionKey
from causette.store import SessionRecord, SqlStore, schema
from causette.store.devices import DeviceStore
from causette.store.retention import RetentionPolicy, RetentionStore

NOW = 2_000_000_000.0
DAY = 86400.0
FLAG = "adults_out_of_reach"


async def _session(
    store: SqlStore, sid: str, device: str, space: str, last_seen: float, ended: float | None
) -> None:
    await store.create_session(
        SessionRecord(
            id=sid, token_hash=f"t-{sid}", device_hash=device, pseudonym=sid,
            age=16 if space == "teen" else 30, gender="f", department="75", space=space,
            lang="fr", pm_policy="rooms", created_at=last_seen - 60, last_seen=last_seen,
            device_key=None, ip_key=None,
        )
    )  # fmt: skip
    if ended is not None:
        await store.update_session(sid, ended_at=ended)


async def test_memory_reads_sessions_move_outs_flags_and_refusals(store: SqlStore) -> None:
    """Recent sessions give their space, an active move-out and the out-of-reach flag give
    a move-out; older sessions, other devices and reversed move-outs count for nothing."""
    devices = DeviceStore(store)
    await _session(store, "teen1", "d1", "teen", NOW - 3600, None)
    await _session(store, "old", "d1", "adult", NOW - 3 * DAY, NOW - 3 * DAY)
    await _session(store, "adult1", "d1", "adult", NOW - 2 * DAY, NOW - 600)
    await _session(store, "other", "d2", "adult", NOW - 60, None)

    def op(conn):  # type: ignore[no-untyped-def]
        base = {"pseudonym": "x", "rule": "other", "reason": "", "automated": 0}
        conn.execute(
            insert(schema.sanctions),
            [
                {**base, "id": "s1", "ts": NOW - 100, "subject_id": "teen1",
                 "action": "move_out", "status": "active"},
                {**base, "id": "s2", "ts": NOW - 100, "subject_id": "old",
                 "action": "move_out", "status": "reversed"},
            ],
        )  # fmt: skip
        conn.execute(
            insert(schema.chatter_flags),
            [{"session_id": "adult1", "flag": FLAG, "created_at": NOW - 700}],
        )

    await store.write(op)
    await devices.remember_under_15("d1", NOW + 100)
    await devices.remember_under_15("d1", NOW + 50)  # an earlier end never shortens it
    mem = await devices.memory("d1", NOW, DAY, FLAG)
    assert mem.under_15_until == NOW + 100
    assert sorted(mem.sessions, key=lambda s: (s.space, s.last_active)) == sorted(
        [
            PastSession(Space.TEEN, NOW - 3600),
            PastSession(Space.ADULT, NOW - 600),
            PastSession(Space.TEEN, NOW - 100, NOW - 100, None),
            PastSession(Space.ADULT, NOW - 700, NOW - 700),
        ],
        key=lambda s: (s.space, s.last_active),
    )
    empty = await devices.memory("d3", NOW, DAY, FLAG)
    assert empty.under_15_until is None and empty.sessions == ()


async def test_the_purge_removes_refusals_past_their_end(store: SqlStore) -> None:
    """A remembered refusal stays while it counts and is purged once past."""
    devices = DeviceStore(store)
    retention = RetentionStore(store, Keyring(RetentionKey.from_secret(os.urandom(32))))
    policy = RetentionPolicy.from_days(365, 365, 90, 90, 730)
    await devices.remember_under_15("d1", NOW + DAY)
    assert (await retention.purge(policy, NOW, "test"))["device_memory"] == 0
    assert (await devices.memory("d1", NOW, DAY, FLAG)).under_15_until == NOW + DAY
    assert (await retention.purge(policy, NOW + DAY + 1, "test"))["device_memory"] == 1
    assert (await devices.memory("d1", NOW, DAY, FLAG)).under_15_until is None
