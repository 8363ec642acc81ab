"""Alembic environment: runs on the connection ``causette.store.migrate`` hands it.

Rules: never called with a URL of its own in production; ``causette db upgrade`` and the
server's start both go through ``migrate.upgrade``, which takes the lock and the connection.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from causette.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:  # pragma: no cover - the plain `alembic` command line, for developers
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
