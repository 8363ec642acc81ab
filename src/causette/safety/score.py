"""The scoring contract of ``causette safety score`` (design/safety.md), to the letter.

Owns: parsing input lines, running one engine over them in order, and writing the output
lines. Rules:

- Input: one JSON object per line; ``conversation``, ``ts``, ``sender`` and ``text`` are
  required; ``to`` is a pseudonym or ``#room``, and an empty, null or absent ``to`` is a
  public room; ``sender_age``, ``recipient_age`` (integers or null),
  ``sender_account_age_s`` (number or null) and ``sender_device`` (string or null) are
  optional. Blank lines are skipped.
- A malformed line is reported on stderr as ``line N: <what is wrong>`` and skipped; the
  run goes on with the other lines and the command exits with status 1 at the end.
- Output: first one line per valid message, in input order
  (``conversation``, ``index``, ``action``, ``labels``, and ``text`` unless held or
  blocked); then one summary line per conversation in order of first appearance
  (``summary``, ``escalate``, ``categories``, ``first_alert_index``, ``risk``).
- ``labels`` and ``categories`` only use the contract's eight categories; engine-only
  labels (``minor.*``) are left out here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from causette.safety.engine import Decision, MessageContext, SafetyEngine
from causette.safety.rules import CATEGORIES

ROOM = "#room"  # the room of a message whose ``to`` is empty, null or absent


class LineError(ValueError):
    """One input line is not a valid message."""


def _opt_int(obj: dict[str, Any], key: str) -> int | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise LineError(f"{key!r} must be an integer or null, got {v!r}")
    if v != int(v):
        raise LineError(f"{key!r} must be an integer, got {v!r}")
    return int(v)


def _opt_float(obj: dict[str, Any], key: str) -> float | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise LineError(f"{key!r} must be a number or null, got {v!r}")
    return float(v)


def _req_str(obj: dict[str, Any], key: str) -> str:
    if key not in obj:
        raise LineError(f"missing required field {key!r}")
    v = obj[key]
    if not isinstance(v, str):
        raise LineError(f"{key!r} must be a string, got {type(v).__name__}")
    return v


def _recipient(obj: dict[str, Any]) -> str:
    """``to``: a pseudonym, or a room; an empty, null or absent ``to`` is a public room."""
    v = obj.get("to")
    if v is None or v == "":
        return ROOM
    if not isinstance(v, str):
        raise LineError(f"'to' must be a string or null, got {type(v).__name__}")
    return v


def parse_line(line: str | bytes) -> tuple[MessageContext, float]:
    """A message and its timestamp from one input line; raise :class:`LineError`."""
    if isinstance(line, bytes) and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]  # a UTF-8 byte-order mark on the first line
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:  # the standard parser also accepts lone surrogates in strings
            obj = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise LineError(f"not valid JSON ({exc})") from exc
    if not isinstance(obj, dict):
        raise LineError("expected a JSON object")
    conversation = _req_str(obj, "conversation")
    if not conversation:
        raise LineError("'conversation' must not be empty")
    if "ts" not in obj:
        raise LineError("missing required field 'ts'")
    ts = _opt_float(obj, "ts")
    if ts is None:
        raise LineError("'ts' must be a number")
    device = obj.get("sender_device")
    if device is not None and not isinstance(device, str):
        raise LineError("'sender_device' must be a string or null")
    msg = MessageContext(
        conversation=conversation,
        sender=_req_str(obj, "sender"),
        text=_req_str(obj, "text"),
        to=_recipient(obj),
        sender_age=_opt_int(obj, "sender_age"),
        recipient_age=_opt_int(obj, "recipient_age"),
        sender_account_age_s=_opt_float(obj, "sender_account_age_s"),
        sender_device=device,
    )
    return msg, ts


@dataclass(slots=True)
class Scored:
    """One scored message (for the scorer and explain)."""

    line: int
    msg: MessageContext
    index: int
    decision: Decision


def contract_labels(decision: Decision) -> list[str]:
    """The decision's labels restricted to the contract's categories."""
    return [lab for lab in decision.labels if lab.split(".", 1)[0] in CATEGORIES]


def run(
    lines: Iterable[str | bytes], engine: SafetyEngine | None = None
) -> Iterator[Scored | tuple[int, str]]:
    """Score lines in order; yield :class:`Scored` or ``(line number, error)``."""
    engine = engine or SafetyEngine.load()
    counts: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            msg, ts = parse_line(line)
        except LineError as exc:
            yield (number, str(exc))
            continue
        index = counts.get(msg.conversation, 0)
        counts[msg.conversation] = index + 1
        yield Scored(number, msg, index, engine.evaluate(msg, ts))


def run_contexts(
    messages: Iterable[tuple[MessageContext, float]], engine: SafetyEngine
) -> Iterator[Scored]:
    """Score already-parsed messages in order (the corpus tools)."""
    counts: dict[str, int] = {}
    for number, (msg, ts) in enumerate(messages, start=1):
        index = counts.get(msg.conversation, 0)
        counts[msg.conversation] = index + 1
        yield Scored(number, msg, index, engine.evaluate(msg, ts))


def message_line(s: Scored) -> dict[str, Any]:
    """The output object for one message."""
    out: dict[str, Any] = {
        "conversation": s.msg.conversation,
        "index": s.index,
        "action": s.decision.action,
        "labels": contract_labels(s.decision),
    }
    if s.decision.text is not None:
        out["text"] = s.decision.text
    return out


def summary_lines(engine: SafetyEngine, order: list[str]) -> list[dict[str, Any]]:
    """The output object for each conversation, in order of first appearance."""
    out = []
    for cid in order:
        conv = engine.conversations[cid]
        out.append(
            {
                "conversation": cid,
                "summary": True,
                "escalate": conv.escalated,
                "categories": [c for c in conv.categories if c in CATEGORIES],
                "first_alert_index": conv.first_alert_index,
                "risk": {
                    "grooming": _risk(conv.grooming_raw, engine.rules.policy.grooming.escalate),
                    "ambush": _risk(conv.ambush_raw, engine.rules.policy.ambush.escalate),
                },
            }
        )
    return out


def _risk(raw: float, escalate: float) -> float:
    from causette.safety.engine import risk_of

    return risk_of(raw, escalate)


def score_lines(
    lines: Iterable[str | bytes], engine: SafetyEngine | None = None
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Score every line; return the output objects (messages, then summaries) and errors."""
    engine = engine or SafetyEngine.load()
    outputs: list[dict[str, Any]] = []
    errors: list[tuple[int, str]] = []
    order: list[str] = []
    for item in run(lines, engine):
        if isinstance(item, tuple):
            errors.append(item)
            continue
        if item.index == 0 and item.msg.conversation not in order:
            order.append(item.msg.conversation)
        outputs.append(message_line(item))
    outputs.extend(summary_lines(engine, order))
    return outputs, errors


def dumps(obj: dict[str, Any]) -> str:
    """One output line (no trailing newline)."""
    try:
        return orjson.dumps(obj).decode()
    except orjson.JSONEncodeError:  # lone surrogates: escape them
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
