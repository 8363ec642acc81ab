"""A tiny authoring format for the labelled safety corpus.

A conversation is written as lines ``NAME: text``; a line whose text starts with ``>`` is a
*push* (a move off the platform, a picture request or a meeting proposal) and the first
push's index is recorded in the labels, to measure whether the engine alerted before it.
Private conversations go to the other participant; ``room="#name"`` makes a public room.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_TS = 1_719_302_400.0


@dataclass
class Person:
    """One participant: declared age, account age in seconds, device key."""

    age: int
    account_s: float = 30 * 86400.0
    device: str | None = None


@dataclass
class Conv:
    """One labelled conversation."""

    cid: str
    kind: str  # a harmful category, or "benign:<subtype>"
    lang: str
    people: dict[str, Person]
    lines: list[tuple[str, str, bool]]  # (speaker, text, is_push)
    room: str | None = None
    categories: list[str] = field(default_factory=list)
    gap_s: float = 45.0
    start: float = BASE_TS

    @property
    def benign(self) -> bool:
        """True for a benign conversation."""
        return self.kind.startswith("benign")


def conv(
    cid: str,
    kind: str,
    lang: str,
    people: dict[str, Person],
    text: str,
    *,
    room: str | None = None,
    extra: tuple[str, ...] = (),
    gap_s: float = 45.0,
    start: float = BASE_TS,
) -> Conv:
    """Parse ``NAME: text`` lines into a :class:`Conv`."""
    lines = []
    for raw in text.strip().splitlines():
        raw = raw.strip()
        if not raw:
            continue
        name, _, said = raw.partition(":")
        name = name.strip()
        said = said.strip()
        if name not in people:
            raise ValueError(f"{cid}: unknown speaker {name!r} in {raw!r}")
        push = said.startswith(">")
        lines.append((name, said.lstrip(">").strip(), push))
    cats = [] if kind.startswith("benign") else [kind, *extra]
    return Conv(cid, kind, lang, people, lines, room, cats, gap_s, start)


def to_jsonl(c: Conv) -> list[dict[str, Any]]:
    """The contract's input lines for one conversation."""
    out = []
    names = list(c.people)
    for i, (name, text, _) in enumerate(c.lines):
        p = c.people[name]
        ts = c.start + i * c.gap_s
        rec: dict[str, Any] = {"conversation": c.cid, "ts": ts, "sender": name, "sender_age": p.age}
        rec["sender_account_age_s"] = p.account_s + i * c.gap_s
        if p.device:
            rec["sender_device"] = p.device
        if c.room:
            rec["to"] = c.room
        else:
            other = next(n for n in names if n != name)
            rec["to"] = other
            rec["recipient_age"] = c.people[other].age
        rec["text"] = text
        out.append(rec)
    return out


def label(c: Conv, split: str) -> dict[str, Any]:
    """The labels entry of one conversation."""
    push = next((i for i, (_, _, p) in enumerate(c.lines) if p), None)
    return {
        "split": split,
        "kind": c.kind,
        "lang": c.lang,
        "benign": c.benign,
        "categories": sorted(set(c.categories)),
        "first_push_index": push,
        "messages": len(c.lines),
    }


def write(convs: list[Conv], split: str, directory: Path) -> dict[str, Any]:
    """Write ``<split>.jsonl``; return the labels of its conversations."""
    ids = [c.cid for c in convs]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate conversation ids in {split}")
    with (directory / f"{split}.jsonl").open("w", encoding="utf-8") as fh:
        for c in convs:
            for rec in to_jsonl(c):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return {c.cid: label(c, split) for c in convs}
