"""A rolling restart (issue 17, scenario 5): SIGTERM to each of three processes in turn,
under traffic. Each closes its sockets with 1001 within the drain time, its clients resume
on another process, and every acknowledged message reaches every reader once, in order."""

from __future__ import annotations

import asyncio
import functools

from causette.server.app import STOP_S
from tests.cluster.conftest import Reader, everyone_read
from tests.support.client import ChatClient
from tests.support.process import ServerProcess

TOTAL = 1_500
WINDOW = 50


async def _close_code(client: ChatClient) -> int | None:
    """The close code the server sent, read from what is left on a socket that failed on a
    write (the close frame is waiting there)."""
    try:
        while client.close_code is None:
            await client.recv(timeout=5)
    except (ConnectionError, TimeoutError):
        pass
    return client.close_code


async def _resume_elsewhere(client: ChatClient, live: list[ServerProcess]) -> None:
    """Reconnect to a process that is up, from the last ids seen (what a browser does)."""
    for _ in range(100):
        for server in live:
            if server.url.rstrip("/") == client.base_url:
                continue
            try:
                client.base_url = server.url.rstrip("/")
                await client.connect(dict(client.last_ids))
                return
            except Exception:
                continue
        await asyncio.sleep(0.1)
    raise AssertionError("no process to resume on")


async def test_sigterm_to_each_process_in_turn_loses_nothing(servers):
    procs = servers(3)
    live = list(procs)
    alice = ChatClient(procs[0].url)
    bob, carol = ChatClient(procs[1].url), ChatClient(procs[2].url)
    followers: list[Reader] = []
    restarts: list[float] = []

    async def restart(index: int) -> None:
        """SIGTERM one process, wait until it exited, start it again."""
        proc = procs[index]
        live.remove(proc)
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert proc.proc is not None
        proc.proc.terminate()
        assert await asyncio.to_thread(proc.proc.wait, 30) == 0
        restarts.append(loop.time() - started)
        await asyncio.to_thread(proc.start)
        live.append(proc)

    try:
        for client, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
            await client.join(name)
            await client.connect()
            await client.expect("synced")
            await client.enter("general")
        resume = functools.partial(_resume_elsewhere, live=live)
        followers = [Reader(bob, resume), Reader(carol, resume)]
        acked: list[int] = []
        alice_closes: list[int | None] = []
        turns = iter(range(3))
        next_turn = TOTAL // 4
        sent = 0
        while len(acked) < TOTAL:
            want = min(WINDOW, TOTAL - len(acked))
            got = 0
            try:
                for i in range(want):
                    await alice.send({"type": "post", "room": "general", "text": f"m{sent + i}"})
                while got < want:
                    frame = await alice.recv(timeout=30)
                    if frame["type"] == "ack":
                        acked.append(frame["id"])
                        got += 1
                    elif frame["type"] == "error":
                        raise AssertionError(frame)
                sent += want
                alice.frames.clear()
            except (ConnectionError, TimeoutError):
                alice_closes.append(await _close_code(alice))
                await _resume_elsewhere(alice, live)
                sent += got  # what was not acknowledged is sent again
                continue
            if len(acked) >= next_turn:
                turn = next(turns, None)
                if turn is not None:
                    await restart(turn)
                    next_turn += TOTAL // 4
        assert acked == sorted(set(acked)), "acks out of order or repeated"
        await everyone_read(acked, followers)
        assert len(restarts) == 3
        # Each process stopped within the stop's bound (server/app.py), and every socket it
        # held was closed cleanly: 1001, never 1006.
        assert max(restarts) < STOP_S, restarts
        for codes in (alice_closes, *(f.close_codes for f in followers)):
            assert codes and set(codes) == {1001}, codes
    finally:
        for follower in followers:
            follower.task.cancel()
        for client in (alice, bob, carol):
            await client.close()
