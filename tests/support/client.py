"""A chat client for tests: joins over HTTP, talks over a real WebSocket.

Frames that arrive while a test waits for another kind are kept, so ``expect`` never loses
one; ``frames`` keeps everything received, for assertions about what never arrived.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import aiohttp
import orjson

from causette.core.pow import solve

_refs = itertools.count(1)


class JoinRefused(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.code = body["error"]["code"]
        self.body = body


class ChatClient:
    def __init__(self, base_url: str, http: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or aiohttp.ClientSession()
        self._own_http = http is None
        self.token: str | None = None
        self.me: dict[str, Any] = {}
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.frames: list[dict[str, Any]] = []
        self._backlog: list[dict[str, Any]] = []
        self.last_ids: dict[str, int] = {}
        self.close_code: int | None = None

    async def join(
        self,
        pseudonym: str,
        age: int = 25,
        gender: str = "f",
        department: str = "75",
        device: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        async with self.http.get(f"{self.base_url}/api/pow") as resp:
            challenge = await resp.json()
        nonce = solve(challenge["challenge"], challenge["difficulty"])
        body = {
            "pseudonym": pseudonym,
            "age": age,
            "gender": gender,
            "department": department,
            "pow": {"challenge": challenge["challenge"], "nonce": nonce},
            **extra,
        }
        headers = {"Cookie": f"causette_device={device}"} if device else None
        async with self.http.post(f"{self.base_url}/api/join", json=body, headers=headers) as resp:
            answer = await resp.json()
            if resp.status != 201:
                raise JoinRefused(resp.status, answer)
        self.token = answer["token"]
        self.me = answer["me"]
        return answer

    async def connect(self, last_ids: dict[str, int] | None = None, **hello: Any) -> dict[str, Any]:
        """Open the socket, say hello, and return the welcome (replay follows until synced)."""
        self.ws = await self.http.ws_connect(f"{self.base_url}/ws", max_msg_size=0)
        self.close_code = None
        await self.send({"type": "hello", "token": self.token, "last_ids": last_ids or {}, **hello})
        return await self.expect("welcome")

    async def resume(self) -> list[dict[str, Any]]:
        """Reconnect with the last ids seen; return the replayed messages, up to synced."""
        await self.connect(dict(self.last_ids))
        replayed: list[dict[str, Any]] = []
        others: list[dict[str, Any]] = []
        try:
            while True:
                frame = await self.recv()
                if frame["type"] == "synced":
                    return replayed
                if frame["type"] == "message":
                    replayed.append(frame)
                else:
                    # Kept for later, after what is already waiting (not read again here).
                    others.append(frame)
        finally:
            self._backlog.extend(others)

    async def send(self, event: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send_str(orjson.dumps(event).decode())

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        if self._backlog:
            return self._backlog.pop(0)
        assert self.ws is not None
        msg = await self.ws.receive(timeout=timeout)
        if msg.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.CLOSING,
        ):
            # The code the server sent; the socket's own may read 1006 when the server
            # dropped the connection right after its close frame.
            code = msg.data if msg.type is aiohttp.WSMsgType.CLOSE else self.ws.close_code
            self.close_code = code
            raise ConnectionError(f"closed with {code}")
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"unexpected frame {msg.type}: {msg.data!r}")
        frame: dict[str, Any] = orjson.loads(msg.data)
        self.frames.append(frame)
        if frame["type"] == "message":
            self.last_ids[frame["channel"]] = max(
                self.last_ids.get(frame["channel"], 0), frame["id"]
            )
        if frame["type"] == "joined":
            for m in frame["history"]:
                channel = m["channel"]
                self.last_ids[channel] = max(self.last_ids.get(channel, 0), m["id"])
        return frame

    async def expect(self, kind: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        """The next frame of this type (and these field values); others are kept for later."""
        deadline = asyncio.get_running_loop().time() + timeout
        kept: list[dict[str, Any]] = []
        try:
            while True:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise TimeoutError(f"no {kind} {match} within {timeout}s; kept {kept}")
                frame = await self.recv(timeout=remaining)
                if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                    return frame
                kept.append(frame)
        finally:
            self._backlog[:0] = kept

    async def request(self, event: dict[str, Any], kind: str) -> dict[str, Any]:
        """Send an event with a fresh ref and wait for its reply of ``kind`` or an error."""
        ref = str(next(_refs))
        await self.send({**event, "ref": ref})
        deadline = asyncio.get_running_loop().time() + 5.0
        kept: list[dict[str, Any]] = []
        try:
            while asyncio.get_running_loop().time() < deadline:
                frame = await self.recv(timeout=deadline - asyncio.get_running_loop().time())
                if frame.get("ref") == ref and frame["type"] in (kind, "error"):
                    return frame
                if kind in ("joined",) and frame["type"] == kind:
                    return frame
                kept.append(frame)
            raise TimeoutError(f"no reply to {event}")
        finally:
            self._backlog[:0] = kept

    async def post(self, room: str, text: str) -> dict[str, Any]:
        return await self.request({"type": "post", "room": room, "text": text}, "ack")

    async def enter(self, room: str) -> dict[str, Any]:
        return await self.request({"type": "join", "room": room}, "joined")

    async def pm(self, to: str, text: str) -> dict[str, Any]:
        return await self.request({"type": "pm", "to": to, "text": text}, "ack")

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [
            f
            for f in self.frames
            if f["type"] == "message" and (channel is None or f["channel"] == channel)
        ]

    async def settle(self) -> None:
        """A barrier, not a wait: ping and read every frame up to the pong (kept in
        ``frames``, and for ``expect``). The test server is one process: a request's
        fan-out reaches every socket before its reply is sent (the bus delivers locally
        at once, in-process or on Redis), and a socket keeps its frames' order, so what
        the requests answered so far sent this client has been read once the pong is.
        Not a barrier for what runs after a post's ack (safety's ``after``), nor for
        another process of a cluster."""
        pong = await self.request({"type": "ping"}, "pong")
        assert pong["type"] == "pong", pong

    async def drain(self, quiet: float = 0.3) -> None:
        """Read until nothing arrives for ``quiet`` seconds (a wait: prefer ``settle``)."""
        kept, self._backlog = self._backlog, []
        try:
            while True:
                kept.append(await self.recv(timeout=quiet))
        except TimeoutError:
            pass
        finally:
            self._backlog = kept

    async def disconnect(self) -> None:
        """Close the socket; frames not yet consumed stay in ``frames`` only."""
        self._backlog.clear()
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def close(self) -> None:
        await self.disconnect()
        if self._own_http:
            await self.http.close()


async def connected(base_url: str, pseudonym: str, **profile: Any) -> ChatClient:
    """A chatter joined, connected and synced (the caller closes it)."""
    client = ChatClient(base_url)
    await client.join(pseudonym, **profile)
    await client.connect()
    await client.expect("synced")
    return client


async def closed_with(client: ChatClient, code: int, timeout: float = 10.0) -> None:
    """Read until the server closes the socket, then check its close code."""
    try:
        while True:
            await client.recv(timeout=timeout)
    except ConnectionError:
        pass
    assert client.close_code == code, client.frames[-3:]


async def alice_and_bob(base_url: str, room: str = "general") -> tuple[ChatClient, ChatClient]:
    """Two chatters joined, connected, synced and in ``room``: Alice and Bob."""
    alice = await connected(base_url, "Alice")
    bob = await connected(base_url, "Bob", gender="m")
    for client in (alice, bob):
        await client.enter(room)
    return alice, bob
