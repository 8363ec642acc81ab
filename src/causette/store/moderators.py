"""Moderator accounts and their sessions (separate from chatters')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from causette.core.roles import Role
from causette.store import schema
from causette.store.audit import append_in
from causette.store.sql import SqlStore


@dataclass(frozen=True, slots=True)
class Moderator:
    id: str
    name: str
    password_hash: str
    role: Role
    created_at: float
    disabled_at: float | None

    @property
    def public(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "role": self.role.value}


def _moderator(row: Row[Any]) -> Moderator:
    return Moderator(
        row.id, row.name, row.password_hash, Role(row.role), row.created_at, row.disabled_at
    )


class ModeratorStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def create(self, moderator: Moderator, actor: str) -> None:
        """Add an account; its creation is audited in the same transaction."""
        row = {
            "id": moderator.id,
            "name": moderator.name,
            "password_hash": moderator.password_hash,
            "role": moderator.role.value,
            "created_at": moderator.created_at,
            "disabled_at": None,
        }

        def op(conn: Connection) -> None:
            conn.execute(insert(schema.moderators), row)
            append_in(
                conn,
                moderator.created_at,
                actor,
                "moderator.create",
                f"moderator:{moderator.id}",
                {"name": moderator.name, "role": moderator.role.value},
            )

        await self.store.write(op)

    async def by_name(self, name: str) -> Moderator | None:
        t = schema.moderators

        def q(conn: Connection) -> Moderator | None:
            row = conn.execute(select(t).where(t.c.name == name)).first()
            return None if row is None else _moderator(row)

        return await self.store.read(q)

    async def by_id(self, moderator_id: str) -> Moderator | None:
        t = schema.moderators

        def q(conn: Connection) -> Moderator | None:
            row = conn.execute(select(t).where(t.c.id == moderator_id)).first()
            return None if row is None else _moderator(row)

        return await self.store.read(q)

    async def all(self) -> list[Moderator]:
        t = schema.moderators

        def q(conn: Connection) -> list[Moderator]:
            return [_moderator(row) for row in conn.execute(select(t).order_by(t.c.name))]

        return await self.store.read(q)

    async def set_password_hash(self, moderator_id: str, password_hash: str) -> None:
        t = schema.moderators
        stmt = update(t).where(t.c.id == moderator_id).values(password_hash=password_hash)
        await self.store.write(lambda conn: conn.execute(stmt))

    async def disable(self, moderator_id: str, now: float, actor: str) -> None:
        t = schema.moderators

        def op(conn: Connection) -> None:
            conn.execute(update(t).where(t.c.id == moderator_id).values(disabled_at=now))
            conn.execute(
                delete(schema.desk_sessions).where(
                    schema.desk_sessions.c.moderator_id == moderator_id
                )
            )
            append_in(conn, now, actor, "moderator.disable", f"moderator:{moderator_id}")

        await self.store.write(op)

    # -- sessions ---------------------------------------------------------------------------
    async def open_session(
        self, token_hash: str, moderator_id: str, now: float, expires_at: float
    ) -> None:
        row = {
            "token_hash": token_hash,
            "moderator_id": moderator_id,
            "created_at": now,
            "expires_at": expires_at,
        }
        await self.store.write(lambda conn: conn.execute(insert(schema.desk_sessions), row))

    async def session_moderator(self, token_hash: str, now: float) -> Moderator | None:
        """The enabled moderator behind a live session, or None."""
        s, m = schema.desk_sessions, schema.moderators

        def q(conn: Connection) -> Moderator | None:
            row = conn.execute(
                select(m)
                .join(s, s.c.moderator_id == m.c.id)
                .where(s.c.token_hash == token_hash, s.c.expires_at > now)
                .where(m.c.disabled_at.is_(None))
            ).first()
            return None if row is None else _moderator(row)

        return await self.store.read(q)

    async def close_session(self, token_hash: str) -> None:
        s = schema.desk_sessions
        stmt = delete(s).where(s.c.token_hash == token_hash)
        await self.store.write(lambda conn: conn.execute(stmt))
