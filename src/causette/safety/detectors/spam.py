"""Links.

Owns: ``spam.link`` signals (every URL-like span). Rules: a link is evidence only; the
policy decides from the sender's account age and the scam cues whether it matters.
Flooding (the same text many times) needs history and lives in the state module.
"""

from __future__ import annotations

import re

from causette.safety.detectors import Frames, Signal
from causette.safety.normalise import Normalised
from causette.safety.rules import Rules

_TLDS = "com|fr|net|org|io|gg|ly|xyz|me|tv|live|cam|club|site|online|top|link|co|be|info|biz|ru"
LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b(?:t\.me|bit\.ly|tinyurl\.com|discord\.gg)/\S+"
    rf"|\b[a-z0-9][a-z0-9-]{{1,40}}\.(?:{_TLDS})\b(?:/\S*)?"
)


def detect(n: Normalised, rules: Rules, frames: Frames) -> list[Signal]:
    """Every link in the message."""
    text = n.folded.text
    if "." not in text and "/" not in text:
        return []
    out = []
    for m in LINK.finditer(text):
        if "@" in text[max(0, m.start() - 1) : m.start()]:
            continue  # the domain of an e-mail address
        out.append(Signal("spam.link", n.folded.span(m.start(), m.end()), m.group()))
    return out
