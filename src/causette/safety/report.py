"""Figures of the engine on a labelled corpus: the table the product is judged on.

Owns: comparing scored messages and conversation summaries with the authors' labels, and
rendering the figures as Markdown. Rules: every figure is a (hit, total) pair, so pooled
figures are sums, never averages of rates; a figure with no case is shown as "-".

Figures (as in the generalisation issue):

- ``<cat>_escalated``: conversations labelled ``cat`` that were escalated with ``cat`` among
  their categories (grooming, ambush, hate, harassment, threat); ``<cat>_detected`` for
  pii, spam and sexual (the category is in the summary);
- ``first_push``: grooming and ambush conversations with a push whose first alert came at
  or before the first push;
- ``acted``: messages the author marked ``act`` that got warn, mask, hold or block;
- ``benign_escalated``, ``benign_touched`` (any category or escalation),
  ``benign_messages_stopped`` (masked, held or blocked).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from causette.safety.corpus import Conversation
from causette.safety.score import Scored

ESCALATED = ("grooming", "ambush", "hate", "harassment", "threat")
DETECTED = ("pii", "spam", "sexual")
GOALS: dict[str, tuple[str, float]] = {
    "grooming_escalated": (">=", 0.90),
    "first_push": (">=", 0.80),
    "ambush_escalated": (">=", 0.90),
    "hate_escalated": (">=", 0.85),
    "harassment_escalated": (">=", 0.75),
    "threat_escalated": (">=", 0.75),
    "acted": (">=", 0.80),
    "benign_escalated": ("<=", 0.03),
    "benign_messages_stopped": ("<=", 0.02),
}
ROWS = (
    ("grooming_escalated", "grooming conversations escalated as grooming"),
    ("first_push", "grooming + ambush alerted by the first push"),
    ("ambush_escalated", "ambush escalated as ambush"),
    ("hate_escalated", "hate escalated"),
    ("harassment_escalated", "harassment escalated"),
    ("threat_escalated", "threats escalated"),
    ("pii_detected", "personal data detected"),
    ("spam_detected", "spam detected"),
    ("sexual_detected", "sexual solicitation detected"),
    ("acted", "messages that should be acted on, acted on"),
    ("benign_escalated", "benign conversations escalated"),
    ("benign_touched", "benign conversations touched (any category)"),
    ("benign_messages_stopped", "benign messages masked/held/blocked"),
)


@dataclass
class Figures:
    """(hit, total) per figure, plus the ids behind the misses and false alarms."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def add(self, key: str, hit: bool) -> None:
        """Count one case."""
        c = self.counts.setdefault(key, [0, 0])
        c[0] += int(hit)
        c[1] += 1

    def rate(self, key: str) -> float | None:
        """hit / total, or None with no case."""
        hit, total = self.counts.get(key, [0, 0])
        return hit / total if total else None

    def merge(self, other: Figures) -> Figures:
        """Pooled figures (sums)."""
        out = Figures({k: list(v) for k, v in self.counts.items()})
        for k, (h, t) in other.counts.items():
            c = out.counts.setdefault(k, [0, 0])
            c[0] += h
            c[1] += t
        out.misses = self.misses + other.misses
        out.false_alarms = self.false_alarms + other.false_alarms
        return out

    def meets(self, key: str) -> bool | None:
        """Whether the figure meets its goal (None without a goal or a case)."""
        r = self.rate(key)
        if key not in GOALS or r is None:
            return None
        op, goal = GOALS[key]
        return r >= goal if op == ">=" else r <= goal

    def cell(self, key: str) -> str:
        """``hit/total (rate)`` or ``-``."""
        hit, total = self.counts.get(key, [0, 0])
        return f"{hit}/{total} ({hit / total:.2f})" if total else "-"


def figures(
    convs: Sequence[Conversation], scored: Iterable[Scored], engine_convs: dict[str, object]
) -> Figures:
    """Compare one run with the labels. ``engine_convs`` maps ids to the engine's states."""
    by_conv: dict[str, list[Scored]] = {}
    for s in scored:
        by_conv.setdefault(s.msg.conversation, []).append(s)
    f = Figures()
    for c in convs:
        msgs = by_conv.get(c.cid, [])
        state = engine_convs[c.cid]
        escalated = bool(getattr(state, "escalated", False))
        cats = set(getattr(state, "categories", ()))
        first = getattr(state, "first_alert_index", None)
        actions = [s.decision.action for s in msgs]
        if c.benign:
            f.add("benign_escalated", escalated)
            touched = escalated or bool(cats)
            f.add("benign_touched", touched)
            if touched:
                f.false_alarms.append(f"{c.cid}{sorted(cats)}")
            for a in actions:
                f.add("benign_messages_stopped", a in ("mask", "hold", "block"))
            continue
        for cat in c.categories:
            if cat in ESCALATED:
                ok = escalated and cat in cats
                f.add(f"{cat}_escalated", ok)
            else:
                ok = cat in cats
                f.add(f"{cat}_detected", ok)
            if not ok:
                f.misses.append(f"{c.cid}:{cat}")
        push = c.first_push
        if push is not None and set(c.categories) & {"grooming", "ambush"}:
            f.add("first_push", first is not None and first <= push)
        for m, a in zip(c.lines, actions, strict=False):
            if m.act:
                f.add("acted", a != "allow")
    return f


def table(columns: dict[str, Figures], *, goals: bool = True) -> str:
    """A Markdown table: one row per figure, one column per author (or pool)."""
    head = "| figure | " + " | ".join(columns) + (" | goal |" if goals else " |")
    sep = "|---|" + "---|" * len(columns) + ("---|" if goals else "")
    lines = [head, sep]
    for key, label in ROWS:
        cells = []
        for fig in columns.values():
            cell = fig.cell(key)
            if fig.meets(key) is False:
                cell = f"**{cell}**"
            cells.append(cell)
        goal = ""
        if goals:
            op, g = GOALS.get(key, ("", 0.0))
            goal = f" {'≥' if op == '>=' else '≤'} {g:.2f} |" if op else " |"
        lines.append(f"| {label} | " + " | ".join(cells) + " |" + goal)
    return "\n".join(lines)
