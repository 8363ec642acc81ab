"""Alerts under a flood are a few cases, not one per bot (issue 17, scenario 3): alerts of one
kind in one channel within ``alert_merge_window_s`` of the case's first alert join it, with a
count and the list of its subjects; a dismiss closes them all and lifts what the engine froze
for each; a ``bulk_case`` action reaches every subject; another kind, another channel or a
later alert past the window opens its own case."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp.test_utils import TestServer

from causette.server.chatter import Chatter
from causette.server.keys import SERVICE
from causette.store.safety import SafetyStore
from tests.support.client import closed_with
from tests.support.clock import Clock

# A raid on the teen space: each bot, signed up as 16, says it is an adult (an age statement
# the engine reads by rule: the speaker is frozen and alerted), then threatens. The engine's
# escalation of threats alone is learned, not a rule: in-process, 20 fresh accounts posting
# "je vais te tuer" three times each raised no alert (held, not escalated), so the raid says
# its age to be sure to be alerted on.
AGE = "en vrai j'ai {age} ans"
THREAT = "je vais te tuer {n}"
BOTS = 50
ROOM = "room:general"


def _alert_items(queue: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in queue["items"] if i["kind"] == "alert"]


def _chatter(server: TestServer, pseudonym: str) -> Chatter:
    for chatter in server.app[SERVICE].chatters.values():
        if chatter.profile.pseudonym == pseudonym:
            return chatter
    raise AssertionError(f"no chatter {pseudonym}")


async def _raise(server: TestServer, kind: str, channel: str | None, who: list[Chatter]) -> None:
    safety = server.app[SERVICE].safety
    for chatter in who:
        await safety.alert(kind, channel, chatter)


async def test_fifty_bots_raiding_the_teen_room_are_one_case_per_kind(
    make_client, make_moderator, server
):
    """The engine's own alerts: every alert the raid raised is counted in one item per kind
    (one room), and the counts add up to every alert written; before 2026-12-03 the desk
    showed one item per bot."""
    mod = await make_moderator("modo")
    for n in range(BOTS):
        bot = await make_client(f"Bot{n}", age=16, gender="m")
        await bot.enter("ados-general")
        await bot.post("ados-general", AGE.format(age=22 + n % 20))
        answer = await bot.request(
            {"type": "post", "room": "ados-general", "text": THREAT.format(n=n * 7)}, "held"
        )
        assert answer["type"] == "held", answer
    # Alerts are written after the post's answer: wait for the raid's last one to be seen.
    raised = await _all_alerts(server)
    assert len(raised) >= BOTS, raised  # each bot was alerted on
    kinds = {(a["kind"], a["channel"]) for a in raised}
    items = _alert_items(await mod.get("/api/desk/queue"))
    assert len(items) <= len(kinds) < len(raised), (items, kinds)
    assert sum(i["count"] for i in items) == len(raised)
    for item in items:
        case = await mod.get(f"/api/desk/cases/alert/{item['id']}")
        merged = case["context"]["merged"]
        assert case["item"]["count"] == item["count"] == 1 + len(merged)
        subjects = {item["subject"]["id"]} | {m["subject_id"] for m in merged}
        assert case["item"]["senders"] == item["senders"] == len(subjects)
        assert all(m["pseudonym"].startswith("Bot") for m in merged)


async def _all_alerts(server: TestServer) -> list[dict[str, Any]]:
    """Every alert row, open or merged, once the work the posts set off after their answers
    (the safety layer's alerts) is done: a barrier, not a wait for two reads to agree."""
    await server.app[SERVICE].tasks.jobs_done()
    safety = SafetyStore(server.app[SERVICE].store)
    return [
        {"id": a.id, "kind": a.kind, "channel": a.channel, "status": a.status}
        for a in await safety.alerts(status=None)
    ]


async def test_one_kind_in_one_room_is_one_case_until_the_window_ends(
    make_client, make_moderator, server, server_clock: Clock
):
    mod = await make_moderator("modo")
    for n in range(6):
        await make_client(f"Raider{n}", age=22, gender="m")
    raiders = [_chatter(server, f"Raider{n}") for n in range(6)]
    server_clock.now = 1_000_000.0
    await _raise(server, "threat", ROOM, raiders[:4])
    await _raise(server, "hate", ROOM, raiders[4:5])  # another kind
    server_clock.now += 1.0
    await _raise(server, "threat", "room:other", raiders[5:6])  # another room
    server_clock.now += 598.0
    await _raise(server, "threat", ROOM, raiders[5:6])  # still in the window
    server_clock.now += 2.0
    await _raise(server, "threat", ROOM, raiders[:1])  # 601 s after the case's first

    items = _alert_items(await mod.get("/api/desk/queue"))
    by = {(i["label"], i["ts"]): i for i in items}
    assert len(items) == 4, items
    first = by[("threat", 1_000_000.0)]
    assert first["count"] == 5 and first["senders"] == 5
    assert first["subject"]["pseudonym"] == "Raider0"
    assert by[("hate", 1_000_000.0)]["count"] == 1
    later = by[("threat", 1_000_601.0)]
    assert later["count"] == 1 and later["subject"]["pseudonym"] == "Raider0"
    case = await mod.get(f"/api/desk/cases/alert/{first['id']}")
    assert [m["pseudonym"] for m in case["context"]["merged"]] == [
        "Raider1",
        "Raider2",
        "Raider3",
        "Raider5",
    ]


async def test_a_dismiss_closes_the_case_and_lifts_every_freeze(
    make_client, make_moderator, server
):
    mod = await make_moderator("modo")
    for n in range(3):
        await make_client(f"Raider{n}", age=22, gender="m")
    raiders = [_chatter(server, f"Raider{n}") for n in range(3)]
    await _raise(server, "threat", ROOM, raiders)
    [item] = _alert_items(await mod.get("/api/desk/queue"))
    assert item["count"] == 3
    cleared: list[str] = []
    safety = server.app[SERVICE].safety
    real = safety.cleared

    async def spy(alert: dict[str, Any]) -> None:
        cleared.append(alert["subject_id"])
        await real(alert)

    safety.cleared = spy
    body = {"action": "dismiss", "source": {"kind": "alert", "id": item["id"]}, "reason": "ok"}
    await mod.post("/api/desk/actions", body)
    assert sorted(cleared) == sorted(r.id for r in raiders)
    assert _alert_items(await mod.get("/api/desk/queue")) == []
    rows = await SafetyStore(server.app[SERVICE].store).alerts(status=None)
    assert {a.status for a in rows} == {"closed"} and len(rows) == 3
    # A later alert in the same room opens a case of its own (the case is closed).
    await _raise(server, "threat", ROOM, raiders[:1])
    [again] = _alert_items(await mod.get("/api/desk/queue"))
    assert again["count"] == 1 and again["id"] != item["id"]


async def test_a_bulk_case_ban_reaches_every_subject_of_the_case(
    make_client, make_moderator, server
):
    mod = await make_moderator("modo")
    clients = [await make_client(f"Raider{n}", age=22, gender="m") for n in range(3)]
    bystander = await make_client("Alice", age=30, gender="f")
    raiders = [_chatter(server, f"Raider{n}") for n in range(3)]
    await _raise(server, "threat", ROOM, raiders)
    await _raise(server, "threat", "room:other", [_chatter(server, "Alice")])
    [item] = [i for i in _alert_items(await mod.get("/api/desk/queue")) if i["count"] == 3]
    body = {
        "action": "ban",
        "subject_id": item["subject"]["id"],
        "source": {"kind": "alert", "id": item["id"]},
        "rule": "harassment",
        "reason": "the same threat from a bot farm",
        "bulk_case": True,
    }
    answer = await mod.post("/api/desk/actions", body)
    assert sorted(s["subject_id"] for s in answer["sanctions"]) == sorted(r.id for r in raiders)
    left = _alert_items(await mod.get("/api/desk/queue"))
    assert [i["subject"]["pseudonym"] for i in left] == ["Alice"]
    for client in clients:
        await closed_with(client, 4012)
    # The chatter of the other room's case is untouched: still served.
    await bystander.enter("general")
    assert (await bystander.post("general", "toujours là"))["type"] == "ack"


async def test_no_window_means_one_case_per_alert(make_client, make_moderator, server):
    server.app[SERVICE].safety.settings = server.app[SERVICE].safety.settings.model_copy(
        update={"alert_merge_window_s": 0.0}
    )
    mod = await make_moderator("modo")
    for n in range(3):
        await make_client(f"Raider{n}", age=22, gender="m")
    await _raise(server, "threat", ROOM, [_chatter(server, f"Raider{n}") for n in range(3)])
    items = _alert_items(await mod.get("/api/desk/queue"))
    assert [i["count"] for i in items] == [1, 1, 1]
    assert orjson.dumps(items)  # plain JSON


async def test_one_subject_alerted_in_several_private_conversations_is_one_case(
    make_client, make_moderator, server, server_clock: Clock
):
    """A bot threatening five people in private raises an alert per conversation: the desk
    shows one case about the bot, with a count, not one item per victim."""
    mod = await make_moderator("modo")
    await make_client("Menace", age=25, gender="m")
    await make_client("Other", age=25, gender="m")
    menace, other = _chatter(server, "Menace"), _chatter(server, "Other")
    server_clock.now = 1_000_000.0
    for n in range(5):
        await _raise(server, "threat", f"pm:c{n}", [menace])
        server_clock.now += 1.0
    await _raise(server, "threat", "pm:c9", [other])  # someone else: a case of its own
    items = _alert_items(await mod.get("/api/desk/queue"))
    assert sorted((i["subject"]["pseudonym"], i["count"]) for i in items) == [
        ("Menace", 5),
        ("Other", 1),
    ]
