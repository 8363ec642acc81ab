"""Per-message detectors: each reads one normalised message and returns signals.

Owns: the :class:`Signal` record and :func:`detect`, which runs every detector in a fixed
order. Rules: detectors are stateless and pure (conversation context is the state
module's job); a detector that sees a context which neutralises a match (reported speech,
an identity word used about oneself, a game, a shop's number) still returns the match
with ``suppressed_by`` set, so ``causette safety explain`` can show why nothing happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from causette.safety.normalise import Form, Normalised
from causette.safety.rules import Rules, candidates


@dataclass(frozen=True, slots=True)
class Signal:
    """One thing a detector noticed in a message."""

    name: str  # "category.detail", "shared.detail" (grooming and ambush) or "context.detail"
    span: tuple[int, int] | None = None  # raw-text span, for masking
    evidence: str = ""
    params: dict[str, str] = field(default_factory=dict)
    suppressed_by: str | None = None

    @property
    def active(self) -> bool:
        """True unless a context neutralised it."""
        return self.suppressed_by is None


@dataclass(slots=True)
class Frames:
    """Where each context frame (reported speech, game, business...) matched.

    Matches are kept in ``key`` coordinates and mapped to raw spans only when asked.
    """

    found: dict[str, list[tuple[int, int]]]
    form: Form | None = None
    _raw: dict[str, list[tuple[int, int]]] | None = None

    @property
    def spans(self) -> dict[str, list[tuple[int, int]]]:
        """Raw-text spans of every frame match."""
        if self._raw is None:
            form = self.form
            self._raw = {
                k: [form.span(a, b) for a, b in v] if form is not None else list(v)
                for k, v in self.found.items()
            }
        return self._raw

    def has(self, name: str) -> bool:
        """True if the frame matched anywhere in the message."""
        return bool(self.found.get(name))

    def before(self, name: str, pos: int) -> bool:
        """True if the frame matched starting before ``pos``."""
        return any(s < pos for s, _ in self.spans.get(name, ()))

    def covers(self, name: str, start: int, end: int) -> bool:
        """True if a match of the frame overlaps ``[start, end)``."""
        return any(s < end and start < e for s, e in self.spans.get(name, ()))


_CLOSERS = {"«": "»", "“": "”", '"': '"', "‘": "’", "'": "'", "`": "`"}
_APOSTROPHES = ("'", "’")


def quoted_regions(raw: str) -> list[tuple[int, int]]:
    """Raw spans between quotation marks (« … », “ … ”, "…", '…'), marks included.

    An apostrophe opens a quotation only after a space or at the start ("j'ai" does not)
    and closes one only before a non-letter ("t'aime" does not). An unclosed quotation
    runs to the end of the text."""
    regions: list[tuple[int, int]] = []
    opener: tuple[str, int] | None = None
    for i, c in enumerate(raw):
        if opener is None:
            if c not in _CLOSERS or c == "»" or c == "”":
                continue
            if c in _APOSTROPHES and i > 0 and not raw[i - 1].isspace() and raw[i - 1] not in "(:[":
                continue
            opener = (c, i)
        elif c == _CLOSERS[opener[0]]:
            if c in _APOSTROPHES and i + 1 < len(raw) and raw[i + 1].isalnum():
                continue
            regions.append((opener[1], i + 1))
            opener = None
    if opener is not None:
        regions.append((opener[1], len(raw)))
    return regions


def quoted_in_words(raw: str, start: int, end: int) -> bool:
    """True if raw span ``[start, end)`` lies inside a quotation that the speaker frames
    with words of their own ("she wrote 'kys' under my video"). A message that is all
    quotation frames nothing: it says what it quotes."""
    regions = quoted_regions(raw)
    if not any(a <= start and end <= b for a, b in regions):
        return False
    outside = list(raw)
    for a, b in regions:
        outside[a:b] = " " * (b - a)
    return len([w for w in "".join(outside).split() if any(ch.isalnum() for ch in w)]) >= 2


def find_frames(n: Normalised, rules: Rules) -> Frames:
    """Locate every frame of the lexicons in the message."""
    spans: dict[str, list[tuple[int, int]]] = {}
    text = n.key.text
    for i in candidates(rules.frame_index, n.words):
        group = rules.frames[i]
        found = [(m.start(), m.end()) for m in group.regex.finditer(text)]
        if found:
            spans[group.name] = found
    return Frames(spans, n.key)


def detect(n: Normalised, rules: Rules) -> tuple[list[Signal], Frames]:
    """Run every per-message detector; return all signals (active and suppressed)."""
    from causette.safety.detectors import age, cues, hate, pii, spam

    frames = find_frames(n, rules)
    signals: list[Signal] = []
    signals.extend(hate.detect(n, rules, frames))
    signals.extend(cues.detect(n, rules, frames))
    signals.extend(pii.detect(n, rules, frames))
    signals.extend(spam.detect(n, rules, frames))
    signals.extend(age.detect(n, rules, frames))
    return signals, frames
