"""A bare aiohttp WebSocket broadcast server (no persistence, no rules): ``python -m
bench.peers.bare_aiohttp PORT``."""

from __future__ import annotations

import asyncio
import sys
import time

import orjson
import uvloop
from aiohttp import WSMsgType, web

SENDER = orjson.Fragment(b'{"pseudonym":"bench","age":30,"gender":"x","region":"Bretagne"}')


async def handler(request: web.Request) -> web.WebSocketResponse:
    members: set[web.WebSocketResponse] = request.app["members"]
    ws = web.WebSocketResponse(compress=False, max_msg_size=65536)
    await ws.prepare(request)
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            event = orjson.loads(msg.data)
            kind = event.get("type")
            if kind == "hello":
                await ws.send_str('{"type":"welcome"}')
                await ws.send_str('{"type":"synced"}')
            elif kind == "join":
                members.add(ws)
                await ws.send_str('{"type":"joined"}')
            elif kind == "post":
                request.app["next_id"] += 1
                message_id = request.app["next_id"]
                now = time.time()
                frame = orjson.dumps(
                    {
                        "type": "message",
                        "channel": "room:general",
                        "id": message_id,
                        "ts": now,
                        "from": SENDER,
                        "text": event["text"],
                    }
                )
                ack = orjson.dumps(
                    {
                        "type": "ack",
                        "ref": event.get("ref"),
                        "channel": "room:general",
                        "id": message_id,
                        "ts": now,
                    }
                )
                await ws.send_frame(ack, WSMsgType.TEXT)
                for member in list(members):
                    if not member.closed:
                        await member.send_frame(frame, WSMsgType.TEXT)
    finally:
        members.discard(ws)
    return ws


def main() -> None:
    app = web.Application()
    app["members"] = set()
    app["next_id"] = 0
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
