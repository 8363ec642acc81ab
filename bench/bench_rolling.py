"""A rolling restart under traffic, the long variant (issue 17, scenario 5): ``--only
rolling``. bench/bench_chaos.py with SIGTERM to each of the three processes in turn, every
10 s, for two minutes (two rounds of the three and then some; ``--quick``: 200 clients,
40 s): nothing acknowledged lost, duplicated or reordered, every client back and caught up
after its process drained, and how long each drain took (signal to exit)."""

from __future__ import annotations

from typing import Any

from bench.bench_chaos import measure


def run(quick: bool) -> dict[str, Any]:
    clients, seconds = (200, 40.0) if quick else (1000, 120.0)
    return measure(clients, seconds, 10.0, rolling=True)
