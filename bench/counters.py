"""A causette server's own counters, read from its ``/metrics`` and its log between two
moments of a scenario: what the bench reports beside the latencies.

Used by the evening peak (one process) and the evening peak across processes. The stall
threshold is the scenario's: the server's watchdog (``CAUSETTE_STALL_LOG_MS``) must be on for
the loop-lag histogram and the stall sites to exist; GC pauses are timed always.
"""

from __future__ import annotations

import os
import re
import urllib.request
from collections import Counter
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bench.load import Server

WATCHED = {
    "causette_bus_filled_total": "bus_filled_from_store",
    "causette_slow_consumer_closes_total": "slow_consumer_closes",
    "causette_dead_peers_total": "dead_peer_closes",
}
GC_PAUSE_OVER = ("causette_gc_pause_seconds", "gc_pauses_over_50ms", "0.05")
LOG_RECORD = re.compile(r"\n(?=\d{4}-\d\d-\d\d )")
CAUSETTE_FRAME = re.compile(r'/causette/([\w/]+)\.py", line \d+, in (\w+)')


def _over(stall_ms: int) -> dict[str, tuple[str, str]]:
    """Histograms: name -> (figure, the bucket under which an observation does not count)."""
    name, figure, bucket = GC_PAUSE_OVER
    return {
        name: (figure, bucket),
        "causette_loop_lag_seconds": (f"loop_stalls_over_{stall_ms}ms", str(stall_ms / 1000)),
    }


def counters(server: Server, stall_ms: int = 100) -> dict[str, float]:
    """A few of a server's own counters (``/metrics``): messages the bus missed (filled in
    from the store), connections closed as too slow or dead, GC pauses >= 50 ms, event-loop
    stalls >= ``stall_ms``; and the times its log says Redis was unreachable, and its length."""
    over = _over(stall_ms)
    with urllib.request.urlopen(f"{server.http_base}/metrics", timeout=30) as resp:
        text = resp.read().decode()
    out = dict.fromkeys([*WATCHED.values(), *(f for f, _ in over.values())], 0.0)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            base = sample.name.removesuffix("_count").removesuffix("_bucket")
            if sample.name in WATCHED:
                out[WATCHED[sample.name]] += sample.value
            elif base in over and sample.name.endswith("_count"):
                out[over[base][0]] += sample.value
            elif base in over and sample.labels.get("le") == over[base][1]:
                out[over[base][0]] -= sample.value
    log = server_log(server)
    out["redis_unreachable_logged"] = log.count("Redis unreachable")
    out["log_chars"] = len(log)
    return out


def server_log(server: Server) -> str:
    with open(os.path.join(server.workdir, "log"), errors="replace") as fh:
        return fh.read()


def stall_sites(log: str) -> dict[str, int]:
    """Where the event loop was stuck, per stall the watchdog logged: the outermost and the
    innermost causette functions of the loop thread's stack (its last 12 frames); "the event
    loop itself" when there are none: another thread held the GIL, or the process had no
    CPU."""
    sites: Counter[str] = Counter()
    for record in LOG_RECORD.split(log):
        if "watchdog event loop blocked" not in record:
            continue
        frames = [
            f"{module.rsplit('/', 1)[-1]}.{function}"
            for module, function in CAUSETTE_FRAME.findall(record)
            if module not in ("__main__", "cli", "server/main")
        ]
        if not frames:
            sites["the event loop itself"] += 1
        else:
            sites[frames[0] if len(frames) == 1 else f"{frames[0]} > {frames[-1]}"] += 1
    return dict(sites.most_common(4))


def counted(
    servers: list[Server], since: list[dict[str, float]], stall_ms: int = 100
) -> dict[str, list[Any]]:
    """Each counter's growth since ``since``, one figure per server process; and where the
    event loop stalled meanwhile."""
    now = [counters(s, stall_ms) for s in servers]
    pairs = list(zip(now, since, strict=True))
    out: dict[str, list[Any]] = {
        key: [round(n[key] - b[key]) for n, b in pairs] for key in now[0] if key != "log_chars"
    }
    out["stall_sites"] = [
        stall_sites(server_log(s)[int(b["log_chars"]) :])
        for s, b in zip(servers, since, strict=True)
    ]
    return out
