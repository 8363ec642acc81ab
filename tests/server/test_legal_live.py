"""The legal routes announce their changes on the desk's live stream (docs/desk-api.md,
"Live events"): a requisition recorded and its export started and ended, a preservation
made or released, a notification prepared or sent. Each event names only ids; the console
re-reads through the audited endpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from tests.support.desk import DeskClient

EVENT_TIMEOUT_S = 10.0


class Stream:
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def until(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Skip events until one of type ``kind`` with these fields."""

        async def read() -> dict[str, Any]:
            while True:
                line = await self.response.content.readline()
                assert line, f"the stream ended before a {kind} event"
                if not line.startswith(b"data: "):
                    continue
                event: dict[str, Any] = orjson.loads(line[6:])
                if event["type"] == kind and all(event.get(k) == v for k, v in fields.items()):
                    return event

        return await asyncio.wait_for(read(), EVENT_TIMEOUT_S)


@pytest.fixture
async def stream_of() -> AsyncIterator[Any]:
    opened: list[aiohttp.ClientResponse] = []

    async def open_(desk: DeskClient) -> Stream:
        url = f"{desk.base_url.rstrip('/')}/api/desk/events"
        response = await desk.http.get(url, timeout=aiohttp.ClientTimeout(total=None))
        opened.append(response)
        assert response.status == 200
        stream = Stream(response)
        await stream.until("hello")
        return stream

    yield open_
    for response in opened:
        response.close()


async def test_a_requisition_and_its_export_are_announced(make_client, make_moderator, stream_of):
    kev = await make_client("Kevin_live", age=25, gender="m")
    await kev.enter("general")
    await kev.post("general", "bonjour")
    legal = await make_moderator("juriste", "legal")
    stream = await stream_of(legal)
    now = time.time()
    created = await legal.post(
        "/api/desk/requisitions",
        {
            "authority": "Tribunal judiciaire de Lyon",
            "reference": "PV 2026/77",
            "legal_basis": "art. 60-1 CPP",
            "scope": {"from_ts": now - 3600, "to_ts": now + 3600, "pseudonyms": ["Kevin_live"]},
        },
        expect=201,
    )
    requisition_id = created["requisition"]["id"]
    assert await stream.until("requisition", id=requisition_id) == {
        "type": "requisition",
        "id": requisition_id,
        "status": "recorded",
    }
    await legal.post(f"/api/desk/requisitions/{requisition_id}/export", expect=202)
    await stream.until("requisition", id=requisition_id, status="running")
    # The end of the export is announced once the row says so: a re-read finds it done.
    await stream.until("export", id=requisition_id)
    found = (await legal.get(f"/api/desk/requisitions/{requisition_id}"))["requisition"]
    assert found["status"] == "done" and found["progress"] == 1.0


async def test_preservations_and_notifications_are_announced(
    make_client, make_moderator, stream_of
):
    marc = await make_client("Marc_live", age=35, gender="m")
    kev = await make_client("Kev_live2", age=25, gender="m")
    for c in (marc, kev):
        await c.enter("general")
    ack = await kev.post("general", "on se retrouve ce soir")
    report = await marc.request(
        {"type": "report", "category": "ambush", "channel": "room:general", "id": ack["id"]},
        "report_ack",
    )
    moderator = await make_moderator("modo")
    legal = await make_moderator("juriste", "legal")
    moderator_stream = await stream_of(moderator)
    legal_stream = await stream_of(legal)

    made = await moderator.post(
        f"/api/desk/reports/{report['report_id']}/emergency",
        {"recipient": "police", "threat": "rendez-vous menaçant"},
        expect=201,
    )
    notification = made["notification"]
    await moderator_stream.until("notification", id=notification["id"])
    preservation_id = notification["body"]["preservation_id"]
    await legal_stream.until("preservation", id=preservation_id)
    await moderator.post(
        f"/api/desk/notifications/{notification['id']}/sent",
        {"via": "courriel", "reference": "PJ-1"},
        expect=204,
    )
    await moderator_stream.until("notification", id=notification["id"])

    body = {"subject_id": "abc", "from_ts": 1.0, "to_ts": 2.0, "reason": "enquête"}
    created = (await moderator.post("/api/desk/preservations", body, expect=201))["preservation"]
    await legal_stream.until("preservation", id=created["id"])
    await legal.post(f"/api/desk/preservations/{created['id']}/release", expect=204)
    await legal_stream.until("preservation", id=created["id"])
    await moderator_stream.until("preservation", id=created["id"])
