"""Migrations: the migrated database is exactly schema.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from causette.store import schema
from causette.store.migrate import current_revision, head_revision, upgrade
from causette.store.sql import make_engine

# What revision 0001 made: the tables of a database from before migrations.
INITIAL_TABLES = {"sessions", "memberships", "blocks", "conversations", "messages"}
# Columns later revisions added to those tables.
LATER_COLUMNS = {"sessions": {"device_key", "ip_key"}, "messages": {"key_id"}}


def test_upgrade_matches_schema(database_url):
    """After `upgrade` the database has every table, column and index of schema.py."""
    engine = make_engine(database_url)
    try:
        assert upgrade(engine) == head_revision()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(database_url):
    """Running it twice changes nothing and stays at head."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
    finally:
        engine.dispose()


def test_database_from_before_migrations_is_stamped_and_upgraded(tmp_path):
    """Tables made by create_all (no alembic_version) are adopted, heads seeded from messages."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        old = sa.MetaData()
        for table in schema.metadata.sorted_tables:
            if table.name in INITIAL_TABLES:
                later = LATER_COLUMNS.get(table.name, set())
                sa.Table(table.name, old, *[c.copy() for c in table.columns if c.name not in later])
        old.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                sa.insert(schema.messages),
                [
                    {
                        "channel": "room:a",
                        "id": i,
                        "ts": 0.0,
                        "sender_id": "x",
                        "sender": "{}",
                        "text": "t",
                    }
                    for i in (1, 2, 7)
                ],
            )
        upgrade(engine)
        with engine.connect() as conn:
            heads = dict(conn.execute(sa.select(schema.channel_heads)).all())
        assert heads == {"room:a": 7}
    finally:
        engine.dispose()


def test_db_upgrade_command(database_url, tmp_path):
    """`causette db upgrade --url` migrates and says to which revision."""
    out = subprocess.run(
        [sys.executable, "-m", "causette", "db", "upgrade", "--url", database_url],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert f"revision {head_revision()}" in out.stdout


_MIGRATE_ON_GO = """
import pathlib, sys, time
from causette.store.migrate import upgrade
from causette.store.sql import make_engine
engine = make_engine(sys.argv[1])
print("ready", flush=True)
go = pathlib.Path(sys.argv[2])
while not go.exists():
    time.sleep(0.002)
print("revision", upgrade(engine), flush=True)
"""


def test_concurrent_upgrades_of_a_fresh_sqlite_file(tmp_path):
    """Issue 15 item 18: ``causette admin …`` while the server migrated a fresh SQLite file
    crashed it ("table sessions already exists"). Processes migrating at once: all succeed."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    go = tmp_path / "go"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE_ON_GO, url, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for run in runs:  # every process imported and connected: they start together
        assert run.stdout is not None and run.stdout.readline() == "ready\n"
    go.touch()
    outcomes = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * len(runs), [err for _, err in outcomes]
    assert all(f"revision {head_revision()}" in out for out, _ in outcomes)
