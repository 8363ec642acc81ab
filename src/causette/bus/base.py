"""What travels on the bus, and the interface every bus implements.

An ``Envelope`` carries a frame already encoded for the wire (encode once, send to many)
and says who should get it: the online members of a room, or a list of chatters. Each
process delivers an envelope to its own connections; who may receive it (the wall, blocks)
is decided there, against that process's view of membership.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Envelope:
    frame: bytes
    # Exactly one of the two: the online members of a room, or these chatters.
    room: str | None = None
    targets: tuple[str, ...] = ()
    # For messages: where it sits, so a connection can drop duplicates and blocked senders.
    channel: str | None = None
    message_id: int | None = None
    sender_id: str | None = None
    # False for notices about the sender themself (their own presence): not sent back.
    echo: bool = True
    # A control event between server processes (presence, invalidations), never sent to a
    # client: ``frame`` is its JSON body and this names its kind.
    control: str | None = None


Deliver = Callable[[Envelope], None]


class Bus(Protocol):
    async def start(self, deliver: Deliver) -> None: ...

    async def publish(self, envelope: Envelope) -> None: ...

    async def close(self) -> None: ...
