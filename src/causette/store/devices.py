"""What the store remembers of a device (core/devices.py says what it is used for).

Rules:
- Only keyed hashes of the browser's cookie (``sessions.device_hash``) are read or kept:
  never an address.
- The space a device is in and its move-outs are read from what the chat already keeps
  (sessions, ``move_out`` sanctions, the adults-out-of-reach flag), so every process sees
  the same memory and a reversed move-out stops counting at once.
- Under-15 refusals at the join form leave no session: they are the one new fact, a row
  ``device_memory(device_hash, kind="under_15", until)``, deleted by the purge once past.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import BindParameter

from causette.core.devices import DeviceMemory, PastSession
from causette.core.identity import Space
from causette.store import schema
from causette.store.sql import SqlStore

UNDER_15 = "under_15"


class DeviceStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def remember_under_15(self, device_hash: str, until: float) -> None:
        """This device is refused any join until ``until`` (a later refusal extends it)."""
        t = schema.device_memory

        def op(conn: Connection) -> None:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            upsert = dialect.insert(t).values(device_hash=device_hash, kind=UNDER_15, until=until)
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[t.c.device_hash, t.c.kind],
                    set_={"until": upsert.excluded.until},
                    where=t.c.until < upsert.excluded.until,
                )
            )

        await self.store.write(op)

    async def memory(
        self, device_hash: str, now: float, period: float, out_of_reach_flag: str
    ) -> DeviceMemory:
        """What this device did within ``period`` before ``now`` (and timed move-outs
        still in force), in one read."""
        params = {
            "device": device_hash,
            "since": now - period,
            "now": now,
            "flag": out_of_reach_flag,
            "kind": UNDER_15,
        }
        recent, moved, flagged, under_15 = _memory_queries()

        def q(conn: Connection) -> DeviceMemory:
            past: list[PastSession] = []
            for space, last_seen, ended_at in conn.execute(recent, params):
                past.append(PastSession(Space(space), max(last_seen, ended_at or 0.0)))
            for space, ts, until in conn.execute(moved, params):
                past.append(PastSession(Space(space), ts, ts, until))
            for space, ts in conn.execute(flagged, params):
                past.append(PastSession(Space(space), ts, ts))
            until = conn.execute(under_15, params).scalar()
            return DeviceMemory(until, tuple(past))

        return await self.store.read(q)


@functools.cache
def _memory_queries() -> tuple[Select[Any], Select[Any], Select[Any], Select[Any]]:
    """The four reads of ``memory``, built once (bound by name): built per join, they cost
    the join ~1 ms of CPU, most of a join's reads (profiled in the idle benchmark)."""
    s, sanctions, flags = schema.sessions, schema.sanctions, schema.chatter_flags
    memory_t = schema.device_memory
    device: BindParameter[str] = bindparam("device")
    since: BindParameter[float] = bindparam("since")
    now: BindParameter[float] = bindparam("now")
    recent = select(s.c.space, s.c.last_seen, s.c.ended_at).where(
        s.c.device_hash == device,
        or_(s.c.last_seen >= since, s.c.ended_at >= since),
    )
    moved = (
        select(s.c.space, sanctions.c.ts, sanctions.c.until)
        .select_from(sanctions.join(s, s.c.id == sanctions.c.subject_id))
        .where(
            s.c.device_hash == device,
            sanctions.c.action == "move_out",
            sanctions.c.status == "active",
            or_(sanctions.c.ts >= since, sanctions.c.until > now),
        )
    )
    flagged = (
        select(s.c.space, flags.c.created_at)
        .select_from(flags.join(s, s.c.id == flags.c.session_id))
        .where(
            s.c.device_hash == device,
            flags.c.flag == bindparam("flag"),
            flags.c.created_at >= since,
        )
    )
    under_15 = select(memory_t.c.until).where(
        and_(memory_t.c.device_hash == device, memory_t.c.kind == bindparam("kind"))
    )
    return recent, moved, flagged, under_15
