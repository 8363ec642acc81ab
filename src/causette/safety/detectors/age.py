"""Age disclosures: a person saying how old they are, or which school year they are in.

Owns: ``context.age_disclosed`` signals with ``params["age"]`` (an integer as text),
``params["how"]`` (``number`` or ``grade``) and ``params["sure"]`` (``yes`` or ``no``).
Rules: only first-person statements count. ``sure`` is ``yes`` only for an explicit
statement of one's age ("j'ai 13 ans", "I'm 14"); a bare number ("moi 94" is also a
département) and a school year ("jsuis en 4ème", "I'm in year 10": the youngest usual age
for it, though half the class is a year older) are cues. Whether it contradicts the declared
age, and what a cue may do, is the engine's call.
"""

from __future__ import annotations

import re

from causette.safety.detectors import Frames, Signal
from causette.safety.normalise import Normalised, squeeze_pattern
from causette.safety.rules import Rules

_NUMBER = re.compile(r"\b\d{1,2}\b")


def _words_value(rules: Rules, words: list[str]) -> int | None:
    """Read one to three number words ("dix sept", "fourteen") as an integer."""
    units = {squeeze_pattern(k): v for k, v in rules.tables.number_words.units.items()}
    tens = {squeeze_pattern(k): v for k, v in rules.tables.number_words.tens.items()}
    total = 0
    seen = False
    for word in words:
        w = squeeze_pattern(word)
        if w in tens:
            total += tens[w]
            seen = True
        elif w in units:
            total += units[w]
            seen = True
        elif w in ("et", "and"):
            continue
        else:
            break
    return total if seen else None


def detect(n: Normalised, rules: Rules, frames: Frames) -> list[Signal]:
    """First-person age statements in one message."""
    text = n.key.text
    out: list[Signal] = []
    for group, sure in (("self_number", "yes"), ("self_number_cue", "no")):
        regex = rules.age.get(group)
        if regex is None or out:
            continue
        for m in regex.finditer(text, n.words):
            chunk = m.group()
            num = _NUMBER.search(chunk)
            if num is not None:
                age: int | None = int(num.group())
            else:
                words = chunk.split(" ")
                age = None
                for i in range(len(words)):
                    age = _words_value(rules, words[i:])
                    if age is not None:
                        break
            if age is not None and 8 <= age <= 99:
                span = n.key.span(m.start(), m.end())
                params = {"age": str(age), "how": "number", "sure": sure}
                out.append(Signal("context.age_disclosed", span, chunk, params))
                break
    regex = rules.age.get("grade")
    if regex is not None and not out:
        gm = regex.search(text, n.words)
        if gm is not None:
            chunk = squeeze_pattern(gm.group())
            best: int | None = None
            for grade, age in rules.school_grades.items():
                if re.search(rf"\b{re.escape(grade)}\b", chunk) and (best is None or age > best):
                    best = age
            if best is None:
                g = re.search(r"(\d{1,2})(?:e|eme|ieme|nde|ere|er|th|st|nd|rd)?\b", chunk)
                if g is not None:
                    best = rules.school_grades.get(chunk[g.start() : g.end()])
            if best is not None:
                out.append(
                    Signal(
                        "context.age_disclosed",
                        n.key.span(gm.start(), gm.end()),
                        chunk,
                        {"age": str(best), "how": "grade", "sure": "no"},
                    )
                )
    return out
