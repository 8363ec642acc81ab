"""Bad input on the socket: a structured error with a stable code, the connection usable
where that makes sense, nothing stored, and the process never crashes."""

from __future__ import annotations

import aiohttp
import pytest

CASES = [
    ("not json", "bad_json"),
    ("[1, 2, 3]", "bad_json"),
    ('"just a string"', "bad_json"),
    ("{}", "bad_event"),
    ('{"type": "teleport"}', "bad_event"),
    ('{"type": 42}', "bad_event"),
    ('{"type": "post"}', "bad_field"),
    ('{"type": "post", "room": "general"}', "bad_field"),
    ('{"type": "post", "room": ["general"], "text": "x"}', "bad_field"),
    ('{"type": "post", "room": "general", "text": 12}', "bad_field"),
    ('{"type": "post", "room": "general", "text": "x", "extra": 1}', "bad_field"),
    ('{"type": "history", "channel": "room:general", "limit": 500}', "bad_field"),
    ('{"type": "history", "channel": "nowhere", "limit": 5}', "bad_field"),
    ('{"type": "pm_respond", "conversation": "x", "decision": "maybe"}', "bad_field"),
    ('{"type": "pm_policy", "policy": "friends"}', "bad_field"),
    ('{"type": "join", "room": "no-such-room"}', "room_unknown"),
    ('{"type": "post", "room": "general", "text": "\\u0000\\u0001"}', "text_empty"),
    ('{"type": "pm"}', "bad_field"),
    ('{"type": "pm", "text": "hi"}', "bad_field"),
    ('{"type": "search", "q": ""}', "bad_field"),
]


@pytest.mark.parametrize(("raw", "code"), CASES)
async def test_malformed_frames_get_a_stable_error(make_client, raw, code):
    """Each malformed frame answers its code and the connection keeps working."""
    alice = await make_client("Alice")
    await alice.enter("general")
    assert alice.ws is not None
    await alice.ws.send_str(raw)
    err = await alice.expect("error")
    assert err["code"] == code and err["message"]
    # Still usable, and nothing was stored.
    ack = await alice.post("general", "toujours là")
    assert ack["type"] == "ack" and ack["id"] == 1


async def test_ref_is_echoed_on_errors(make_client):
    """A failing event's ref comes back in its error."""
    alice = await make_client("Alice")
    await alice.send({"type": "post", "room": "general", "text": "x", "ref": "r-1"})
    err = await alice.expect("error")
    assert err["ref"] == "r-1" and err["code"] == "not_in_room"


async def test_binary_frame_is_refused_and_connection_stays(make_client):
    """A binary frame gets binary_unsupported; the socket stays open."""
    alice = await make_client("Alice")
    assert alice.ws is not None
    await alice.ws.send_bytes(b"\x00\x01\x02")
    assert (await alice.expect("error"))["code"] == "binary_unsupported"
    assert (await alice.request({"type": "ping"}, "pong"))["type"] == "pong"


async def test_oversized_frame(make_client):
    """Over 4 KiB: frame_too_big and the socket stays; over 64 KiB: closed with 1009."""
    alice = await make_client("Alice")
    await alice.enter("general")
    assert alice.ws is not None
    await alice.ws.send_str('{"type": "post", "room": "general", "text": "' + "é" * 3000 + '"}')
    assert (await alice.expect("error"))["code"] == "frame_too_big"
    assert (await alice.post("general", "ok"))["id"] == 1
    await alice.ws.send_str("x" * (65 * 1024))
    msg = await alice.ws.receive(timeout=5)
    while msg.type is aiohttp.WSMsgType.TEXT:
        msg = await alice.ws.receive(timeout=5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert alice.ws.close_code == 1009


async def test_invalid_utf8_closes_with_1007(make_client, base_url):
    """A text frame that is not UTF-8 closes the socket with 1007, and the server lives on."""
    alice = await make_client("Alice")
    assert alice.ws is not None
    # aiohttp's client only sends str; write a raw text frame with invalid UTF-8 ourselves.
    writer = alice.ws._writer
    await writer.send_frame(b"\xff\xfe{", aiohttp.WSMsgType.TEXT)
    msg = await alice.ws.receive(timeout=5)
    while msg.type is aiohttp.WSMsgType.TEXT:
        msg = await alice.ws.receive(timeout=5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert alice.ws.close_code == 1007
    bob = await make_client("Bob")
    assert (await bob.request({"type": "ping"}, "pong"))["type"] == "pong"


async def test_first_frame_must_be_hello(base_url):
    """Any first frame but hello: hello_required, then close 4002."""
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{base_url}ws") as ws:
        await ws.send_str('{"type": "join", "room": "general"}')
        err = await ws.receive_json(timeout=5)
        assert err["code"] == "hello_required"
        msg = await ws.receive(timeout=5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4002


@pytest.mark.parametrize("token", [None, "", "forged-token", "x" * 500])
async def test_bad_tokens_close_4001(base_url, token):
    """A missing or forged session: not_authenticated, then close 4001."""
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{base_url}ws") as ws:
        hello = {"type": "hello"} if token is None else {"type": "hello", "token": token}
        await ws.send_json(hello)
        err = await ws.receive_json(timeout=5)
        assert err["code"] in ("not_authenticated", "bad_field")
        msg = await ws.receive(timeout=5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code in (4001, 4002)


async def test_fuzzed_frames_never_crash(make_client):
    """Hundreds of random frames: every one is answered, the server keeps serving."""
    import random

    rng = random.Random(1234)
    alice = await make_client("Alice")
    await alice.enter("general")
    assert alice.ws is not None
    pieces = [
        '{"type":',
        '"post"',
        '"join"',
        '"pm"',
        ",",
        '"room":',
        '"general"',
        "null",
        "1e999",
        '"text":',
        '"\\ud800"',
        "[",
        "]",
        "{",
        "}",
        '"ref":',
        "-1",
        "true",
        '"\\u0000"',
    ]
    for _ in range(300):
        raw = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        await alice.ws.send_str(raw)
    # Every bad frame is answered before the pong: the pong is the barrier.
    await alice.settle()
    assert not [f for f in alice.frames if f.get("code") == "internal"]
