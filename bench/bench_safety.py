"""Safety engine benchmark: cost per message, rules alone and rules + learned layer.

``run(quick)`` replays the multi-author corpus (``tests/safety/corpus/authors``: mostly
benign talk with every harm mixed in, French and English) through two engines in the same
run — the rules alone (the peer) and the rules with the learned layer (message model and
per-speaker conversation model), as the chat uses it — alternating rounds so that both see
the same machine. Every ``evaluate`` call (normalise, detect, models, update state,
decide) is timed in thread CPU time, robust on a loaded machine (wall time is also
given). Memory per tracked conversation is measured with tracemalloc. Figures: median and
p99 microseconds per message for each, their ratio, messages per second, bytes per
conversation.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from causette.safety.corpus import parse_author
from causette.safety.engine import MessageContext, SafetyEngine

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "safety" / "corpus" / "authors"


def _messages() -> list[tuple[MessageContext, float]]:
    out: list[tuple[MessageContext, float]] = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for conv in parse_author(fh, path.stem):
                out.extend(conv.contexts())
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _round(
    engine: SafetyEngine,
    base: list[tuple[MessageContext, float]],
    shift: float,
    costs: list[float],
    walls: list[float],
) -> None:
    for msg, ts in base:
        w0 = time.perf_counter_ns()
        t0 = time.thread_time_ns()
        engine.evaluate(msg, ts + shift)
        costs.append((time.thread_time_ns() - t0) / 1000.0)
        walls.append((time.perf_counter_ns() - w0) / 1000.0)


def _figures(costs: list[float], walls: list[float]) -> dict[str, float]:
    return {
        "median_us_per_message": round(statistics.median(costs), 1),
        "p99_us_per_message": round(_pct(costs, 0.99), 1),
        "mean_us_per_message": round(statistics.fmean(costs), 1),
        "wall_median_us_per_message": round(statistics.median(walls), 1),
        "wall_p99_us_per_message": round(_pct(walls, 0.99), 1),
        "messages_per_second": round(1e6 / statistics.fmean(costs)),
    }


def _memory(engine: SafetyEngine, base: list[tuple[MessageContext, float]], n_conv: int) -> int:
    """Bytes held per tracked conversation (a ten-message private chat, repeated)."""
    first = base[0][0].conversation
    sample = [m for m in base if m[0].conversation == first][:10]
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for i in range(n_conv):
        for msg, ts in sample:
            m = MessageContext(
                f"{msg.conversation}-{i}",
                f"{msg.sender}{i}",
                msg.text,
                msg.to if msg.room else f"{msg.to}{i}",
                msg.sender_age,
                msg.recipient_age,
                msg.sender_account_age_s,
                msg.sender_device,
            )
            engine.evaluate(m, ts)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return round(grown / max(len(engine.conversations), 1))


def run(quick: bool) -> dict[str, Any]:
    """Time both engines per message and measure memory per conversation."""
    base = _messages()
    if quick:
        base = base[:4000]
    rounds = 2 if quick else 6
    learned = SafetyEngine.load()
    if learned.learned is None:
        raise RuntimeError("no learned layer shipped: run `causette safety train` first")
    rules_only = SafetyEngine(learned.rules)
    for engine in (rules_only, learned):  # warm caches (word vectors, folding)
        _round(engine, base, 0.0, [], [])
    costs: dict[str, list[float]] = {"rules": [], "learned": []}
    walls: dict[str, list[float]] = {"rules": [], "learned": []}
    for r in range(rounds):
        for name in ("rules", "learned") if r % 2 == 0 else ("learned", "rules"):
            engine = SafetyEngine(learned.rules, learned.learned if name == "learned" else None)
            _round(engine, base, float(r), costs[name], walls[name])
    n_conv = 200 if quick else 2000
    out: dict[str, Any] = {
        "messages_timed": len(costs["learned"]),
        "corpus_messages": len(base),
        "rules": _figures(costs["rules"], walls["rules"]),
        "learned": _figures(costs["learned"], walls["learned"]),
    }
    out["ratio_median_learned_to_rules"] = round(
        out["learned"]["median_us_per_message"] / out["rules"]["median_us_per_message"], 2
    )
    out["ratio_p99_learned_to_rules"] = round(
        out["learned"]["p99_us_per_message"] / out["rules"]["p99_us_per_message"], 2
    )
    out["rules"]["bytes_per_conversation"] = _memory(SafetyEngine(learned.rules), base, n_conv)
    out["learned"]["bytes_per_conversation"] = _memory(
        SafetyEngine(learned.rules, learned.learned), base, n_conv
    )
    out["note"] = "CPU time of the calling thread; bytes include both participants' user state"
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick=True), indent=2))
