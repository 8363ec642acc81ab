"""Fan-out between server processes. ``LocalBus`` (in-process) is the embedded default."""

from causette.bus.base import Bus, Envelope
from causette.bus.local import LocalBus

__all__ = ["Bus", "Envelope", "LocalBus"]
