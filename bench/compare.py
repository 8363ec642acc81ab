"""Interleaved rounds over every contender, medians, and ratios pair by pair.

Each round measures every contender once, in turn (so a noisy minute of this shared machine
hits all of them); a ratio is computed inside one round (causette vs X, same minute) and the
median over the rounds is reported, beside each contender's median figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from bench.load import Server

PEERS = ("causette-nosafety", "bare-picows", "bare-aiohttp", "python-socketio", "node-socketio")


def median_figures(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    out = dict(runs[-1])
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        out[key] = round(statistics.median(values), 3) if values else None
    out["runs"] = len(runs)
    if "complete" in out:
        out["complete"] = all(r.get("complete", True) for r in runs)
    return out


def interleaved(
    contenders: dict[str, Callable[[], Server]],
    measure: Callable[[Callable[[], Server]], dict[str, Any]],
    rounds: int,
    keys: tuple[str, ...],
    ratio_keys: dict[str, bool],
    label: str,
) -> dict[str, Any]:
    """Run ``rounds`` rounds; ``ratio_keys`` maps a figure to True when higher is better."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    for round_ in range(rounds):
        for name, factory in contenders.items():
            try:
                figures = measure(factory)
            except Exception as exc:  # a contender that falls over is reported, not fatal
                figures = {"server": name, "error": repr(exc)[:300]}
            runs[name].append(figures)
            shown = {k: figures.get(k) for k in keys}
            print(f"  [{label} r{round_ + 1}] {name:16} {shown}", flush=True)
    medians = {
        name: median_figures([r for r in rs if "error" not in r] or rs, keys)
        for name, rs in runs.items()
    }
    ratios: dict[str, dict[str, float | None]] = {}
    for peer in PEERS:
        if peer not in runs or "causette" not in runs:
            continue
        for key, higher_better in ratio_keys.items():
            per_round = []
            for ours, theirs in zip(runs["causette"], runs[peer], strict=True):
                a, b = ours.get(key), theirs.get(key)
                if not a or not b:
                    continue
                per_round.append(a / b if higher_better else b / a)
            ratios.setdefault(peer, {})[key] = (
                round(statistics.median(per_round), 3) if per_round else None
            )
    return {"rounds": rounds, "contenders": medians, "causette_advantage_vs": ratios}
