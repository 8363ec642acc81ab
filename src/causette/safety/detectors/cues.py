"""Phrase cues: grooming stages, ambush red flags, threats, self-harm urging, sexual
solicitation and scam wording.

Owns: one signal per cue group that matches a message (the group's name is the signal's
name, e.g. ``grooming.secrecy``, ``ambush.come_alone``, ``shared.meeting``). Rules: cues
are evidence for the conversation state, not verdicts; ``threat.violence`` is suppressed
in a game or banter frame ("je vais te tuer à Fortnite mdr").
"""

from __future__ import annotations

from causette.safety.detectors import Frames, Signal
from causette.safety.normalise import Normalised
from causette.safety.rules import Rules, candidates


def detect(n: Normalised, rules: Rules, frames: Frames) -> list[Signal]:
    """One signal per cue group that matches the ``key`` form of the message."""
    text = n.key.text
    out: list[Signal] = []
    for i in candidates(rules.cue_index, n.words):
        group = rules.cues[i]
        m = group.regex.search(text)
        if m is None:
            continue
        why = None
        if group.name == "threat.violence" and (frames.has("game") or frames.has("banter")):
            why = "game" if frames.has("game") else "banter"
        out.append(Signal(group.name, n.key.span(m.start(), m.end()), m.group(), {}, why))
    return out
