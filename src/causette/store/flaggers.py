"""Trusted flaggers (DSA art. 22) in the database: who they are and their credential's hash.

Rules:
- A flagger is registered and revoked by an admin; each of those is audited in the same
  transaction as the change (``append_in``), so neither happens unrecorded.
- The credential is kept only as its sha256 (core/keys.py): the database opens nothing.
- Names are unique (the transparency report counts reports per name); a second flagger of
  the same name is a ``bad_field``, and nothing is written.
- A revoked flagger stays listed (its past reports still name it); its credential is dead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.transparency import FLAGGER_PREFIX
from causette.store import schema
from causette.store.audit import append_in
from causette.store.sql import SqlStore

__all__ = ["FLAGGER_PREFIX", "Flagger", "FlaggerStore", "flagger_of"]


@dataclass(frozen=True, slots=True)
class Flagger:
    id: str
    name: str
    contact: str
    created_at: float
    created_by: str
    revoked_at: float | None
    revoked_by: str | None

    @property
    def public(self) -> dict[str, Any]:
        """What the admins' list shows (never the credential's hash)."""
        return {
            "id": self.id,
            "name": self.name,
            "contact": self.contact,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "active": self.revoked_at is None,
        }


_COLUMNS = ("id", "name", "contact", "created_at", "created_by", "revoked_at", "revoked_by")


def _flagger(row: Row[Any]) -> Flagger:
    return Flagger(*(getattr(row, c) for c in _COLUMNS))


class FlaggerStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def create(self, flagger: Flagger, token_hash: str) -> None:
        t = schema.trusted_flaggers
        row = {**{c: getattr(flagger, c) for c in _COLUMNS}, "token_hash": token_hash}

        def op(conn: Connection) -> None:
            taken = conn.execute(
                select(t.c.id).where(func.lower(t.c.name) == flagger.name.lower())
            ).first()
            if taken is not None:
                raise bad_field("name: a trusted flagger of that name exists already")
            conn.execute(insert(t), row)
            append_in(
                conn,
                flagger.created_at,
                flagger.created_by,
                "flagger.register",
                f"flagger:{flagger.id}",
                {"name": flagger.name, "contact": flagger.contact},
            )

        await self.store.write(op)

    async def revoke(self, flagger_id: str, now: float, actor: str) -> Flagger:
        """Revoke a flagger's credential; NOT_FOUND for an unknown id, ALREADY_DECIDED for
        one revoked already (both write nothing)."""
        t = schema.trusted_flaggers

        def op(conn: Connection) -> Flagger:
            row = conn.execute(select(*[t.c[c] for c in _COLUMNS]).where(t.c.id == flagger_id))
            found = row.first()
            if found is None:
                raise ChatError(ErrorCode.NOT_FOUND)
            if found.revoked_at is not None:
                raise ChatError(ErrorCode.ALREADY_DECIDED)
            conn.execute(
                update(t).where(t.c.id == flagger_id).values(revoked_at=now, revoked_by=actor)
            )
            append_in(
                conn, now, actor, "flagger.revoke", f"flagger:{flagger_id}", {"name": found.name}
            )
            return replace(_flagger(found), revoked_at=now, revoked_by=actor)

        revoked: Flagger = await self.store.write(op)
        return revoked

    async def all(self) -> list[Flagger]:
        t = schema.trusted_flaggers

        def q(conn: Connection) -> list[Flagger]:
            stmt = select(*[t.c[c] for c in _COLUMNS]).order_by(t.c.created_at)
            return [_flagger(row) for row in conn.execute(stmt)]

        return await self.store.read(q)

    async def by_token_hash(self, token_hash: str) -> Flagger | None:
        """The flagger whose credential this is, revoked or not (the caller says which)."""
        t = schema.trusted_flaggers

        def q(conn: Connection) -> Flagger | None:
            stmt = select(*[t.c[c] for c in _COLUMNS]).where(t.c.token_hash == token_hash)
            row = conn.execute(stmt).first()
            return None if row is None else _flagger(row)

        return await self.store.read(q)

    async def names(self) -> dict[str, str]:
        """Every flagger's name by id (revoked ones too: their reports still name them)."""
        t = schema.trusted_flaggers

        def q(conn: Connection) -> dict[str, str]:
            return {str(i): str(n) for i, n in conn.execute(select(t.c.id, t.c.name))}

        return await self.store.read(q)


def flagger_of(reporter_id: str) -> str | None:
    """The flagger id of a report's ``reporter_id``, or None for anyone else's report."""
    if reporter_id.startswith(FLAGGER_PREFIX):
        return reporter_id.removeprefix(FLAGGER_PREFIX)
    return None
