"""The integration suite runs on every backend: ``sqlite`` (embedded: SQLite, in-process
bus) and ``cluster`` (PostgreSQL + Redis, each test in its own schema and key prefix).

``CAUSETTE_TEST_BACKENDS=sqlite`` (or ``cluster``) narrows the run to one.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator

import pytest

from causette.settings import Settings
from tests.conftest import TEST_SETTINGS
from tests.support.services import REDIS_URL, pg_schema, redis_prefix

BACKENDS = [b for b in os.environ.get("CAUSETTE_TEST_BACKENDS", "sqlite,cluster").split(",") if b]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def settings(tmp_path: pathlib.Path, backend: str) -> Iterator[Settings]:
    if backend == "sqlite":
        yield Settings(data_dir=tmp_path, **TEST_SETTINGS)
        return
    with pg_schema() as database_url, redis_prefix() as prefix:
        yield Settings(
            data_dir=tmp_path,
            database_url=database_url,
            redis_url=REDIS_URL,
            redis_prefix=prefix,
            **TEST_SETTINGS,
        )
