"""A stop is bounded (issue 17: a defect the rolling-restart bench found). SIGTERM to a
process under traffic, while it holds WebSocket handlers the drain cannot reach (sockets
upgraded that have not said hello yet, as a reconnect storm's are), ends the process within
``STOP_S`` (server/app.py; docs/deploy.md "A process is stopped"), cleanly: status 0, every
cleanup run (store, bus, safety state), never through the overdue watchdog.

Before: aiohttp's ``run_app`` ran the shutdown in a cancelled task, waited for such
handlers 5 s, twice, then re-raised its timeout there, which skipped every cleanup context:
the store and the bus were never closed, and one process of a rolling restart with 1,000
clients stayed up, idle, until SIGKILLed 344 s later; the others took 12-31 s.
"""

from __future__ import annotations

import asyncio

import aiohttp

from causette.server.app import STOP_S
from causette.server.main import EXIT_OVERDUE
from tests.support.client import ChatClient

# Handlers waiting for a hello (server/ws.py waits 30 s for one): more than the drain sees.
UNSAID = 20


async def test_sigterm_under_traffic_exits_within_the_stop_time(servers):
    stopped, other = servers(2)
    bob = ChatClient(other.url)  # the sender, on the process that stays
    carol = ChatClient(stopped.url)  # a reader on the one stopped
    http = aiohttp.ClientSession()
    unsaid: list[aiohttp.ClientWebSocketResponse] = []
    sender: asyncio.Task[int] | None = None
    try:
        for client, name in ((bob, "Bob"), (carol, "Carol")):
            await client.join(name)
            await client.connect()
            await client.expect("synced")
            await client.enter("general")
        for _ in range(UNSAID):
            unsaid.append(await http.ws_connect(f"{stopped.url}ws"))

        async def send_all_along() -> int:
            """Post and wait for each ack, until cancelled: the traffic the stop meets."""
            sent = 0
            while True:
                await bob.post("general", f"m{sent}")
                sent += 1
                bob.frames.clear()

        sender = asyncio.create_task(send_all_along())
        # The barrier: the stopped process is delivering the traffic when the signal comes.
        await carol.expect("message", channel="room:general", timeout=30)
        loop = asyncio.get_running_loop()
        assert stopped.proc is not None
        signalled = loop.time()
        stopped.proc.terminate()
        status = await asyncio.to_thread(stopped.proc.wait, 60)
        took = loop.time() - signalled

        log = stopped.log_path.read_text()
        assert status != EXIT_OVERDUE, log[-3000:]
        assert status == 0, log[-3000:]
        assert took < STOP_S, (took, log[-3000:])
        # Every cleanup ran, to the end (the store and the bus closed).
        assert "stopped" in log.splitlines()[-1], log[-3000:]
        # Its reader was told to go elsewhere (1001), not cut.
        while carol.close_code is None:
            try:
                await carol.recv(timeout=10)
            except (ConnectionError, TimeoutError):
                break
        assert carol.close_code == 1001
        # The other process served on all along.
        assert not sender.done()
    finally:
        if sender is not None:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
        for ws in unsaid:
            await ws.close()
        await http.close()
        for client in (bob, carol):
            await client.close()
