"""The server writes the audit chain's signed head outside the database: at start, and
at stop with what the session appended; a head ahead of the database is never lowered."""

from __future__ import annotations

import pathlib

import orjson
import sqlalchemy as sa
from aiohttp.test_utils import TestServer

from causette.core.audit import read_signed_head
from causette.server.app import build_app
from causette.server.desk import DESK
from causette.server.desk.audit_head import checkpoint_path
from causette.server.desk.service import new_moderator
from causette.server.retention import load_signing_key
from causette.settings import Settings
from causette.store import schema
from tests.support.desk import PASSWORD


def _head(settings: Settings) -> int:
    document = orjson.loads(checkpoint_path(settings).read_bytes())
    return read_signed_head(document, load_signing_key(settings).public_key()).seq


async def test_the_checkpoint_follows_the_chain_and_never_goes_back(
    settings: Settings, tmp_path: pathlib.Path
) -> None:
    settings = settings.model_copy(
        update={"audit_checkpoint_file": tmp_path / "elsewhere" / "head.json"}
    )
    server = TestServer(build_app(settings), host="127.0.0.1")
    await server.start_server()
    desk = server.app[DESK]
    assert not checkpoint_path(settings).exists()  # an empty chain has no head yet
    for name in ("alice-mod", "bruno-mod"):
        await desk.moderators.create(new_moderator(name, "moderator", PASSWORD, 1.0), "test")
    await server.close()
    assert _head(settings) == 2

    def truncate(conn: sa.Connection) -> None:
        conn.execute(sa.delete(schema.audit_log).where(schema.audit_log.c.seq == 2))
        t = schema.channel_heads
        conn.execute(sa.update(t).where(t.c.channel == "audit:").values(head=1))

    server = TestServer(build_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        await server.app[DESK].store.write(truncate)
    finally:
        await server.close()
    assert _head(settings) == 2
