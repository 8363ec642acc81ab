"""A bare picows WebSocket broadcast server (no persistence, no rules): ``python -m
bench.peers.bare_picows PORT``. HTTP is limited to what picows offers: /healthz is served by
a tiny asyncio handler on PORT+1."""

from __future__ import annotations

import asyncio
import sys
import time

import orjson
import uvloop
from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

SENDER = orjson.Fragment(b'{"pseudonym":"bench","age":30,"gender":"x","region":"Bretagne"}')


class Room:
    def __init__(self) -> None:
        self.members: set[WSTransport] = set()
        self.next_id = 0


ROOM = Room()


class Member(WSListener):
    def on_ws_disconnected(self, transport: WSTransport) -> None:
        ROOM.members.discard(transport)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not WSMsgType.TEXT:
            return
        event = orjson.loads(frame.get_payload_as_bytes())
        kind = event.get("type")
        if kind == "hello":
            transport.send(WSMsgType.TEXT, b'{"type":"welcome"}')
            transport.send(WSMsgType.TEXT, b'{"type":"synced"}')
        elif kind == "join":
            ROOM.members.add(transport)
            transport.send(WSMsgType.TEXT, b'{"type":"joined"}')
        elif kind == "post":
            ROOM.next_id += 1
            now = time.time()
            data = orjson.dumps(
                {
                    "type": "message",
                    "channel": "room:general",
                    "id": ROOM.next_id,
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
                    "id": ROOM.next_id,
                    "ts": now,
                }
            )
            transport.send(WSMsgType.TEXT, ack)
            for member in ROOM.members:
                member.send(WSMsgType.TEXT, data)


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
