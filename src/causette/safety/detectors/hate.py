"""Slurs, hateful statements and insults.

Owns: ``hate.<kind>`` (homophobic, racist, sexist, religious, transphobic, ableist) and
``harassment.insult`` signals, plus ``context.mild_insult`` (never a label by itself).
Rules:

- Matching runs on three forms (``key``, ``deleet``, ``joined``) so "p3d3", "s a l e" and
  "saaaale" are read; one raw span yields at most one signal.
- Identity words are not slurs: they only count inside a hateful template
  ("sale arabe", "les gays devraient..."). A word used about oneself ("je suis pd et
  fier", "as a dyke") is suppressed (``self_identity``).
- Reported speech before the word ("il m'a traité de..."), a quoted word, or educational
  talk with no second-person address close before the word suppress the match.
"""

from __future__ import annotations

import re

from causette.safety.detectors import Frames, Signal
from causette.safety.normalise import Form, Normalised
from causette.safety.rules import Rules

_OPEN_QUOTES = "\"«“'‘`"
_CLOSE_QUOTES = "\"»”'’`"


def _quoted(raw: str, start: int, end: int) -> bool:
    """True if the raw span sits between quote marks ("le mot « pd »")."""
    i = start - 1
    while i >= 0 and raw[i] == " ":
        i -= 1
    j = end
    while j < len(raw) and raw[j] == " ":
        j += 1
    return i >= 0 and raw[i] in _OPEN_QUOTES and j < len(raw) and raw[j] in _CLOSE_QUOTES


def _suppression(
    n: Normalised, frames: Frames, start: int, end: int, *, template: bool
) -> str | None:
    """Why a hateful match in raw span ``[start, end)`` is not an attack, if it is not."""
    if _quoted(n.raw, start, end):
        return "quoted"
    if not template and frames.covers("self_identity", start, end):
        return "self_identity"
    if frames.before("reported", end):
        return "reported"
    if frames.has("educational"):
        close_address = any(
            s < start and start - e <= 12 for s, e in frames.spans.get("second_person", ())
        )
        if not close_address:
            return "educational"
    return None


def _scan(
    forms: tuple[Form, ...], regex: re.Pattern[str], seen: list[tuple[int, int]]
) -> list[tuple[tuple[int, int], str, str]]:
    """Matches on every form as (raw span, text, group name), skipping spans in ``seen``."""
    out = []
    for form in forms:
        for m in regex.finditer(form.text):
            span = form.span(m.start(), m.end())
            if any(s < span[1] and span[0] < e for s, e in seen):
                continue
            seen.append(span)
            out.append((span, m.group(), m.lastgroup or ""))
    return out


def _forms(n: Normalised) -> tuple[Form, ...]:
    """The distinct forms worth scanning (most messages have one)."""
    forms = [n.key]
    if n.deleet.text != n.key.text:
        forms.append(n.deleet)
    if n.joined.text != forms[-1].text:
        forms.append(n.joined)
    return tuple(forms)


def detect(n: Normalised, rules: Rules, frames: Frames) -> list[Signal]:
    """Slurs, hateful templates, strong and mild insults in one message."""
    forms = _forms(n)
    signals: list[Signal] = []
    seen: list[tuple[int, int]] = []
    ids = rules.identity_words
    if not ids.isdisjoint(n.words) or any(not ids.isdisjoint(f.text.split()) for f in forms[1:]):
        for kind, regex in rules.hate_templates.items():
            for span, ev, _ in _scan(forms, regex, seen):
                why = _suppression(n, frames, *span, template=True)
                signals.append(Signal(f"hate.{kind}", span, ev, {"kind": kind}, why))
    found = _scan(forms, rules.hate_any, seen) + _scan((n.folded,), rules.exact_slurs, seen)
    for span, ev, kind in found:
        if kind == "mild":
            signals.append(Signal("context.mild_insult", span, ev))
        elif kind == "strong":
            why = _suppression(n, frames, *span, template=True)
            signals.append(Signal("harassment.insult", span, ev, {}, why))
        else:
            why = _suppression(n, frames, *span, template=False)
            signals.append(Signal(f"hate.{kind}", span, ev, {"kind": kind}, why))
    return signals
