"""A process dies (SIGKILL) in the middle of a 10,000-message stream: its clients resume on
another process and every acknowledged message reaches every recipient once, in order."""

from __future__ import annotations

import functools
from typing import Any

from tests.cluster.conftest import Reader, eventually, everyone_read
from tests.support.client import ChatClient
from tests.support.process import ServerProcess

TOTAL = 10_000
WINDOW = 100


async def _resume_on(server: ServerProcess, client: ChatClient) -> None:
    client.base_url = server.url.rstrip("/")
    await client.connect(dict(client.last_ids))


async def _send_stream(alice: ChatClient, fallback: ServerProcess, kill: Any) -> list[int]:
    """Post TOTAL messages, WINDOW in flight; on a dead process, resume and resend the
    unacknowledged ones. Returns the acked ids."""
    acked: list[int] = []
    next_text = 0
    killed = False
    while len(acked) < TOTAL:
        want = min(WINDOW, TOTAL - len(acked))
        texts = [f"m{next_text + i}" for i in range(want)]
        try:
            for text in texts:
                await alice.send({"type": "post", "room": "general", "text": text})
            got = 0
            while got < want:
                frame = await alice.recv(timeout=30)
                if frame["type"] == "ack":
                    acked.append(frame["id"])
                    got += 1
                    if not killed and len(acked) >= TOTAL // 2:
                        killed = True
                        kill()
                elif frame["type"] == "error":
                    raise AssertionError(frame)
            next_text += want
            alice.frames.clear()
        except (ConnectionError, TimeoutError, AssertionError) as exc:
            if isinstance(exc, AssertionError) and not killed:
                raise
            # The process died: resume elsewhere; what was not acked is sent again.
            alice.base_url = fallback.url.rstrip("/")
            await alice.connect(dict(alice.last_ids))
            next_text += got
    return acked


async def test_sigkill_during_stream_loses_nothing_acknowledged(servers):
    """10,000 posts; the sender's and a reader's process is killed half-way; both resume on
    the other; every acked id reaches both readers exactly once and in order."""
    p1, p2 = servers(2)
    alice, bob, carol = ChatClient(p1.url), ChatClient(p1.url), ChatClient(p2.url)
    readers: list[Reader] = []
    try:
        for client, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
            await client.join(name)
            await client.connect()
            await client.expect("synced")
            await client.enter("general")
        resume = functools.partial(_resume_on, p2)
        readers = [Reader(bob, resume), Reader(carol, resume)]
        acked = await _send_stream(alice, p2, p1.kill)
        assert len(acked) == TOTAL
        assert acked == sorted(set(acked)), "acks out of order or repeated"
        await everyone_read(acked, readers, within=30)
        assert readers[0].resumed >= 1, "Bob's process was killed, he must have resumed"
    finally:
        for reader in readers:
            reader.task.cancel()
        for client in (alice, bob, carol):
            await client.close()


async def test_dead_process_frees_names_and_leaves_rooms(servers, client_on):
    """After a SIGKILL, the dead process's chatters leave the others' rooms (with a notice)
    and their names are free again once the cluster TTL has passed."""
    p1, p2 = servers(2, CAUSETTE_CLUSTER_TTL_S="2")
    await (await client_on(p1, "Alice")).enter("general")
    bob = await client_on(p2, "Bob", gender="m")
    await bob.enter("general")

    async def bob_sees(name: str) -> bool:
        users = await bob.request({"type": "users", "room": "general"}, "users")
        return name in {u["pseudonym"] for u in users["users"]}

    await eventually(lambda: bob_sees("Alice"))
    p1.kill()
    left = await bob.expect("presence", left="Alice", timeout=15)
    assert left["room"] == "general"
    assert not await bob_sees("Alice")
    newcomer = await client_on(p2, "Alice")
    assert newcomer.me["pseudonym"] == "Alice"
