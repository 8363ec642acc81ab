"""A server process killed with SIGKILL after acks and restarted loses no acknowledged message."""

from __future__ import annotations

import asyncio

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
