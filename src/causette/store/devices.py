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

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

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
        s, sanctions, flags = schema.sessions, schema.sanctions, schema.chatter_flags
        memory_t = schema.device_memory
        since = now - period

        def q(conn: Connection) -> DeviceMemory:
            past: list[PastSession] = []
            recent = select(s.c.space, s.c.last_seen, s.c.ended_at).where(
                s.c.device_hash == device_hash,
                or_(s.c.last_seen >= since, s.c.ended_at >= since),
            )
            for space, last_seen, ended_at in conn.execute(recent):
                past.append(PastSession(Space(space), max(last_seen, ended_at or 0.0)))
            moved = (
                select(s.c.space, sanctions.c.ts, sanctions.c.until)
                .select_from(sanctions.join(s, s.c.id == sanctions.c.subject_id))
                .where(
                    s.c.device_hash == device_hash,
                    sanctions.c.action == "move_out",
                    sanctions.c.status == "active",
                    or_(sanctions.c.ts >= since, sanctions.c.until > now),
                )
            )
            for space, ts, until in conn.execute(moved):
                past.append(PastSession(Space(space), ts, ts, until))
            flagged = (
                select(s.c.space, flags.c.created_at)
                .select_from(flags.join(s, s.c.id == flags.c.session_id))
                .where(
                    s.c.device_hash == device_hash,
                    flags.c.flag == out_of_reach_flag,
                    flags.c.created_at >= since,
                )
            )
            for space, ts in conn.execute(flagged):
                past.append(PastSession(Space(space), ts, ts))
            under_15 = conn.execute(
                select(memory_t.c.until).where(
                    and_(memory_t.c.device_hash == device_hash, memory_t.c.kind == UNDER_15)
                )
            ).scalar()
            return DeviceMemory(under_15, tuple(past))

        return await self.store.read(q)
