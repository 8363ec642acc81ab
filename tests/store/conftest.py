"""Store tests run on both databases: SQLite in a temporary file and PostgreSQL in a
private schema."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Iterator

import pytest

from causette.store import SqlStore
from tests.support.keys import AUDIT_KEYS
from tests.support.services import pg_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with pg_schema() as url:
        yield url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """A started store on the database (SQLite with synchronous=NORMAL: tests need speed)."""
    sql = SqlStore(database_url, synchronous="NORMAL", audit_keys=AUDIT_KEYS)
    await sql.start()
    yield sql
    await sql.close()
