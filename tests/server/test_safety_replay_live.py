"""The live chat replays the corpus's benign teen conversations (issue 13, "done when"):
every benign conversation whose participants are all 15-17, by the twenty outside authors
(397 conversations, 3,622 messages), is played over real WebSockets on one server, in
the teen space, at its own pace on the service clock, with accounts as old as the corpus
says (a month: none is fresh). What must hold: no child is expelled or moved out of a
space, no more messages are held live than the engine holds offline on the same
conversations, and that is at most ``HELD_AT_MOST`` (16 on 2026-12-03; 75 before quoted
and reported threats, banter in the conversation's frame and the learned layer's word
alone among declared minors were read as such: what is left is listed in
docs/safety.md, Limits)."""

from __future__ import annotations

import json
import pathlib
import re
from collections import Counter
from typing import Any

import pytest

from causette.safety.engine import MessageContext, SafetyEngine
from causette.settings import Settings
from tests.conftest import TEST_SETTINGS
from tests.support.client import ChatClient
from tests.support.clock import Clock

CORPUS = pathlib.Path(__file__).parent.parent / "safety" / "corpus" / "authors"
MONTH = 30 * 86400.0
T0 = 1_790_000_000.0
EXPELLING = {"age_too_young", "adults_out_of_reach", "moved_out"}
HELD_AT_MOST = 20  # a ceiling just over today's 16: a rule that starts holding children fails


@pytest.fixture
def settings(tmp_path: pathlib.Path) -> Settings:
    """The embedded default only: the replay is about the engine's rules around it, which
    the cluster tests cover on their own."""
    return Settings(data_dir=tmp_path, **{**TEST_SETTINGS, "msg_burst": 100_000})


def _benign_teen_conversations() -> list[dict[str, Any]]:
    found = []
    for path in sorted(CORPUS.glob("a*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            conv = json.loads(line)
            ages = [p["age"] for p in conv["participants"].values()]
            if conv["benign"] and all(a is not None and 15 <= a <= 17 for a in ages):
                found.append({**conv, "author": path.stem})
    return found


def _offline_held(convs: list[dict[str, Any]]) -> int:
    """What the engine alone holds or blocks on the same conversations, each on its own."""
    engine = SafetyEngine.load()
    held = 0
    for conv in convs:
        people = conv["participants"]
        at = T0 + MONTH
        for m in conv["messages"]:
            at += m.get("dt", 0)
            sender = m["from"]
            room = conv["setting"] == "room"
            to = "#ados-general" if room else next(p for p in people if p != sender)
            context = MessageContext(
                f"{conv['author']}:{conv['id']}",
                sender,
                m["text"],
                to,
                people[sender]["age"],
                None if room else people[to]["age"],
                MONTH,
                sender,
            )
            held += engine.evaluate(context, at).action in ("hold", "block")
    return held


async def _send(client: ChatClient, event: dict[str, Any]) -> dict[str, Any]:
    """Send ``event`` and return its outcome: ``ack``, ``held`` or an ``error``."""
    ref = f"r{id(event)}"
    await client.send({**event, "ref": ref})
    while True:
        frame = await client.recv(timeout=20)
        if frame.get("ref") == ref and frame["type"] in ("ack", "held", "error"):
            return frame


def _pseudonym(name: str, serial: int) -> str:
    clean = re.sub(r"[^A-Za-z0-9_-]", "", name)[:14] or "ado"
    return f"{clean}_{serial}"


async def test_benign_teen_conversations_expel_no_child_and_hold_no_more_than_offline(
    server: Any, base_url: str, server_clock: Clock
) -> None:
    server_clock.now = T0
    convs = _benign_teen_conversations()
    assert len(convs) >= 390
    outcomes: Counter[str] = Counter()
    expelled: list[tuple[str, str, str]] = []
    serial = 0
    for conv in convs:
        server_clock.now = T0
        clients: dict[str, ChatClient] = {}
        try:
            for name, person in conv["participants"].items():
                serial += 1
                client = ChatClient(base_url)
                await client.join(_pseudonym(name, serial), age=person["age"])
                await client.connect()
                await client.expect("synced")
                await client.enter("ados-general")
                clients[name] = client
            # A month later: nobody is a fresh account any more.
            server_clock.now = T0 + MONTH
            opened: set[str] = set()
            for m in conv["messages"]:
                server_clock.now += m.get("dt", 0)
                sender = clients[m["from"]]
                if conv["setting"] == "room":
                    event = {"type": "post", "room": "ados-general", "text": m["text"]}
                else:
                    other = next(n for n in clients if n != m["from"])
                    event = {"type": "pm", "to": clients[other].me["pseudonym"], "text": m["text"]}
                reply = await _send(sender, event)
                kind = reply["code"] if reply["type"] == "error" else reply["type"]
                outcomes[kind] += 1
                if kind in EXPELLING:
                    expelled.append((conv["author"], conv["id"], m["text"]))
                if conv["setting"] == "pm" and m["from"] not in opened and kind == "ack":
                    opened.add(m["from"])
                    # The other side accepts the request as the corpus's reply implies.
                    other_client = clients[next(n for n in clients if n != m["from"])]
                    frame = await other_client.expect("conversation")
                    conv_id = frame["conversation"]["id"]
                    if frame["conversation"]["state"] == "pending_in":
                        await other_client.send(
                            {"type": "pm_respond", "conversation": conv_id, "decision": "accept"}
                        )
            for client in clients.values():
                for f in client.frames:
                    if f["type"] == "error" and f.get("code") in EXPELLING:
                        expelled.append((conv["author"], conv["id"], f["code"]))
        finally:
            for client in clients.values():
                await client.close()
    print("live outcomes:", dict(outcomes))
    assert not expelled, expelled
    offline = _offline_held(convs)
    print("offline held or blocked:", offline)
    assert outcomes["held"] + outcomes["message_blocked"] <= offline
    assert offline <= HELD_AT_MOST
