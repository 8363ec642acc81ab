"""Health, metrics, meta and the OpenAPI document."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.client import ChatClient, JoinRefused, closed_with


async def test_healthz(base_url):
    """/healthz answers ok with the process's figures."""
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}healthz") as resp:
        body = await resp.json()
    assert resp.status == 200 and body["status"] == "ok" and "online" in body


async def test_metrics_count_messages(make_client, base_url):
    """/metrics is Prometheus text and counts stored messages."""
    alice = await make_client("Alice")
    await alice.enter("general")
    await alice.post("general", "compte-moi")
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}metrics") as resp:
        text = await resp.text()
    assert resp.status == 200
    line = next(
        x for x in text.splitlines() if x.startswith('causette_messages_total{kind="room"}')
    )
    assert float(line.split()[-1]) >= 1


async def test_meta_lists_departments_and_limits(base_url):
    """/api/meta gives the join form what it needs, with regions only as derived data."""
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}api/meta") as resp:
        meta = await resp.json()
    codes = {d["code"] for d in meta["departments"]}
    assert {"01", "2A", "2B", "75", "974", "hors"} <= codes and len(codes) == 102
    assert meta["limits"]["min_age"] == 15 and meta["limits"]["message_max_chars"] == 500
    assert meta["genders"] == ["f", "m", "x"]


async def test_openapi_describes_the_api(base_url):
    """/openapi.json is OpenAPI 3.1 and covers every HTTP route of the API."""
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}openapi.json") as resp:
        doc = await resp.json()
    assert doc["openapi"].startswith("3.1")
    for path in (
        "/api/meta",
        "/api/pow",
        "/api/join",
        "/api/session",
        "/api/logout",
        "/api/rooms",
        "/healthz",
        "/metrics",
    ):
        assert path in doc["paths"], path
    join_schema = doc["components"]["schemas"]["JoinRequest"]
    assert set(join_schema["required"]) == {"pseudonym", "age", "gender", "department"}


async def test_unexpected_method_is_a_clean_405(base_url):
    """Wrong methods answer 405, never a crash."""
    async with aiohttp.ClientSession() as http, http.delete(f"{base_url}api/join") as resp:
        assert resp.status == 405


async def test_logout_closes_the_socket_with_4001(make_client, base_url):
    """docs/protocol.md: POST /api/logout ends the session and its open socket (4001)."""
    alice = await make_client("Alice")
    async with alice.http.post(
        f"{base_url}api/logout", headers={"Authorization": f"Bearer {alice.token}"}
    ) as resp:
        assert resp.status == 204
    await closed_with(alice, 4001)


async def test_a_join_age_sent_as_a_whole_float_is_the_integer(base_url):
    """JSON has one number type: 30.0 is 30 (as /openapi.json's integer says); 30.5 is not."""
    client = ChatClient(base_url)
    try:
        me = (await client.join("Flottant", age=30.0))["me"]
        assert me["age"] == 30 and isinstance(me["age"], int)
        with pytest.raises(JoinRefused) as refused:
            await ChatClient(base_url, client.http).join("Flottant2", age=30.5)
        assert refused.value.code == "bad_field"
    finally:
        await client.close()
