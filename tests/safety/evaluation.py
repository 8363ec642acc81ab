"""Evaluate the real scorer on the labelled corpus and build the per-category table.

Used by ``test_evaluation.py``; also runnable: ``.venv/bin/python tests/safety/evaluation.py``
prints the tables for both splits. A conversation counts as *detected* for a category when
the scorer's summary lists that category; grooming and ambush also report escalation and
whether the first alert came at or before (and strictly before) the first push.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from causette.safety.engine import SafetyEngine
from causette.safety.rules import CATEGORIES
from causette.safety.score import score_lines

CORPUS = Path(__file__).parent / "corpus"


@dataclass
class Report:
    """Figures for one split."""

    split: str
    conversations: int = 0
    benign: int = 0
    recall: dict[str, tuple[int, int]] = field(default_factory=dict)  # cat -> (hit, total)
    benign_with: dict[str, int] = field(default_factory=dict)  # cat -> benign convs flagged
    benign_escalated: int = 0
    benign_messages: int = 0
    benign_messages_stopped: int = 0  # masked, held or blocked
    escalated: dict[str, tuple[int, int]] = field(default_factory=dict)
    alert_at_or_before: tuple[int, int] = (0, 0)
    alert_strictly_before: tuple[int, int] = (0, 0)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def rate(self, cat: str) -> float:
        """Conversation recall for ``cat``."""
        hit, total = self.recall.get(cat, (0, 0))
        return hit / total if total else float("nan")

    def fp_rate(self, cat: str) -> float:
        """Share of benign conversations labelled with ``cat``."""
        return self.benign_with.get(cat, 0) / self.benign if self.benign else 0.0

    @property
    def benign_escalation_rate(self) -> float:
        """Share of benign conversations escalated."""
        return self.benign_escalated / self.benign if self.benign else 0.0

    @property
    def benign_message_rate(self) -> float:
        """Share of benign messages masked, held or blocked."""
        return self.benign_messages_stopped / self.benign_messages if self.benign_messages else 0.0

    def table(self) -> str:
        """The per-category table, as Markdown."""
        rows = [
            f"### {self.split}: {self.conversations} conversations, {self.benign} benign",
            "",
            "| category | conversations | recall | escalated | benign FP rate |",
            "|---|---|---|---|---|",
        ]
        for cat in CATEGORIES:
            hit, total = self.recall.get(cat, (0, 0))
            esc, _ = self.escalated.get(cat, (0, 0))
            rec = f"{hit / total:.2f} ({hit}/{total})" if total else "-"
            esc_s = f"{esc}/{total}" if total else "-"
            rows.append(f"| {cat} | {total} | {rec} | {esc_s} | {self.fp_rate(cat):.3f} |")
        a, n = self.alert_at_or_before
        s, _ = self.alert_strictly_before
        rows += [
            "",
            f"- benign conversations escalated: {self.benign_escalated}/{self.benign} "
            f"({self.benign_escalation_rate:.3f})",
            f"- benign messages masked/held/blocked: {self.benign_messages_stopped}/"
            f"{self.benign_messages} ({self.benign_message_rate:.3f})",
            f"- grooming/ambush alert at or before the first push: {a}/{n}"
            + (f" ({a / n:.2f})" if n else ""),
            f"- grooming/ambush alert strictly before the first push: {s}/{n}"
            + (f" ({s / n:.2f})" if n else ""),
        ]
        if self.misses:
            rows.append(f"- missed: {', '.join(self.misses)}")
        if self.false_alarms:
            rows.append(f"- benign flagged: {', '.join(self.false_alarms)}")
        return "\n".join(rows)


def load_labels() -> dict[str, Any]:
    """The corpus labels."""
    data: dict[str, Any] = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
    return data


def evaluate(split: str) -> Report:
    """Score ``<split>.jsonl`` with a fresh engine and compare with the labels."""
    labels = load_labels()
    with (CORPUS / f"{split}.jsonl").open("rb") as fh:
        outputs, errors = score_lines(fh, SafetyEngine.load())
    assert not errors, errors
    summaries = {o["conversation"]: o for o in outputs if o.get("summary")}
    messages: dict[str, list[dict[str, Any]]] = {}
    for o in outputs:
        if not o.get("summary"):
            messages.setdefault(o["conversation"], []).append(o)
    rep = Report(split)
    recall: dict[str, list[int]] = {}
    escal: dict[str, list[int]] = {}
    at_or_before = [0, 0]
    strictly = [0, 0]
    for cid, lab in labels.items():
        if lab["split"] != split:
            continue
        rep.conversations += 1
        summ = summaries[cid]
        got = set(summ["categories"])
        if lab["benign"]:
            rep.benign += 1
            for cat in got:
                rep.benign_with[cat] = rep.benign_with.get(cat, 0) + 1
            if got or summ["escalate"]:
                rep.false_alarms.append(f"{cid}{sorted(got)}")
            rep.benign_escalated += bool(summ["escalate"])
            for m in messages[cid]:
                rep.benign_messages += 1
                rep.benign_messages_stopped += m["action"] in ("mask", "hold", "block")
            continue
        for cat in lab["categories"]:
            r = recall.setdefault(cat, [0, 0])
            r[1] += 1
            r[0] += cat in got
            e = escal.setdefault(cat, [0, 0])
            e[1] += 1
            e[0] += bool(summ["escalate"])
            if cat not in got:
                rep.misses.append(f"{cid}:{cat}")
        push = lab["first_push_index"]
        if push is not None and set(lab["categories"]) & {"grooming", "ambush"}:
            first = summ["first_alert_index"]
            at_or_before[1] += 1
            strictly[1] += 1
            at_or_before[0] += first is not None and first <= push
            strictly[0] += first is not None and first < push
    rep.recall = {k: (v[0], v[1]) for k, v in recall.items()}
    rep.escalated = {k: (v[0], v[1]) for k, v in escal.items()}
    rep.alert_at_or_before = (at_or_before[0], at_or_before[1])
    rep.alert_strictly_before = (strictly[0], strictly[1])
    return rep


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:] or ["tune"]:
        print(evaluate(name).table())
        print()
