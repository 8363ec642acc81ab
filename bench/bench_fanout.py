"""Fan-out benchmark (issue 2): causette with persistence vs bare aiohttp and picows servers.

Same load, same client, same run: for each room size, every contender is measured
``rounds`` times, interleaved, and the median of each figure is kept; the ratio compares
medians measured in this run only.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

import uvloop

from bench.fanout import Server, bare_server, causette_server, measure

CONTENDERS: dict[str, Callable[[], Server]] = {
    "causette": causette_server,
    "bare-aiohttp": lambda: bare_server("aiohttp"),
    "bare-picows": lambda: bare_server("picows"),
}


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(runs[0])
    for key in (
        "seconds",
        "deliveries_per_s",
        "server_cpu_us_per_delivery",
        "latency_ms_p50",
        "latency_ms_p99",
    ):
        out[key] = statistics.median(r[key] for r in runs)
    out["complete"] = all(r["complete"] for r in runs)
    out["runs"] = len(runs)
    return out


def run(quick: bool) -> dict[str, Any]:
    uvloop.install()
    sizes = [(200, 500)] if quick else [(200, 2000), (1000, 1000)]
    rounds = 1 if quick else 3
    results: dict[str, Any] = {"rounds": rounds, "scenarios": []}
    for subscribers, messages in sizes:
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
        for _ in range(rounds):
            for name, factory in CONTENDERS.items():
                figures = measure(factory, subscribers, messages)
                runs[name].append(figures)
                print(
                    f"  {name:14} {subscribers:5} subs: {figures['deliveries_per_s']:>9,} "
                    f"deliveries/s  p50 {figures['latency_ms_p50']} ms  "
                    f"p99 {figures['latency_ms_p99']} ms  "
                    f"cpu {figures['server_cpu_us_per_delivery']} µs/delivery",
                    flush=True,
                )
        medians = {name: _median(r) for name, r in runs.items()}
        ours = medians["causette"]["deliveries_per_s"]
        results["scenarios"].append(
            {
                "subscribers": subscribers,
                "messages": messages,
                "contenders": medians,
                "ratio_vs_bare_aiohttp": round(
                    ours / medians["bare-aiohttp"]["deliveries_per_s"], 3
                ),
                "ratio_vs_bare_picows": round(ours / medians["bare-picows"]["deliveries_per_s"], 3),
            }
        )
    return results
