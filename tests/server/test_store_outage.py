"""The database goes away (issue 17, scenario 2): posts get a clear, retryable refusal
(``store_unavailable``) instead of an acknowledgement that is later lost, /healthz says
degraded, live sockets and presence carry on, service comes back by itself, and nothing
acknowledged is lost. On the embedded default, a full disk (RLIMIT_FSIZE on the server
process) gives the same refusal, leaves the database intact, and reads keep working.

Both run a real server process; PostgreSQL is a private instance the test starts on a
temporary directory, never the machine's shared one."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import tempfile
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from causette.core.errors import ChatError, ErrorCode
from causette.server.protocol import CloseCode
from causette.server.ws import _close_code
from tests.support.client import ChatClient, alice_and_bob
from tests.support.process import ServerProcess, free_port
from tests.support.services import PostgresServer

BIG = "une longue phrase ordinaire pour remplir la base, rien de plus, " * 7  # ~450 chars


def _health(server: ServerProcess) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server.url}healthz", timeout=5) as resp:
        body: dict[str, Any] = json.loads(resp.read())
        return body


async def _post(client: ChatClient, text: str) -> dict[str, Any]:
    return await client.request({"type": "post", "room": "general", "text": text}, "ack")


async def _history(client: ChatClient) -> list[int]:
    """The ids of every message of the general room a fresh resume replays."""
    client.last_ids = {}
    await client.connect({"room:general": 0})
    ids = []
    while True:
        frame = await client.recv(timeout=20)
        if frame["type"] == "synced":
            return ids
        if frame["type"] == "message" and frame["channel"] == "room:general":
            ids.append(frame["id"])


async def test_a_full_disk_refuses_posts_clearly_and_keeps_the_database_whole(tmp_path):
    probe = ServerProcess(tmp_path).start()
    probe.stop()  # the database, migrated: its size is the baseline
    db = tmp_path / "causette.db"
    room = 160 * 1024  # a little room to grow, then the disk is "full"
    server = ServerProcess(
        tmp_path, file_size_limit=db.stat().st_size + room, CAUSETTE_MSG_BURST="100000"
    ).start()
    alice, bob = await alice_and_bob(server.url)
    try:
        acked: list[int] = []
        refusal: dict[str, Any] | None = None
        for i in range(3000):
            reply = await _post(alice, f"{i} {BIG}")
            if reply["type"] == "error":
                refusal = reply
                break
            acked.append(reply["id"])
        assert refusal is not None, "the disk never filled up"
        assert refusal["code"] == "store_unavailable", refusal
        assert refusal["retry_after"] >= 1 and "réessayez" in refusal["message"]
        assert len(acked) > 10
        health = _health(server)
        assert health["status"] == "degraded" and not health["store"]["available"]
        # Presence and live sockets carry on while nothing can be written.
        users = await bob.request({"type": "users", "room": "general"}, "users")
        assert {u["pseudonym"] for u in users["users"]} >= {"Alice", "Bob"}
        # Reads keep working: a fresh page gets every acknowledged message back.
        await bob.disconnect()
        assert set(acked) <= set(await _history(bob))
    finally:
        await alice.close()
        await bob.close()
        server.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {
            row[0] for row in conn.execute("SELECT id FROM messages WHERE channel = 'room:general'")
        }
    assert set(acked) <= stored, "an acknowledged message is not in the database"


@pytest.fixture
def pg_dir() -> Iterator[str]:
    """A directory the postgres user can reach (pytest's are private to root)."""
    path = tempfile.mkdtemp(prefix="causette-pg-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def test_postgres_stopped_for_a_while_refuses_then_recovers_losing_nothing(tmp_path, pg_dir):
    pg = PostgresServer(pg_dir, free_port()).init().start()
    server = ServerProcess(
        tmp_path, CAUSETTE_DATABASE_URL=pg.url, CAUSETTE_MSG_BURST="100000"
    ).start()
    alice, bob = await alice_and_bob(server.url)
    carol = ChatClient(server.url)
    try:
        acked = [(await _post(alice, f"avant {i}"))["id"] for i in range(20)]
        await carol.join("Carol")  # joined before the outage, connecting during it
        await asyncio.to_thread(pg.stop)
        refusal = await _post(alice, "pendant la coupure")
        assert refusal["type"] == "error" and refusal["code"] == "store_unavailable", refusal
        health = _health(server)
        assert health["status"] == "degraded" and not health["store"]["available"]
        users = await bob.request({"type": "users", "room": "general"}, "users")
        assert {u["pseudonym"] for u in users["users"]} >= {"Alice", "Bob"}
        # Someone connecting now, whose session this process holds, gets in: nothing to
        # write to say hello.
        welcome = await carol.connect()
        assert welcome["me"]["pseudonym"] == "Carol"
        await asyncio.to_thread(pg.start)
        # Back by itself: the first post after the restart may meet a connection the pool
        # has not yet replaced; within a few tries it is acknowledged.
        for attempt in range(50):
            reply = await _post(alice, f"après {attempt}")
            if reply["type"] == "ack":
                acked.append(reply["id"])
                break
            assert reply["code"] == "store_unavailable", reply
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("the store never came back")
        assert _health(server)["store"]["available"]
        await bob.disconnect()
        history = await _history(bob)
        assert set(acked) <= set(history)
        assert history == sorted(set(history))
    finally:
        await alice.close()
        await bob.close()
        await carol.close()
        server.stop()
        await asyncio.to_thread(pg.stop, check=False)


def test_a_connection_refused_while_the_database_is_away_is_told_to_retry() -> None:
    """1013 "try again later", not 4001/4010/4012: those send the client back to the join
    form for a session that is still good."""
    away = ChatError(ErrorCode.STORE_UNAVAILABLE, retry_after=5)
    assert _close_code(away, CloseCode.NAME_TAKEN) == CloseCode.TRY_LATER == 1013
    assert _close_code(ChatError(ErrorCode.PSEUDONYM_TAKEN), CloseCode.NAME_TAKEN) == 4010
