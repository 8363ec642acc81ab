"""Shared rule lists across processes: an entry an admin adds through one process is
applied by the other at once (the ``rules`` control event on the bus)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from tests.cluster.conftest import eventually
from tests.support.client import ChatClient, JoinRefused
from tests.support.desk import PASSWORD, DeskClient


async def _join_code(url: str, pseudonym: str) -> str | None:
    client = ChatClient(url)
    try:
        await client.join(pseudonym)
        return None
    except JoinRefused as refused:
        return refused.code
    finally:
        await client.close()


async def test_an_entry_added_on_one_process_applies_on_the_other(servers) -> None:
    p1, p2 = servers(2)
    await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "causette", "admin", "create-moderator", "admin-c", "--role",
         "admin", "--password-stdin"],
        input=PASSWORD + "\n", text=True, check=True, capture_output=True, env=p1.env,
        cwd=p1.data_dir,
    )  # fmt: skip
    admin = await DeskClient.login(p1.url, "admin-c")
    try:
        assert await _join_code(p2.url, "Grosminet_1") is None
        entry = {"list": "pseudonym", "entry": "grosminet"}
        await admin.post("/api/desk/rules", entry, expect=201)
        assert await _join_code(p1.url, "Grosminet_2") == "pseudonym_refused"

        async def refused_on_p2() -> bool:
            return await _join_code(p2.url, "GrosMinet_3") == "pseudonym_refused"

        await eventually(refused_on_p2, timeout=15)
    finally:
        await admin.close()
