"""A bot flood is one case on the desk (issue 17, scenario 3): held copies of one text from
many accounts are one queue item with a count; rejecting it rejects every copy; an action
with ``bulk_case`` reaches every sender; a dismiss delivers every copy."""

from __future__ import annotations

from typing import Any

from causette.server.keys import SERVICE
from causette.store.safety import SafetyStore
from tests.support.desk import chatter_id

# A raid: each account says where it is, then threatens (held for the desk, as the
# sealed-queue test shows; obvious spam from fresh accounts is blocked outright and never
# reaches the queue). The numbers vary, as a bot's do.
THREAT = "je vais te tuer {n}"


async def _flood(server: Any, make_client: Any, bots: int) -> list[str]:
    """``bots`` fresh accounts post copies of one spam (numbers varied, as bots do): the
    held ids, each checked held by the engine (not written by the test)."""
    held = []
    for n in range(bots):
        bot = await make_client(f"Bot{n}", age=22, gender="m")
        await bot.enter("general")
        await bot.post("general", f"salut {n + 2} rue des Lilas")
        answer = await bot.request(
            {"type": "post", "room": "general", "text": THREAT.format(n=n * 7)}, "held"
        )
        assert answer["type"] == "held", answer
        held.append(answer["held_id"])
    return held


def _held_items(queue: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in queue["items"] if i["kind"] == "held"]


async def test_a_flood_is_one_case_and_one_reject_clears_it(make_client, make_moderator, server):
    mod = await make_moderator("modo")
    held = await _flood(server, make_client, 4)
    [item] = _held_items(await mod.get("/api/desk/queue"))
    assert item["id"] == held[0] and item["count"] == 4 and item["senders"] == 4
    assert item["copies"] == held[1:]
    await mod.post(f"/api/desk/held/{held[0]}/reject", expect=204)
    assert _held_items(await mod.get("/api/desk/queue")) == []
    safety = SafetyStore(server.app[SERVICE].store)
    assert {h.status for h in await safety.held(status=None)} == {"rejected"}


async def test_a_bulk_case_ban_reaches_every_sender(make_client, make_moderator, server):
    mod = await make_moderator("modo")
    held = await _flood(server, make_client, 3)
    [item] = _held_items(await mod.get("/api/desk/queue"))
    body = {
        "action": "ban",
        "subject_id": item["subject"]["id"],
        "source": {"kind": "held", "id": item["id"]},
        "rule": "harassment",
        "reason": "the same threat posted by a bot farm",
        "bulk_case": True,
    }
    answer = await mod.post("/api/desk/actions", body)
    banned = {s["subject_id"] for s in answer["sanctions"]}
    senders = {h.sender_id for h in await SafetyStore(server.app[SERVICE].store).held(status=None)}
    assert banned == senders and len(banned) == 3
    assert _held_items(await mod.get("/api/desk/queue")) == []
    assert len(held) == 3


async def test_bulk_case_needs_a_held_source(make_client, make_moderator, server):
    mod = await make_moderator("modo")
    await make_client("Bob", gender="m")
    body = {
        "action": "warn",
        "subject_id": chatter_id(server, "Bob"),
        "rule": "spam",
        "reason": "no",
        "bulk_case": True,
    }
    error = await mod.post("/api/desk/actions", body, expect=400)
    assert error["error"]["code"] == "bad_field"
    assert "bulk_case" in error["error"]["message"]
