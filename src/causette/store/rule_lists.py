"""The shared rule lists in the database: entries, trusted issuers and imported packs.

Rules:
- Every change (an entry added or removed, an issuer trusted or dropped, a pack received,
  a pack's review) is audited in the same transaction as the change (``append_in``).
- A pack is stored ``pending`` with its entries as read (checked, normalised); only its
  review writes entries, those the admin accepted and the lists lack, with source
  ``pack:<id>``. A pack is reviewed once (``already_decided``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.rule_lists import Entry, Pack
from causette.store import schema
from causette.store.audit import append_in
from causette.store.sql import SqlStore

PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"


@dataclass(frozen=True, slots=True)
class Issuer:
    key_id: str
    name: str
    public_key: str  # PEM
    added_at: float

    def public(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "name": self.name,
            "public_key": self.public_key,
            "added_at": self.added_at,
        }


@dataclass(frozen=True, slots=True)
class StoredPack:
    id: str
    issuer: str
    signed_by: str
    created_at: float
    received_at: float
    entries: tuple[Entry, ...]
    status: str
    decided_at: float | None
    accepted: tuple[Entry, ...] | None


def _entries(raw: str | None) -> tuple[Entry, ...]:
    return tuple(Entry(e["list"], e["entry"]) for e in orjson.loads(raw or "[]"))


def _dump(entries: tuple[Entry, ...] | list[Entry]) -> str:
    return orjson.dumps([e.public() for e in entries]).decode()


def _current(conn: Connection) -> set[Entry]:
    t = schema.rule_entries
    return {Entry(str(li), str(en)) for li, en in conn.execute(select(t.c.list, t.c.entry))}


class RuleListStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    # -- entries --------------------------------------------------------------------------
    async def entries(self) -> list[dict[str, Any]]:
        t = schema.rule_entries

        def q(conn: Connection) -> list[dict[str, Any]]:
            stmt = select(t.c.list, t.c.entry, t.c.added_at, t.c.source).order_by(
                t.c.list, t.c.entry
            )
            # str(): SQLAlchemy's column names are a str subclass JSON encoders refuse as keys.
            return [{str(k): v for k, v in row._mapping.items()} for row in conn.execute(stmt)]

        return await self.store.read(q)

    async def current(self) -> set[Entry]:
        return await self.store.read(_current)

    async def add(self, entry: Entry, now: float, actor: str) -> None:
        t = schema.rule_entries

        def op(conn: Connection) -> None:
            if entry in _current(conn):
                raise bad_field("entry: already in the list")
            row = {**entry.public(), "added_at": now, "added_by": actor, "source": "desk"}
            conn.execute(insert(t), row)
            append_in(conn, now, actor, "rules.add", f"rules:{entry.list}", entry.public())

        await self.store.write(op)

    async def remove(self, entry: Entry, now: float, actor: str) -> None:
        t = schema.rule_entries

        def op(conn: Connection) -> None:
            gone = conn.execute(
                delete(t).where(t.c.list == entry.list, t.c.entry == entry.entry)
            ).rowcount
            if not gone:
                raise ChatError(ErrorCode.NOT_FOUND)
            append_in(conn, now, actor, "rules.remove", f"rules:{entry.list}", entry.public())

        await self.store.write(op)

    # -- trusted issuers ------------------------------------------------------------------
    async def issuers(self) -> list[Issuer]:
        t = schema.rule_issuers

        def q(conn: Connection) -> list[Issuer]:
            stmt = select(t.c.key_id, t.c.name, t.c.public_key, t.c.added_at).order_by(t.c.name)
            return [Issuer(*row) for row in conn.execute(stmt)]

        return await self.store.read(q)

    async def trust(self, issuer: Issuer, actor: str) -> None:
        t = schema.rule_issuers

        def op(conn: Connection) -> None:
            if conn.execute(select(t.c.key_id).where(t.c.key_id == issuer.key_id)).first():
                raise bad_field("public_key: this key is trusted already")
            row = {**issuer.public(), "added_by": actor}
            conn.execute(insert(t), row)
            detail = {"name": issuer.name, "key_id": issuer.key_id}
            append_in(conn, issuer.added_at, actor, "rules.issuer_trust", "rules:issuers", detail)

        await self.store.write(op)

    async def distrust(self, key_id: str, now: float, actor: str) -> None:
        t = schema.rule_issuers

        def op(conn: Connection) -> None:
            if not conn.execute(delete(t).where(t.c.key_id == key_id)).rowcount:
                raise ChatError(ErrorCode.NOT_FOUND)
            detail = {"key_id": key_id}
            append_in(conn, now, actor, "rules.issuer_drop", "rules:issuers", detail)

        await self.store.write(op)

    # -- packs ----------------------------------------------------------------------------
    async def receive(self, pack: Pack, now: float, actor: str) -> str:
        """Keep a checked pack for review; nothing of it applies yet."""
        pack_id = secrets.token_hex(8)
        row = {
            "id": pack_id,
            "issuer": pack.issuer,
            "signed_by": pack.signed_by,
            "created_at": pack.created_at,
            "received_at": now,
            "received_by": actor,
            "entries": _dump(pack.entries),
            "status": PENDING,
        }

        def op(conn: Connection) -> None:
            conn.execute(insert(schema.rule_packs), row)
            detail = {"issuer": pack.issuer, "signed_by": pack.signed_by}
            append_in(conn, now, actor, "rules.pack_receive", f"pack:{pack_id}", {
                **detail, "entries": len(pack.entries)
            })  # fmt: skip

        await self.store.write(op)
        return pack_id

    async def packs(self, pack_id: str | None = None) -> list[StoredPack]:
        t = schema.rule_packs
        columns = [t.c[c] for c in StoredPack.__slots__]

        def q(conn: Connection) -> list[StoredPack]:
            stmt = select(*columns).order_by(t.c.received_at.desc())
            if pack_id is not None:
                stmt = stmt.where(t.c.id == pack_id)
            out = []
            for row in conn.execute(stmt):
                values = {str(k): v for k, v in row._mapping.items()}
                values["entries"] = _entries(values["entries"])
                accepted = values["accepted"]
                values["accepted"] = None if accepted is None else _entries(accepted)
                out.append(StoredPack(**values))
            return out

        return await self.store.read(q)

    async def decide(
        self, pack_id: str, accepted: list[int] | None, now: float, actor: str
    ) -> tuple[StoredPack, list[Entry]]:
        """Apply the entries at the ``accepted`` indexes (None: all) that the lists lack;
        returns the pack and what was added. Nothing accepted: the pack is rejected."""
        t, e = schema.rule_packs, schema.rule_entries

        def op(conn: Connection) -> tuple[StoredPack, list[Entry]]:
            row = conn.execute(select(t).where(t.c.id == pack_id)).first()
            if row is None:
                raise ChatError(ErrorCode.NOT_FOUND)
            if row.status != PENDING:
                raise ChatError(ErrorCode.ALREADY_DECIDED)
            entries = _entries(row.entries)
            indexes = range(len(entries)) if accepted is None else accepted
            if any(not 0 <= i < len(entries) for i in indexes):
                raise bad_field(f"accept: indexes from 0 to {len(entries) - 1}")
            chosen = [entries[i] for i in sorted(set(indexes))]
            present = _current(conn)
            added = [entry for entry in chosen if entry not in present]
            source = f"pack:{pack_id}"
            for entry in added:
                values = {**entry.public(), "added_at": now, "added_by": actor, "source": source}
                conn.execute(insert(e), values)
            status = APPLIED if chosen else REJECTED
            conn.execute(
                update(t)
                .where(t.c.id == pack_id)
                .values(status=status, decided_at=now, decided_by=actor, accepted=_dump(chosen))
            )
            detail = {
                "issuer": row.issuer,
                "status": status,
                "accepted": len(chosen),
                "of": len(entries),
                "added": [a.public() for a in added],
            }
            append_in(conn, now, actor, "rules.pack_review", f"pack:{pack_id}", detail)
            pack = StoredPack(
                row.id, row.issuer, row.signed_by, row.created_at, row.received_at, entries,
                status, now, tuple(chosen),
            )  # fmt: skip
            return pack, added

        result: tuple[StoredPack, list[Entry]] = await self.store.write(op)
        return result
