"""A join storm is measured across the cluster: proofs solved on one process raise the price
of the challenges the other issues (the shared per-minute count in Redis)."""

from __future__ import annotations

import aiohttp

from tests.support.client import ChatClient


async def _difficulty(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(f"{url}api/pow") as resp:
        return int((await resp.json())["difficulty"])


async def test_solved_proofs_on_one_process_raise_the_price_on_the_other(servers) -> None:
    p1, p2 = servers(
        2, CAUSETTE_POW_STORM_JOINS_PER_MINUTE="3", CAUSETTE_POW_STORM_MAX_EXTRA_BITS="2"
    )
    clients = [ChatClient(p1.url) for _ in range(5)] + [ChatClient(p2.url)]
    try:
        async with aiohttp.ClientSession() as http:
            base = await _difficulty(http, p2.url)
            for i, client in enumerate(clients[:5]):
                await client.join(f"Robot{i}")  # five on p1: p2 has seen none of them
            assert await _difficulty(http, p2.url) == base
            await clients[5].join("Robot5")  # p2's own join reads the cluster's count: 6
            assert await _difficulty(http, p2.url) == base + 2
    finally:
        for client in clients:
            await client.close()
