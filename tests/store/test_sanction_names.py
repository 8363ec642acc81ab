"""A process that records every sanction skips the hello query for chatters no sanction
names (store/sanctions.py ``track_names``), and never skips one that is named."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from causette.store.sanctions import SanctionRecord, SanctionStore, new_sanction_id
from causette.store.sql import SqlStore

NOW = 1_800_000_000.0


def _ban(subject: str, device_key: str, scope: str = "device") -> SanctionRecord:
    return SanctionRecord(
        id=new_sanction_id(),
        ts=NOW - 60,
        subject_id=subject,
        pseudonym="Relou",
        device_key=device_key,
        ip_key=None,
        action="ban",
        scope=scope,
        until=None,
        rule="R1",
        reason="menaces",
        automated=False,
        decided_by="modo",
        source_kind=None,
        source_id=None,
        channel=None,
        message_id=None,
        status="active",
        appeal_token_hash=None,
        reversed_at=None,
    )


class _Statements:
    """Counts the statements the store's engine runs."""

    def __init__(self, store: SqlStore) -> None:
        self.count = 0
        event.listen(store.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


@pytest.fixture
async def store(database_url: str) -> Any:
    sql = SqlStore(database_url)
    await sql.start()
    yield sql
    await sql.close()


async def test_an_unnamed_chatter_costs_no_query_and_a_banned_device_is_still_found(
    store: SqlStore,
) -> None:
    first = SanctionStore(store)
    await first.track_names()
    await first.record(NOW, [_ban("s-relou", "dev-relou")], [])
    statements = _Statements(store)

    assert await first.at_hello(NOW, "s-alice", "dev-alice", "ip-alice", NOW - 3600) == ([], [])
    assert statements.count == 0

    # Another pseudonym on the banned device: named by the ban, so read and refused.
    found, _ = await first.at_hello(NOW, "s-other", "dev-relou", None, NOW - 3600)
    assert [r.subject_id for r in found] == ["s-relou"]
    assert statements.count == 1

    # After a restart the names come from the database.
    again = SanctionStore(store)
    await again.track_names()
    found, missed = await again.at_hello(NOW, "s-relou", "dev-x", None, NOW - 3600)
    assert [r.action for r in found] == ["ban"] and [r.action for r in missed] == ["ban"]


async def test_without_tracking_every_hello_reads_the_database(store: SqlStore) -> None:
    # Several processes: another may have recorded the ban, so nothing is skipped.
    recorder, other = SanctionStore(store), SanctionStore(store)
    await recorder.record(NOW, [_ban("s-relou", "dev-relou")], [])
    found, _ = await other.at_hello(NOW, "s-new", "dev-relou", None, NOW)
    assert [r.subject_id for r in found] == ["s-relou"]
