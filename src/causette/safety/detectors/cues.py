"""Phrase cues: grooming stages, ambush red flags, threats, self-harm urging, sexual
solicitation and scam wording.

Owns: one signal per cue group that matches a message (the group's name is the signal's
name, e.g. ``grooming.secrecy``, ``ambush.come_alone``, ``shared.meeting``). Rules: cues
are evidence for the conversation state, not verdicts; ``threat.violence`` is suppressed
in a game or banter frame ("je vais te tuer à Fortnite mdr"). A threat or an urge to
self-harm that the speaker quotes ("she wrote 'kys' under my video", « ils disent "t'es
mort" dans la vidéo ») or reports ("he told me he'd find me") is not theirs: suppressed as
``quoted`` or ``reported`` (the engine reads a quotation from someone already hostile in
the conversation as their own).
"""

from __future__ import annotations

from causette.safety.detectors import Frames, Signal, quoted_in_words
from causette.safety.normalise import Normalised
from causette.safety.rules import Rules, candidates

_SPOKEN_FOR_OTHERS = frozenset({"threat.violence", "threat.doxxing", "harassment.self_harm"})


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
        span = n.key.span(m.start(), m.end())
        if group.name == "threat.violence" and (frames.has("game") or frames.has("banter")):
            why = "game" if frames.has("game") else "banter"
        elif group.name in _SPOKEN_FOR_OTHERS:
            if quoted_in_words(n.raw, *span):
                why = "quoted"
            elif frames.before("reported", span[0] + 1) or frames.before("quoting", span[0] + 1):
                why = "reported"
        out.append(Signal(group.name, span, m.group(), {}, why))
    return out
