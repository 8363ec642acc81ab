"""A bot flood beside ordinary clients (issue 17, scenario 3), at the quick scale of
bench/bench_flood.py (100 ordinary clients, 100 scripts of a farm of 4 IPv4 addresses and 4
IPv6 /64s, on a real server process): the join limits per address, per /64, per device and
the proof of work hold, the storm raises the proof's price, the desk sees the flood as a few
merged cases, and every ordinary client is served. The latency ratio is the benchmark's
figure (``python -m bench --only flood``), not asserted here: this machine is shared."""

from __future__ import annotations

import math
import pathlib

import orjson
import pytest
from bench import bench_flood as flood

from tests.support.process import ServerProcess


@pytest.fixture
async def flooded(tmp_path: pathlib.Path) -> dict:
    scale = flood.QUICK
    env = flood.server_env(scale, flood.write_rooms_file(str(tmp_path), scale.ordinary))
    server = ServerProcess(tmp_path, **env)
    flood.create_moderator(server.env, str(tmp_path))
    server.start()
    try:
        assert server.proc is not None
        return await flood.scenario(server.url, server.proc.pid, scale)
    finally:
        server.stop()


@pytest.mark.timeout(400)
async def test_a_bot_flood_is_stopped_at_the_door_and_merged_on_the_desk(flooded: dict) -> None:
    scale, farm, queue = flood.QUICK, flooded["farm"], flooded["queue"]
    assert "error" not in farm, farm

    # Every ordinary client stayed connected, every post of theirs was acknowledged (none
    # held or refused) and every delivery they were owed arrived, in each phase.
    ordinary = flooded["ordinary"]
    assert ordinary["alive_at_end"] == scale.ordinary
    posts = {k: v for k, v in ordinary["outcomes"].items() if k.startswith("p:")}
    assert posts == {"p:ack": ordinary["posts"]}, ordinary
    for name, phase in flooded["phases"].items():
        assert phase["deliveries_received"] == phase["deliveries_expected"], (name, phase)
    assert ordinary["bot_messages_received"] > 0  # the farm was there

    # The door: no machine of the farm got past its hourly allowance (what refills during
    # the run aside), each limit turned some away, and no wrong or replayed proof got in.
    limit = scale.joins_per_unit_per_hour
    for machine, accepted in farm["accepted_per_machine"].items():
        allowance = limit + math.floor(farm["machine_busy_s"][machine] * limit / 3600)
        assert accepted <= allowance, (machine, accepted, farm)
    refused = farm["refused_by_limit"]
    for kind in ("address", "/64", "device", "pow"):
        assert refused.get(kind, 0) > 0, (kind, farm)
    assert "accepted" not in farm["cheats"], farm
    assert farm["join_attempts"] == farm["accepted"] + sum(refused.values())
    assert 0 < farm["accepted"] < scale.bots

    # The storm raised the price of a join, within the cap.
    pow_ = flooded["pow"]
    assert scale.pow_difficulty < pow_["max_difficulty"]
    assert pow_["max_difficulty"] <= scale.pow_difficulty + scale.pow_storm_max_extra_bits

    # The desk: every held copy and every report is there, as a few merged cases: at most
    # one per spam text, and one per victim and category of the mass report.
    outcomes = farm["outcomes"]
    # Held copies: the spam posts, and the private spam the safety engine holds too.
    held = outcomes.get("s:held", 0) + outcomes.get("m:held", 0)
    reported = outcomes.get("r:report_ack", 0)
    assert outcomes.get("s:held", 0) > 0 and reported > 0, outcomes
    assert queue["merged_by_kind"].get("held") == held, queue
    assert queue["merged_by_kind"].get("report") == reported, queue
    assert queue["items_by_kind"].get("held", 0) <= len(flood.SPAM) + 1, queue
    assert queue["items_by_kind"].get("report", 0) <= flood.VICTIMS * len(
        flood.REPORT_CATEGORIES
    ), queue
    # Alerts: since the reaction features of decision 011, each bot posting "je vais te
    # tuer" beside others doing the same is escalated; alerts of one kind in one room are
    # one case (test_alert_cases), those of private conversations one per pair: at most
    # one per bot let in.
    alerts = queue["items_by_kind"].get("alert", 0)
    assert alerts <= farm["accepted"], queue
    assert queue["items"] - alerts <= len(flood.SPAM) + 1 + flood.VICTIMS * len(
        flood.REPORT_CATEGORIES
    )

    # One moderator's action ends it: the held case banned with bulk_case (scope ip) bans
    # every sender of a copy, their sessions close (4012), and no case of the posts is
    # left (the private spam, when the engine held some, is its own case).
    moderation = flooded["moderation"]
    assert moderation["status"] == 200, moderation
    assert moderation["banned"] == moderation["case_senders"] > 1, moderation
    assert moderation["bots_closed_4012"] == moderation["banned"], (moderation, outcomes)
    left = moderation["queue_after"]["items_by_kind"].get("held", 0)
    assert left <= int(outcomes.get("m:held", 0) > 0), orjson.dumps([moderation, outcomes]).decode()
