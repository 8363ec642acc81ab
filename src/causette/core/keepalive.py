"""When a silent WebSocket peer is pinged, and when it counts as gone: a pure rule of
(now, last heard, ping outstanding).

Rules:
- Any frame from the peer (a message, a pong, a ping) proves it alive and cancels the ping.
- A peer silent for ``interval_s`` is pinged once; if nothing comes back within half the
  interval, it is gone (a dead phone, a cut Wi-Fi): its chatter goes offline instead of
  holding its name and its room places for ever.
"""

from __future__ import annotations

from enum import Enum


class Verdict(Enum):
    ALIVE = "alive"
    PING = "ping"
    GONE = "gone"


def verdict(now: float, heard_at: float, pinged_at: float | None, interval_s: float) -> Verdict:
    if pinged_at is not None:
        return Verdict.GONE if now - pinged_at >= interval_s / 2 else Verdict.ALIVE
    if now - heard_at >= interval_s:
        return Verdict.PING
    return Verdict.ALIVE
