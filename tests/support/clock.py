"""The server's clock in tests: real time until a test sets it, then moved by the test.

Built into the app (``build_app(settings, clock=...)``), so every part of the server reads
the same time; expiry and rates are proven by moving it, never by waiting.
"""

from __future__ import annotations

import time


class Clock:
    def __init__(self, now: float | None = None) -> None:
        self.now = now

    def __call__(self) -> float:
        return time.time() if self.now is None else self.now
