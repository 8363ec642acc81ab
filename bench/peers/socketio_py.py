"""A chat server written the usual way with python-socketio on uvicorn, for the benchmark:
``python -m bench.peers.socketio_py PORT``.

Same events and message shapes as causette (bench/peers/README.md): ``hello`` -> ``welcome``
+ ``synced``; ``join``/``leave`` -> ``joined``/``left``; ``post`` -> ``ack`` to the sender,
then ``message`` to the room (sender included) with one ``sio.emit(..., to=room)``; ``pm`` ->
``ack`` + ``message`` to both parties. Production settings: ``socketio.AsyncServer`` in
ASGI mode on uvicorn with its ``standard`` extras (uvloop, httptools, websockets), one
worker, access log off, the default JSON encoder.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import socketio
import uvicorn

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[])
names: dict[str, str] = {}  # sid -> pseudonym
sids: dict[str, str] = {}  # pseudonym -> sid
next_id: dict[str, int] = {}


def _user(name: str) -> dict[str, Any]:
    return {"pseudonym": name, "age": 30, "gender": "x", "region": "Bretagne"}


def _bump(channel: str) -> int:
    next_id[channel] = next_id.get(channel, 0) + 1
    return next_id[channel]


@sio.on("hello")  # type: ignore[untyped-decorator,unused-ignore]
async def hello(sid: str, event: dict[str, Any]) -> None:
    name = str(event.get("token") or "bench")
    names[sid] = name
    sids[name] = sid
    await sio.emit("welcome", {"type": "welcome"}, to=sid)
    await sio.emit("synced", {"type": "synced", "channels": {}}, to=sid)


@sio.on("join")  # type: ignore[untyped-decorator,unused-ignore]
async def join(sid: str, event: dict[str, Any]) -> None:
    await sio.enter_room(sid, event["room"])
    await sio.emit("joined", {"type": "joined", "room": {"slug": event["room"]}}, to=sid)


@sio.on("leave")  # type: ignore[untyped-decorator,unused-ignore]
async def leave(sid: str, event: dict[str, Any]) -> None:
    await sio.leave_room(sid, event["room"])
    await sio.emit("left", {"type": "left", "room": event["room"]}, to=sid)


@sio.on("post")  # type: ignore[untyped-decorator,unused-ignore]
async def post(sid: str, event: dict[str, Any]) -> None:
    channel = "room:" + event["room"]
    message_id = _bump(channel)
    now = time.time()
    ack = {"type": "ack", "ref": event.get("ref"), "channel": channel, "id": message_id}
    await sio.emit("ack", {**ack, "ts": now}, to=sid)
    message = {
        "type": "message",
        "channel": channel,
        "id": message_id,
        "ts": now,
        "from": _user(names.get(sid, "bench")),
        "text": event["text"],
    }
    await sio.emit("message", message, to=event["room"])


@sio.on("pm")  # type: ignore[untyped-decorator,unused-ignore]
async def pm(sid: str, event: dict[str, Any]) -> None:
    name = names.get(sid, "bench")
    channel = "pm:" + "|".join(sorted((name, event["to"])))
    message_id = _bump(channel)
    now = time.time()
    ack = {"type": "ack", "ref": event.get("ref"), "channel": channel, "id": message_id}
    await sio.emit("ack", {**ack, "ts": now}, to=sid)
    message = {
        "type": "message",
        "channel": channel,
        "id": message_id,
        "ts": now,
        "from": _user(name),
        "text": event["text"],
    }
    await sio.emit("message", message, to=sid)
    peer = sids.get(event["to"])
    if peer is not None:
        await sio.emit("message", message, to=peer)


@sio.event  # type: ignore[untyped-decorator,unused-ignore]
async def disconnect(sid: str, *args: Any) -> None:
    name = names.pop(sid, None)
    if name is not None and sids.get(name) == sid:
        del sids[name]


async def health(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})


app = socketio.ASGIApp(sio, other_asgi_app=health)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
