"""Age disclosures: a person saying how old they are, or which school year they are in.

Owns: ``context.age_disclosed`` signals with ``params["age"]`` (an integer as text) and
``params["how"]`` (``number`` or ``grade``). Rules: only first-person statements count
("j'ai 13 ans", "I'm 14", "jsuis en 4ème", "I'm in 8th grade"); a school year gives the
youngest usual age for it. Whether it contradicts the declared age is the state's call.
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
    regex = rules.age.get("self_number")
    if regex is not None:
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
                out.append(
                    Signal("context.age_disclosed", span, chunk, {"age": str(age), "how": "number"})
                )
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
                        {"age": str(best), "how": "grade"},
                    )
                )
    return out
