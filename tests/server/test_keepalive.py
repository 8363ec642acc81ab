"""Dead peers are found by one sweep of pings (server/keepalive.py), over real sockets."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest

from causette.server import metrics
from causette.server.keepalive import Keepalive
from causette.settings import Settings
from tests.support.client import ChatClient

INTERVAL_S = 0.4


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"keepalive_s": INTERVAL_S, "presence_grace_s": 0.2})


async def _silent_socket(client: ChatClient) -> aiohttp.ClientWebSocketResponse:
    """A peer that says hello and then never answers a ping (a phone that lost its network
    without closing anything)."""
    ws = await client.http.ws_connect(
        f"{client.base_url}/ws", autoping=False, max_msg_size=0, heartbeat=None
    )
    await ws.send_json({"type": "hello", "token": client.token, "last_ids": {}})
    return ws


def _dead_peers() -> float:
    return metrics.DEAD_PEERS._value.get()


async def test_a_peer_that_never_answers_pings_is_dropped_and_goes_offline(
    base_url: str,
) -> None:
    ghost = ChatClient(base_url)
    await ghost.join("Fantome")
    watcher = ChatClient(base_url)
    await watcher.join("Veilleuse")
    await watcher.connect()
    await watcher.expect("synced")
    await watcher.enter("general")
    before = _dead_peers()
    ws = await _silent_socket(ghost)
    await ws.send_json({"type": "join", "room": "general"})
    await watcher.expect("presence", room="general")  # the ghost arrived

    async def ignore_pings() -> tuple[int, bool]:
        pings = 0
        try:
            async with asyncio.timeout(INTERVAL_S * 6):
                while True:
                    msg = await ws.receive()
                    if msg.type is aiohttp.WSMsgType.PING:
                        pings += 1  # and no pong
                    elif msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                        return pings, True
        except TimeoutError:
            return pings, False

    # The watcher keeps reading meanwhile: aiohttp's client answers pings inside receive().
    (pings, closed), gone = await asyncio.gather(
        ignore_pings(),
        watcher.expect("presence", room="general", left="Fantome", timeout=INTERVAL_S * 8),
    )
    assert pings >= 1, "the silent peer was never pinged"
    assert closed, "a peer that ignores pings must be dropped"
    assert _dead_peers() == before + 1  # the ghost, not the watcher who answered
    # After the grace period the others saw it leave, and it is out of the room.
    assert gone["left"] == "Fantome"
    users = await watcher.request({"type": "users", "room": "general"}, "users")
    assert "Fantome" not in [u["pseudonym"] for u in users["users"]]
    await ghost.close()
    await watcher.close()


async def test_a_peer_that_answers_pings_stays_connected_while_silent(base_url: str) -> None:
    quiet = ChatClient(base_url)  # aiohttp answers pings itself (autoping)
    await quiet.join("Taiseuse")
    await quiet.connect()
    await quiet.expect("synced")
    before = _dead_peers()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + INTERVAL_S * 5
    while (left := deadline - loop.time()) > 0:  # reading, as a browser always is
        with contextlib.suppress(TimeoutError):
            await quiet.recv(timeout=left)
    assert quiet.ws is not None and not quiet.ws.closed
    reply = await quiet.request({"type": "rooms"}, "rooms")
    assert reply["rooms"]
    assert _dead_peers() == before
    await quiet.close()


async def test_a_client_ping_gets_its_pong(base_url: str) -> None:
    client = ChatClient(base_url)
    await client.join("Sonneuse")
    ws = await client.http.ws_connect(f"{client.base_url}/ws", autoping=False, max_msg_size=0)
    await ws.ping(b"avant")  # before the hello, too
    pong = await ws.receive(timeout=2)
    assert pong.type is aiohttp.WSMsgType.PONG and pong.data == b"avant"
    await ws.send_json({"type": "hello", "token": client.token, "last_ids": {}})
    while (await ws.receive(timeout=2)).type is aiohttp.WSMsgType.TEXT:
        break
    await ws.ping(b"apres")
    while True:
        msg = await ws.receive(timeout=2)
        if msg.type is aiohttp.WSMsgType.PONG:
            assert msg.data == b"apres"
            break
    await ws.close()
    await client.close()


class _Peer:
    """Records when it was pinged (the timing of the sweep is what is tested here)."""

    def __init__(self) -> None:
        self.closed = False
        self.heard_at = 0.0
        self.pinged_at: float | None = None

    def ping(self, now: float) -> None:
        self.pinged_at = now


async def test_pings_are_spread_so_their_pongs_do_not_come_back_at_once() -> None:
    peers = [_Peer() for _ in range(100)]
    keepalive = Keepalive(lambda: peers, interval_s=4.0)  # type: ignore[arg-type,return-value]
    now = asyncio.get_running_loop().time()
    await keepalive.sweep(now + 10.0)  # everybody silent for 10 s: all due
    times = sorted(p.pinged_at for p in peers if p.pinged_at is not None)
    assert len(times) == 100
    assert times[-1] - times[0] >= 0.8  # over a quarter of the interval, not in one tick
    per_slice = max(sum(1 for t in times if t == moment) for moment in set(times))
    assert per_slice <= 10
