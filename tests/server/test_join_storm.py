"""A join storm raises the price of a join (issue 17, scenario 3): past the calm rate of
solved proofs of work per minute, new challenges cost one more bit per doubling; a challenge
issued before is still accepted; the price falls back a minute after the storm; /healthz
and /api/meta say what a join costs now."""

from __future__ import annotations

import pathlib

import pytest

from causette.core.pow import solve
from causette.settings import Settings
from tests.conftest import TEST_SETTINGS
from tests.support.client import ChatClient
from tests.support.clock import Clock

T0 = 1_790_000_000.0


@pytest.fixture
def settings(tmp_path: pathlib.Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        **{**TEST_SETTINGS, "pow_storm_joins_per_minute": 3, "pow_storm_max_extra_bits": 2},
    )


async def _challenge(client: ChatClient) -> dict[str, object]:
    async with client.http.get(f"{client.base_url}/api/pow") as resp:
        assert resp.status == 200
        return await resp.json()


async def _health(client: ChatClient) -> dict[str, object]:
    async with client.http.get(f"{client.base_url}/healthz") as resp:
        return await resp.json()


async def test_a_join_storm_raises_the_difficulty_then_it_falls_back(
    server, base_url: str, make_client, server_clock: Clock
) -> None:
    server_clock.now = T0
    probe: ChatClient = await make_client()
    early = await _challenge(probe)
    assert early["difficulty"] == 4
    assert (await _health(probe))["pow"] == {"difficulty": 4, "solved_last_minute": 0}

    for i in range(3):  # the calm rate: the price does not move
        await make_client(f"Calme{i}", connect=False)
        server_clock.now += 1
    assert (await _challenge(probe))["difficulty"] == 4
    for i in range(3):  # 6 solved in the minute: twice the calm rate, two more bits
        await make_client(f"Orage{i}", connect=False)
        server_clock.now += 1
    storm = await _challenge(probe)
    assert storm["difficulty"] == 6
    assert (await _health(probe))["pow"] == {"difficulty": 6, "solved_last_minute": 6}
    async with probe.http.get(f"{base_url}api/meta") as resp:
        assert (await resp.json())["pow_difficulty"] == 6

    # The challenge fetched before the storm is still accepted at its own price.
    late = ChatClient(base_url)
    try:
        nonce = solve(str(early["challenge"]), 4)
        body = {
            "pseudonym": "Patiente",
            "age": 30,
            "gender": "f",
            "department": "75",
            "pow": {"challenge": early["challenge"], "nonce": nonce},
        }
        async with late.http.post(f"{base_url}api/join", json=body) as resp:
            assert resp.status == 201, await resp.text()
    finally:
        await late.close()

    # A minute after the last solved proof, joins cost what they did.
    server_clock.now += 61
    assert (await _challenge(probe))["difficulty"] == 4
