"""A bare aiohttp WebSocket broadcast server (no persistence, no rules): ``python -m
bench.peers.bare_aiohttp PORT``.

Events as causette's (bench/peers/README.md): hello (``token`` is taken as the pseudonym),
join/leave a room, post to a room (ack, then ``message`` to every member), pm to a pseudonym.
Each frame is encoded once and sent with one ``send_frame`` per recipient.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import orjson
import uvloop
from aiohttp import WSMsgType, web

ROOMS: dict[str, set[web.WebSocketResponse]] = {}
BY_NAME: dict[str, web.WebSocketResponse] = {}
NEXT_ID: dict[str, int] = {}


def _bump(channel: str) -> int:
    NEXT_ID[channel] = NEXT_ID.get(channel, 0) + 1
    return NEXT_ID[channel]


async def _message(
    ws: web.WebSocketResponse, event: dict[str, Any], channel: str, user: orjson.Fragment
) -> bytes:
    message_id = _bump(channel)
    now = time.time()
    ack = {"type": "ack", "ref": event.get("ref"), "channel": channel, "id": message_id}
    ack["ts"] = now
    await ws.send_frame(orjson.dumps(ack), WSMsgType.TEXT)
    return orjson.dumps(
        {
            "type": "message",
            "channel": channel,
            "id": message_id,
            "ts": now,
            "from": user,
            "text": event["text"],
        }
    )


async def handler(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(compress=False, max_msg_size=65536)
    await ws.prepare(request)
    name = "bench"
    user = orjson.Fragment(b"{}")
    rooms: set[str] = set()
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            event = orjson.loads(msg.data)
            kind = event.get("type")
            if kind == "post":
                frame = await _message(ws, event, "room:" + event["room"], user)
                for member in list(ROOMS.get(event["room"], ())):
                    if not member.closed:
                        await member.send_frame(frame, WSMsgType.TEXT)
            elif kind == "pm":
                channel = "pm:" + "|".join(sorted((name, event["to"])))
                frame = await _message(ws, event, channel, user)
                await ws.send_frame(frame, WSMsgType.TEXT)
                peer = BY_NAME.get(event["to"])
                if peer is not None and not peer.closed:
                    await peer.send_frame(frame, WSMsgType.TEXT)
            elif kind == "hello":
                name = str(event.get("token") or "bench")
                user = orjson.Fragment(
                    orjson.dumps(
                        {"pseudonym": name, "age": 30, "gender": "x", "region": "Bretagne"}
                    )
                )
                BY_NAME[name] = ws
                await ws.send_str('{"type":"welcome"}')
                await ws.send_str('{"type":"synced","channels":{}}')
            elif kind == "join":
                ROOMS.setdefault(event["room"], set()).add(ws)
                rooms.add(event["room"])
                await ws.send_frame(
                    orjson.dumps({"type": "joined", "room": {"slug": event["room"]}}),
                    WSMsgType.TEXT,
                )
            elif kind == "leave":
                ROOMS.get(event["room"], set()).discard(ws)
                rooms.discard(event["room"])
                await ws.send_frame(
                    orjson.dumps({"type": "left", "room": event["room"]}), WSMsgType.TEXT
                )
    finally:
        for room in rooms:
            ROOMS.get(room, set()).discard(ws)
        if BY_NAME.get(name) is ws:
            del BY_NAME[name]
    return ws


def main() -> None:
    app = web.Application()
    app.router.add_get("/ws", handler)
    app.router.add_get("/healthz", lambda r: web.json_response({"status": "ok"}))
    web.run_app(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop=uvloop.new_event_loop(),
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
