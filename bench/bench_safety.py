"""Safety engine benchmark: cost per message of the whole engine, memory per conversation.

``run(quick)`` replays a realistic mix (the labelled corpus, mostly benign small talk with
grooming, ambush, hate, personal data and spam mixed in) through one engine, timing every
``evaluate`` call (normalise, detect, update state, decide) in thread CPU time (and wall
time, which a loaded machine inflates), and measures with tracemalloc
the memory held per tracked conversation. Figures: median and p99 microseconds per
message, messages per second, bytes per conversation.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from causette.safety.engine import MessageContext, SafetyEngine

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "safety" / "corpus"


def _messages() -> list[tuple[MessageContext, float]]:
    out = []
    for name in ("tune.jsonl", "heldout.jsonl"):
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            o = json.loads(line)
            out.append(
                (
                    MessageContext(
                        o["conversation"],
                        o["sender"],
                        o["text"],
                        o["to"],
                        o.get("sender_age"),
                        o.get("recipient_age"),
                        o.get("sender_account_age_s"),
                        o.get("sender_device"),
                    ),
                    float(o["ts"]),
                )
            )
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(quick: bool) -> dict[str, Any]:
    """Time the engine per message and measure memory per conversation."""
    base = _messages()
    rounds = 3 if quick else 20
    engine = SafetyEngine.load()
    for msg, ts in base:  # warm caches
        engine.evaluate(msg, ts)
    costs: list[float] = []  # CPU time of this thread: robust on a shared, loaded machine
    walls: list[float] = []
    for r in range(rounds):
        engine = SafetyEngine(engine.rules)
        for msg, ts in base:
            w0 = time.perf_counter_ns()
            t0 = time.thread_time_ns()
            engine.evaluate(msg, ts + r)
            costs.append((time.thread_time_ns() - t0) / 1000.0)
            walls.append((time.perf_counter_ns() - w0) / 1000.0)
    # memory: N conversations of ~10 messages each, fresh engine
    n_conv = 200 if quick else 2000
    sample = [m for m in base if m[0].conversation.startswith(("t-gr-01", "t-bn-09"))]
    engine = SafetyEngine(engine.rules)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for i in range(n_conv):
        for msg, ts in sample:
            m = MessageContext(
                f"{msg.conversation}-{i}",
                f"{msg.sender}{i}",
                msg.text,
                f"{msg.to}{i}",
                msg.sender_age,
                msg.recipient_age,
                msg.sender_account_age_s,
                msg.sender_device,
            )
            engine.evaluate(m, ts)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    convs = len(engine.conversations)
    return {
        "messages_timed": len(costs),
        "median_us_per_message": round(statistics.median(costs), 1),
        "p99_us_per_message": round(_pct(costs, 0.99), 1),
        "mean_us_per_message": round(statistics.fmean(costs), 1),
        "wall_median_us_per_message": round(statistics.median(walls), 1),
        "wall_p99_us_per_message": round(_pct(walls, 0.99), 1),
        "messages_per_second": round(1e6 / statistics.fmean(costs)),
        "conversations_tracked": convs,
        "bytes_per_conversation": round(grown / convs),
        "note": "bytes include the per-user state of both participants",
    }


if __name__ == "__main__":
    print(json.dumps(run(quick=True), indent=2))
