"""The in-process bus: one server process, delivery is a function call."""

from __future__ import annotations

from causette.bus.base import Deliver, Envelope


class LocalBus:
    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def publish(self, envelope: Envelope) -> None:
        if self._deliver is not None:
            self._deliver(envelope)

    async def close(self) -> None:
        self._deliver = None
