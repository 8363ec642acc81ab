"""The labelled safety corpus: conversations by independent authors, one file per author.

Owns: reading and validating the authors' files (one conversation per JSON line) and
turning a conversation into the scoring contract's input lines. Rules:

- An author's file is ``<author>.jsonl``; each line is one conversation::

    {"id": "017", "lang": "fr", "setting": "pm"|"room", "room": "#ados"|null,
     "benign": false, "categories": ["grooming"], "summary": "...",
     "participants": {"alex": {"age": 34, "account_age_s": 300, "device": "dA"}, ...},
     "messages": [{"from": "alex", "text": "...", "dt": 40, "act": true|false|null,
                   "push": true|false}, ...]}

  ``act`` is the author's ground truth "this message should be acted on" (``null`` when the
  author did not label messages: the project's own older corpus). ``push`` marks a move off
  the platform, a picture request or a meeting proposal.
- Conversation ids are prefixed with the author (``a3-017``) so authors never collide;
  device keys are prefixed too (one author's ``dA`` is not another's).
- Validation names the file, line and field; a bad corpus is refused whole.
- Pure: text in, data out (the CLI and the tests read the files).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from causette.safety.engine import MessageContext
from causette.safety.rules import CATEGORIES

BASE_TS = 1_719_302_400.0
_SETTINGS = ("pm", "room")


class CorpusError(ValueError):
    """A corpus file does not follow the format."""


@dataclass(frozen=True, slots=True)
class Participant:
    """One speaker as declared at the door."""

    age: int | None
    account_age_s: float | None
    device: str | None


@dataclass(frozen=True, slots=True)
class Line:
    """One message with its labels."""

    sender: str
    text: str
    dt: float
    act: bool | None
    push: bool


@dataclass(frozen=True, slots=True)
class Conversation:
    """One labelled conversation of one author."""

    cid: str
    author: str
    lang: str
    room: str | None  # "#name" for a public room, None for a private conversation
    benign: bool
    categories: tuple[str, ...]
    participants: dict[str, Participant]
    lines: tuple[Line, ...]
    summary: str = ""

    @property
    def first_push(self) -> int | None:
        """Index of the first push, if any."""
        return next((i for i, m in enumerate(self.lines) if m.push), None)

    def contexts(self, start: float = BASE_TS) -> Iterator[tuple[MessageContext, float]]:
        """The messages as the engine sees them, with their times."""
        names = list(self.participants)
        ts = start
        for i, m in enumerate(self.lines):
            ts += m.dt if i else 0.0
            p = self.participants[m.sender]
            elapsed = ts - start
            account = None if p.account_age_s is None else p.account_age_s + elapsed
            if self.room is not None:
                to, recipient_age = self.room, None
            else:
                to = next((n for n in names if n != m.sender), m.sender)
                recipient_age = self.participants[to].age
            yield (
                MessageContext(
                    conversation=self.cid,
                    sender=m.sender,
                    text=m.text,
                    to=to,
                    sender_age=p.age,
                    recipient_age=recipient_age,
                    sender_account_age_s=account,
                    sender_device=p.device,
                ),
                ts,
            )

    def score_lines(self, start: float = BASE_TS) -> Iterator[dict[str, Any]]:
        """The contract's input lines for this conversation."""
        for msg, ts in self.contexts(start):
            rec: dict[str, Any] = {
                "conversation": msg.conversation,
                "ts": ts,
                "sender": msg.sender,
                "sender_age": msg.sender_age,
                "sender_account_age_s": msg.sender_account_age_s,
                "sender_device": msg.sender_device,
                "to": msg.to,
                "text": msg.text,
            }
            if msg.recipient_age is not None:
                rec["recipient_age"] = msg.recipient_age
            yield rec


def _num(v: Any, what: str, *, optional: bool = True) -> float | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise CorpusError(f"{what} must be a number, got {v!r}")
    return float(v)


def parse_conversation(obj: Any, author: str) -> Conversation:
    """One conversation from its JSON object; raise :class:`CorpusError`."""
    if not isinstance(obj, dict):
        raise CorpusError("expected a JSON object")
    cid = obj.get("id")
    if not isinstance(cid, str | int) or str(cid) == "":
        raise CorpusError("'id' must be a non-empty string")
    setting = obj.get("setting")
    if setting not in _SETTINGS:
        raise CorpusError(f"'setting' must be one of {_SETTINGS}, got {setting!r}")
    room = obj.get("room")
    if setting == "room":
        room = room if isinstance(room, str) and room else "#general"
        room = room if room.startswith("#") else "#" + room
    else:
        room = None
    benign = obj.get("benign")
    if not isinstance(benign, bool):
        raise CorpusError("'benign' must be true or false")
    cats = obj.get("categories") or []
    if not isinstance(cats, list) or any(c not in CATEGORIES for c in cats):
        raise CorpusError(f"'categories' must be a list of {CATEGORIES}, got {cats!r}")
    if benign and cats:
        raise CorpusError("a benign conversation has no categories")
    if not benign and not cats:
        raise CorpusError("a harmful conversation needs at least one category")
    raw_people = obj.get("participants")
    if not isinstance(raw_people, dict) or not raw_people:
        raise CorpusError("'participants' must be a non-empty object")
    people: dict[str, Participant] = {}
    for name, p in raw_people.items():
        if not isinstance(p, dict):
            raise CorpusError(f"participant {name!r} must be an object")
        age = _num(p.get("age"), f"{name}.age")
        device = p.get("device")
        if device is not None and not isinstance(device, str):
            raise CorpusError(f"{name}.device must be a string or null")
        people[name] = Participant(
            None if age is None else int(age),
            _num(p.get("account_age_s"), f"{name}.account_age_s"),
            f"{author}:{device}" if device else None,
        )
    if setting == "pm" and len(people) != 2:
        raise CorpusError("a private conversation has exactly two participants")
    raw_msgs = obj.get("messages")
    if not isinstance(raw_msgs, list) or not raw_msgs:
        raise CorpusError("'messages' must be a non-empty list")
    lines = []
    for i, m in enumerate(raw_msgs):
        if not isinstance(m, dict):
            raise CorpusError(f"message {i} must be an object")
        sender, text = m.get("from"), m.get("text")
        if sender not in people:
            raise CorpusError(f"message {i}: unknown speaker {sender!r}")
        if not isinstance(text, str) or not text.strip():
            raise CorpusError(f"message {i}: 'text' must be a non-empty string")
        act = m.get("act")
        if act is not None and not isinstance(act, bool):
            raise CorpusError(f"message {i}: 'act' must be true, false or null")
        if benign and act:
            raise CorpusError(f"message {i}: a benign conversation has no message to act on")
        dt = _num(m.get("dt", 30.0), f"message {i}.dt") or 0.0
        lines.append(Line(str(sender), text, max(dt, 0.0), act, bool(m.get("push", False))))
    summary = obj.get("summary")
    return Conversation(
        cid=f"{author}-{cid}",
        author=author,
        lang=str(obj.get("lang") or "fr"),
        room=room,
        benign=benign,
        categories=tuple(sorted(set(cats))),
        participants=people,
        lines=tuple(lines),
        summary=summary if isinstance(summary, str) else "",
    )


def parse_author(lines: Iterable[str], author: str, source: str = "") -> list[Conversation]:
    """Every conversation of one author's file; raise :class:`CorpusError` naming the line."""
    out: list[Conversation] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            c = parse_conversation(json.loads(line), author)
        except (ValueError, CorpusError) as exc:
            raise CorpusError(f"{source or author}: line {number}: {exc}") from exc
        if c.cid in seen:
            raise CorpusError(f"{source or author}: line {number}: duplicate id {c.cid}")
        seen.add(c.cid)
        out.append(c)
    return out


def dump_conversation(c: Conversation) -> str:
    """One conversation as an author's line (ids and devices without the author prefix)."""

    def strip(value: str | None) -> str | None:
        return value.split(":", 1)[1] if value and ":" in value else value

    obj = {
        "id": c.cid.split("-", 1)[1],
        "lang": c.lang,
        "setting": "room" if c.room else "pm",
        "room": c.room,
        "benign": c.benign,
        "categories": list(c.categories),
        "summary": c.summary,
        "participants": {
            n: {"age": p.age, "account_age_s": p.account_age_s, "device": strip(p.device)}
            for n, p in c.participants.items()
        },
        "messages": [
            {"from": m.sender, "text": m.text, "dt": m.dt, "act": m.act, "push": m.push}
            for m in c.lines
        ],
    }
    return json.dumps(obj, ensure_ascii=False)
