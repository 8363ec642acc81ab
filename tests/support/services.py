"""PostgreSQL and Redis for tests: one private schema and one key prefix per test.

Rules (DEVELOPERS.md): outside CI a missing service skips the test with the reason; with
``CI=true`` it fails it. URLs come from ``CAUSETTE_TEST_DATABASE_URL`` and
``CAUSETTE_TEST_REDIS_URL``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
import sqlalchemy as sa

DATABASE_URL = os.environ.get(
    "CAUSETTE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("CAUSETTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip outside CI, fail in CI: a missing service never hides a test there."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema; yields a URL whose search_path is that schema."""
    engine = sa.create_engine(DATABASE_URL)
    name = f"t_{secrets.token_hex(6)}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    except Exception as exc:
        engine.dispose()
        unavailable(f"PostgreSQL not reachable at {DATABASE_URL}: {exc.__class__.__name__}")
    sep = "&" if "?" in DATABASE_URL else "?"
    try:
        # synchronous_commit=off: a commit survives our process dying (what tests kill), not
        # the machine; like SQLite NORMAL in the embedded tests, and far faster.
        yield f"{DATABASE_URL}{sep}options=-csearch_path%3D{name}%20-csynchronous_commit%3Doff"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        engine.dispose()


@contextmanager
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix on the test Redis; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:
        client.close()
        unavailable(f"Redis not reachable at {REDIS_URL}: {exc.__class__.__name__}")
    prefix = f"ct:{secrets.token_hex(4)}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


class RedisServer:
    """A test-owned ``redis-server`` on its own port, nothing saved: stop and start at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        if not os.path.exists(REDIS_SERVER):
            unavailable(f"no redis-server at {REDIS_SERVER}")
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


def _pg_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for version in (
        sorted(os.listdir("/usr/lib/postgresql"), reverse=True)
        if os.path.isdir("/usr/lib/postgresql")
        else []
    ):
        candidate = f"/usr/lib/postgresql/{version}/bin/{name}"
        if os.path.exists(candidate):
            return candidate
    return None


class PostgresServer:
    """A test-owned PostgreSQL (``initdb`` + ``pg_ctl`` on a temporary directory, its own
    port): stopped and started at will, never the machine's shared instance. As root, the
    tools run as the ``postgres`` user (initdb refuses root)."""

    def __init__(self, data_dir: str, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.initdb = _pg_tool("initdb")
        self.pg_ctl = _pg_tool("pg_ctl")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> PostgresServer:
        if self.initdb is None or self.pg_ctl is None:
            unavailable("no initdb/pg_ctl on this machine")
        os.makedirs(self.data_dir, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, "postgres", "postgres")
        assert self.initdb is not None
        self._run(self.initdb, "-D", self.data_dir, "-U", "postgres", "--auth=trust", "-N")
        return self

    def start(self) -> PostgresServer:
        assert self.pg_ctl is not None
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.pg_ctl, "-D", self.data_dir, "-o", options, "-w", "-t", "60", "start")
        return self

    def stop(self, check: bool = True) -> None:
        """Stop it (``check=False``: if it runs, for a test's clean-up)."""
        assert self.pg_ctl is not None
        self._run(
            self.pg_ctl, "-D", self.data_dir, "-m", "fast", "-w", "-t", "60", "stop", check=check
        )
