"""The moderators' queue: one list ordered by severity then age, cases with their context,
reads of protected data audited."""

from __future__ import annotations

import time

from sqlalchemy import select

from causette.server.desk import DESK
from causette.server.keys import SERVICE
from causette.store import schema
from causette.store.safety import SafetyStore
from tests.server.test_desk_actions import chatter_id, report_message


async def test_queue_orders_by_severity_then_age(make_client, make_moderator, server):
    mod = await make_moderator("modo")
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for client in (alice, bob):
        await client.enter("general")
    first = await bob.post("general", "achetez mes cryptos")
    # Rude but delivered: right after the crypto ad, "t'es nulle" is now held (the learned
    # layer escalates harassment and then holds on a weaker sign), and this test needs it
    # delivered to be reported.
    second = await bob.post("general", "arrête de parler, t'es pénible")
    spam = await report_message(alice, first, "spam")
    harassment = await report_message(alice, second, "harassment")
    other = await report_message(alice, first, "other")
    items = [i for i in (await mod.get("/api/desk/queue"))["items"] if i["kind"] == "report"]
    assert [i["id"] for i in items] == [harassment, spam, other]
    assert items[0]["subject"] == {
        "id": chatter_id(server, "Bob"),
        "pseudonym": "Bob",
        "space": "adult",
        "age": 25,
    }


async def test_a_case_shows_context_and_its_read_is_audited(make_client, make_moderator, server):
    mod = await make_moderator("modo")
    alice = await make_client("Alice")
    # Two pseudonyms from one device.
    bob = await make_client()
    await bob.join("Bob", gender="m", device="shared-device")
    await bob.connect()
    other = await make_client()
    await other.join("Bob2", gender="m", device="shared-device")
    for client in (alice, bob):
        await client.enter("general")
    acks = [await bob.post("general", f"message {n}") for n in range(3)]
    report_id = await report_message(alice, acks[1], "harassment")
    case = await mod.get(f"/api/desk/cases/report/{report_id}")
    messages = case["context"]["messages"]
    assert [m["id"] for m in messages] == [a["id"] for a in acks]
    assert [m["focus"] for m in messages] == [False, True, False]
    subject = case["context"]["subject"]
    assert subject["same_device"] == {
        "count": 1,
        "chatters": [{"id": chatter_id(server, "Bob2"), "pseudonym": "Bob2"}],
    }
    assert "device_key" not in str(case) and "127.0.0.1" not in str(case)
    entries = await server.app[DESK].audit.entries()
    assert any(e.action == "case.read" and e.target == f"report:{report_id}" for e in entries)
    _, body = await mod.call("GET", "/api/desk/cases/report/nope", expect=404)
    assert body["error"]["code"] == "not_found"


async def test_new_reports_and_decisions_reach_open_consoles(make_client, make_moderator, server):
    await make_moderator("modo")
    desk = server.app[DESK]
    watching = desk.watch()
    alice = await make_client("Alice")
    bob = await make_client("Bob", gender="m")
    for client in (alice, bob):
        await client.enter("general")
    ack = await bob.post("general", "bonjour")
    report_id = await report_message(alice, ack, "spam")
    seen = [watching.get_nowait() for _ in range(watching.qsize())]
    assert {"type": "queue", "change": "added", "item_kind": "report", "id": report_id} in seen
    desk.unwatch(watching)


async def _raw(server, table) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """(stored text or context, key id) of every row: what a copy of the database shows."""
    column = table.c.text if table is schema.held_messages else table.c.context
    store = server.app[SERVICE].store
    return list(await store.read(lambda c: c.execute(select(column, table.c.key_id)).all()))


async def test_held_messages_and_alerts_are_sealed_at_rest_and_shown_on_the_desk(
    make_client, make_moderator, server
):
    """A held message and an alert's context are sealed in the database (store/bodies.py);
    the queue and their cases show them in clear."""
    mod = await make_moderator("modo")
    bad = await make_client("Bad", age=30, gender="m")
    await bad.enter("general")
    await bad.post("general", "salut 3 rue des Lilas")
    held = await bad.request({"type": "post", "room": "general", "text": "je vais te tuer"}, "held")
    assert held["type"] == "held"
    [(raw, key_id)] = await _raw(server, schema.held_messages)
    assert key_id is not None and "tuer" not in raw
    items = (await mod.get("/api/desk/queue"))["items"]
    [item] = [i for i in items if i["kind"] == "held"]
    assert item["id"] == held["held_id"] and item["summary"] == "je vais te tuer"
    case = await mod.get(f"/api/desk/cases/held/{held['held_id']}")
    assert case["context"]["signals"]["text"] == "je vais te tuer"

    context = {"recent": [{"id": 1, "text": "salut 3 rue des Lilas"}]}
    safety = SafetyStore(server.app[SERVICE].store)
    alert_id = await safety.add_alert("ambush", 3, time.time(), context, "room:general", None)
    assert all(k is not None and "Lilas" not in r for r, k in await _raw(server, schema.alerts))
    case = await mod.get(f"/api/desk/cases/alert/{alert_id}")
    assert case["context"]["signals"]["recent"] == context["recent"]
