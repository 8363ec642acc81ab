"""A bare picows WebSocket broadcast server (no persistence, no rules): ``python -m
bench.peers.bare_picows PORT``. HTTP is limited to what picows offers: /healthz is served by
a tiny asyncio handler on PORT+1.

Events as causette's (bench/peers/README.md): hello (``token`` is taken as the pseudonym),
join/leave a room, post to a room (ack, then ``message`` to every member), pm to a pseudonym.
Each frame is encoded once and sent with one ``send`` per recipient.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import orjson
import uvloop
from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

ROOMS: dict[str, set[WSTransport]] = {}
BY_NAME: dict[str, WSTransport] = {}
NEXT_ID: dict[str, int] = {}


def _user(name: str) -> orjson.Fragment:
    return orjson.Fragment(
        orjson.dumps({"pseudonym": name, "age": 30, "gender": "x", "region": "Bretagne"})
    )


def _bump(channel: str) -> int:
    NEXT_ID[channel] = NEXT_ID.get(channel, 0) + 1
    return NEXT_ID[channel]


class Member(WSListener):
    def __init__(self) -> None:
        self.name = "bench"
        self.user = _user(self.name)
        self.rooms: set[str] = set()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        for room in self.rooms:
            ROOMS.get(room, set()).discard(transport)
        if BY_NAME.get(self.name) is transport:
            del BY_NAME[self.name]

    def _message(self, transport: WSTransport, event: dict[str, Any], channel: str) -> bytes:
        message_id = _bump(channel)
        now = time.time()
        ack = {"type": "ack", "ref": event.get("ref"), "channel": channel, "id": message_id}
        ack["ts"] = now
        transport.send(WSMsgType.TEXT, orjson.dumps(ack))
        return orjson.dumps(
            {
                "type": "message",
                "channel": channel,
                "id": message_id,
                "ts": now,
                "from": self.user,
                "text": event["text"],
            }
        )

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not WSMsgType.TEXT:
            return
        event = orjson.loads(frame.get_payload_as_bytes())
        kind = event.get("type")
        if kind == "post":
            data = self._message(transport, event, "room:" + event["room"])
            for member in ROOMS.get(event["room"], ()):
                member.send(WSMsgType.TEXT, data)
        elif kind == "pm":
            data = self._message(
                transport, event, "pm:" + "|".join(sorted((self.name, event["to"])))
            )
            transport.send(WSMsgType.TEXT, data)
            peer = BY_NAME.get(event["to"])
            if peer is not None:
                peer.send(WSMsgType.TEXT, data)
        elif kind == "hello":
            self.name = str(event.get("token") or "bench")
            self.user = _user(self.name)
            BY_NAME[self.name] = transport
            transport.send(WSMsgType.TEXT, b'{"type":"welcome"}')
            transport.send(WSMsgType.TEXT, b'{"type":"synced","channels":{}}')
        elif kind == "join":
            ROOMS.setdefault(event["room"], set()).add(transport)
            self.rooms.add(event["room"])
            transport.send(
                WSMsgType.TEXT, b'{"type":"joined","room":{"slug":"%s"}}' % event["room"].encode()
            )
        elif kind == "leave":
            ROOMS.get(event["room"], set()).discard(transport)
            self.rooms.discard(event["room"])
            transport.send(WSMsgType.TEXT, b'{"type":"left","room":"%s"}' % event["room"].encode())


async def main(port: int) -> None:
    def factory(request: WSUpgradeRequest) -> WSListener:
        return Member()

    server = await ws_create_server(factory, "127.0.0.1", port)

    async def health(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = b'{"status":"ok"}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )
        await writer.drain()
        writer.close()

    health_server = await asyncio.start_server(health, "127.0.0.1", port + 1)
    async with server, health_server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
