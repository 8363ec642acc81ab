"""Schema migrations: bring any database (SQLite or PostgreSQL) to the current revision.

Rules:
- ``upgrade`` is the only way the schema changes: ``causette db upgrade`` and the server's
  start both call it, so an embedded SQLite file and a shared PostgreSQL follow one path.
- Several processes may start at once on one PostgreSQL: the upgrade runs under a
  transaction-scoped advisory lock, so exactly one applies it and the others see it done.
  On SQLite the same holds through a file lock beside the database (``<file>.migrate-lock``):
  the server and a ``causette admin`` command may start together on a fresh file.
- A database made before migrations existed (tables, no ``alembic_version``) is stamped at
  the initial revision, then upgraded.
"""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Iterator
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine

from causette.filelock import exclusive

INITIAL_REVISION = "0001"
_LOCK_KEY = 7_242_017  # any constant; the same in every causette process


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("causette.store").joinpath("migrations"))
    )
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


@contextlib.contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock beside a SQLite file, held while it is migrated: SQLite's own
    locks cover one statement or transaction, and the pysqlite driver commits around DDL,
    so two processes migrating a fresh file both created its tables. In memory: nothing
    to share, no lock."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    path = pathlib.Path(database)
    with exclusive(path.with_name(path.name + ".migrate-lock")):
        yield


def upgrade(engine: Engine) -> str:
    """Migrate to the newest revision; returns it."""
    with _sqlite_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        tables = set(inspect(conn).get_table_names())
        cfg = _config(conn)
        if "messages" in tables and "alembic_version" not in tables:
            command.stamp(cfg, INITIAL_REVISION)
        command.upgrade(cfg, "head")
        revision = current_revision(conn)
    assert revision is not None
    return revision
