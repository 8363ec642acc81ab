"""A server process killed with SIGKILL, or stopped with SIGTERM, under traffic and restarted
loses no acknowledged message; SIGTERM closes every socket cleanly (1001) at once."""

from __future__ import annotations

import asyncio

import pytest

from causette.server.app import DRAIN_S
from tests.support.client import alice_and_bob
from tests.support.process import ServerProcess


async def test_sigkill_after_acks_loses_nothing(tmp_path):
    """Every acked message is there after a SIGKILL and restart, in order, once."""
    server = ServerProcess(tmp_path, CAUSETTE_MSG_BURST="100000").start()
    alice, bob = await alice_and_bob(server.url)
    try:
        acked: list[int] = []
        for i in range(500):
            await alice.send({"type": "post", "room": "general", "text": f"m{i}"})
        pm = await alice.pm("Bob", "un message privé")
        # Kill as soon as the 300th ack is in: some posts are acked, some in flight.
        while len(acked) < 300:
            frame = await alice.recv(timeout=10)
            if frame["type"] == "ack" and frame["channel"] == "room:general":
                acked.append(frame["id"])
        server.kill()
        await asyncio.sleep(0.2)
        await alice.disconnect()
        await bob.disconnect()

        server.start()
        bob.last_ids = {}
        await bob.connect({"room:general": 0})
        replayed = []
        while True:
            frame = await bob.recv(timeout=10)
            if frame["type"] == "synced":
                break
            if frame["type"] == "message":
                replayed.append(frame)
        room_ids = [m["id"] for m in replayed if m["channel"] == "room:general"]
        assert set(acked) <= set(room_ids), "an acknowledged message was lost"
        assert room_ids == sorted(set(room_ids)), "replay out of order or duplicated"
        assert [m["text"] for m in replayed if m["channel"] == "room:general"] == [
            f"m{i - 1}" for i in room_ids
        ]
        assert pm["channel"] in {m["channel"] for m in replayed}, "the PM was lost"
        # The server goes on numbering after the restart.
        await alice.connect()
        await alice.expect("synced")
        ack = await alice.post("general", "après le redémarrage")
        assert ack["id"] == max(room_ids) + 1
    finally:
        await alice.close()
        await bob.close()
        server.stop()


async def test_sigterm_closes_every_socket_with_1001_at_once_and_loses_nothing(tmp_path):
    """A graceful stop under traffic: queued frames are flushed, every socket is closed
    with 1001 within the drain time (not cut with 1006 after aiohttp's timeout), and every
    acknowledged message is there after the restart."""
    server = ServerProcess(tmp_path, CAUSETTE_MSG_BURST="100000").start()
    alice, bob = await alice_and_bob(server.url)
    try:
        for i in range(300):
            await alice.send({"type": "post", "room": "general", "text": f"m{i}"})
        acked: list[int] = []
        while len(acked) < 100:
            frame = await alice.recv(timeout=10)
            if frame["type"] == "ack":
                acked.append(frame["id"])
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert server.proc is not None
        server.proc.terminate()
        for client in (alice, bob):
            # Reads to the close, keeping the acks that arrive on the way.
            with pytest.raises(ConnectionError):  # noqa: PT012
                while True:
                    frame = await client.recv(timeout=DRAIN_S + 5)
                    if client is alice and frame["type"] == "ack":
                        acked.append(frame["id"])
            assert client.close_code == 1001
        assert loop.time() - started < DRAIN_S + 1
        assert await asyncio.to_thread(server.proc.wait, 30) == 0
        await alice.disconnect()
        await bob.disconnect()
        server.start()
        # What Bob read live before the stop, then what his resume replays after it.
        seen = [m["id"] for m in bob.messages("room:general")]
        replayed = [m["id"] for m in await bob.resume() if m["channel"] == "room:general"]
        assert set(acked) <= set(seen + replayed), "an acknowledged message was lost"
        assert seen + replayed == sorted(set(seen + replayed)), "twice or out of order"
    finally:
        await alice.close()
        await bob.close()
        server.stop()
