"""Connection data of every join, connection and message: written sealed, in the message's
transaction, unreadable in the database without the key; the purge keeps preserved data."""

from __future__ import annotations

import base64
import os
from dataclasses import astuple, replace

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import insert, select

from causette.core.sealing import Keyring, RetentionKey, SealError
from causette.server.desk.legal import LEGAL
from causette.store import schema
from causette.store.retention import SealedRow, open_connection


def _raw_rows(server: TestServer) -> list[SealedRow]:
    store = server.app[LEGAL].retention.log.store
    t = schema.connection_log
    columns = ("id", "ts", "kind", "session_id", "channel", "message_id", "key_id", "sealed")
    with store.engine.connect() as conn:
        rows = conn.execute(select(*[t.c[c] for c in columns]).order_by(t.c.id)).all()
    return [SealedRow(*row) for row in rows]


async def test_every_join_connection_and_message_is_logged_sealed(server, make_client):
    alice = await make_client("Alice")
    bob = await make_client("Bobby", gender="m")
    await alice.enter("general")
    ack = await alice.post("general", "bonjour")
    pm = await bob.pm("Alice", "salut")
    rows = _raw_rows(server)
    kinds = [(r.kind, r.channel, r.message_id) for r in rows]
    assert kinds.count(("join", None, None)) == 2
    assert kinds.count(("connect", None, None)) == 2
    assert ("message", "room:general", ack["id"]) in kinds
    assert ("message", pm["channel"], pm["id"]) in kinds
    keyring = server.app[LEGAL].retention.keyring
    by_message = {(r.channel, r.message_id): r for r in rows if r.kind == "message"}
    entry = open_connection(keyring, by_message[("room:general", ack["id"])])
    assert entry.ip == "127.0.0.1" and isinstance(entry.port, int) and entry.port > 0
    assert entry.pseudonym == "Alice" and entry.device_key
    assert entry.session_id == rows[0].session_id or entry.session_id == rows[1].session_id
    assert open_connection(keyring, by_message[(pm["channel"], pm["id"])]).pseudonym == "Bobby"


async def test_raw_rows_reveal_nothing_and_do_not_open_without_the_key(server, make_client):
    alice = await make_client("Alicia")
    await alice.enter("general")
    await alice.post("general", "coucou")
    rows = _raw_rows(server)
    assert rows
    for row in rows:
        raw = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in astuple(row))
        for secret in (b"127.0.0.1", b"Alicia", b"alicia"):
            assert secret not in raw
        # What the database alone holds: a key id, never the key.
        with pytest.raises(SealError):
            open_connection(Keyring(RetentionKey(row.key_id, os.urandom(32))), row)
        with pytest.raises(SealError):
            open_connection(Keyring(RetentionKey.from_secret(os.urandom(32))), row)
    # A blob moved to another row does not open there either.
    keyring = server.app[LEGAL].retention.keyring
    message = next(r for r in rows if r.kind == "message")
    join = next(r for r in rows if r.kind == "join")
    with pytest.raises(SealError):
        open_connection(keyring, replace(join, sealed=message.sealed))


async def test_key_is_generated_once_into_the_data_dir(server, settings):
    path = settings.data_dir / "retention.key"
    assert path.stat().st_mode & 0o777 == 0o600
    secret = base64.b64decode(path.read_text().strip())
    assert server.app[LEGAL].retention.keyring.current.secret == secret
    assert (settings.data_dir / "export-signing.pem").stat().st_mode & 0o777 == 0o600


async def test_purge_deletes_old_data_and_keeps_preserved(server, make_client, make_moderator):
    """Old connection data and messages go; the ones under a preservation stay; the run is
    audited; a dry run deletes nothing."""
    alice = await make_client("Alice")
    bob = await make_client("Bobby", gender="m")
    for c in (alice, bob):
        await c.enter("general")
    a_ack = await alice.post("general", "vieux message")
    b_ack = await bob.post("general", "autre vieux message")
    retention = server.app[LEGAL].retention
    store = retention.log.store
    year = 400 * 86400.0
    # Age everything by 400 days: past every retention period.
    with store.engine.begin() as conn:
        for table in (schema.connection_log, schema.messages):
            conn.execute(table.update().values(ts=table.c.ts - year))
    with store.engine.begin() as conn:
        rows = conn.execute(select(schema.connection_log)).mappings().all()
    # (The aged rows no longer open, which is fine for the purge: it reads only clear columns.)
    assert rows
    alice_id = next(r["session_id"] for r in rows if r["message_id"] == a_ack["id"])
    now = retention.clock()
    with store.engine.begin() as conn:
        conn.execute(
            insert(schema.preservations).values(
                id="p1",
                ts=now,
                created_by="test",
                reason="report of grooming",
                subject_id=alice_id,
                channel=None,
                from_ts=now - year - 3600,
                to_ts=now - year + 3600,
            )
        )
    admin = await make_moderator("admin1", "admin")
    dry = await admin.post("/api/desk/purge", {"dry_run": True})
    assert dry["dry_run"] is True and dry["deleted"]["messages_room"] == 1
    assert dry["deleted"]["connection_log"] >= 3  # bob's join, connect, message
    assert len(_raw_rows(server)) == len(rows)
    done = await admin.post("/api/desk/purge", {})
    assert done["deleted"]["messages_room"] == 1
    assert done["deleted"]["connection_log"] == dry["deleted"]["connection_log"]
    left = _raw_rows(server)
    assert left and {r.session_id for r in left} == {alice_id}
    with store.engine.connect() as conn:
        ids = [i for (i,) in conn.execute(select(schema.messages.c.id))]
        actions = [a for (a,) in conn.execute(select(schema.audit_log.c.action))]
    assert ids == [a_ack["id"]] and b_ack["id"] not in ids
    assert "retention.purge_dry_run" in actions and "retention.purge" in actions
    # Released, the preservation no longer holds anything back.
    legal = await make_moderator("juriste", "legal")
    await legal.post("/api/desk/preservations/p1/release", expect=204)
    again = await admin.post("/api/desk/purge", {})
    assert again["deleted"]["messages_room"] == 1 and _raw_rows(server) == []
