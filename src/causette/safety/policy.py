"""Policy: from signals and context to an action, with reasons.

Owns: the action ladder (allow < warn < mask < hold < block), :class:`Reason`,
:class:`Proposal` and the per-signal rules below. Rules:

- Each active signal may propose an action; the strictest proposal wins, and every
  proposal's reason is kept (for the sender, the moderators and ``explain``).
- Per signal: hate and strong insults are masked; threats held (doxxing threats
  blocked); urging self-harm held; scams blocked; links from very fresh accounts held;
  sexual solicitation blocked when a minor may be involved and masked in public rooms;
  personal data masked when it comes from a fresh account, goes to or from a possible
  minor across the age line, is posted in a public room, or is an address given while an
  ambush is suspected. A shop's number, mild swearing and identity words propose nothing.
- Conversation risk (state) adds ``warn`` (a safety card for the person at risk) past the
  warn line and escalation past the escalate line; grooming escalation with a possible
  minor freezes the conversation (``hold``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

ACTIONS = ("allow", "warn", "mask", "hold", "block")
SEVERITY = {a: i for i, a in enumerate(ACTIONS)}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something was decided: a stable code, its parameters, and FR/EN text."""

    code: str
    params: dict[str, str] = field(default_factory=dict)
    fr: str = ""
    en: str = ""


@dataclass(slots=True)
class Proposal:
    """An action one rule asks for, the raw spans to mask, and why."""

    action: str
    reason: Reason
    spans: list[tuple[int, int]] = field(default_factory=list)


def strictest(proposals: list[Proposal]) -> str:
    """The strictest action among the proposals (``allow`` if none)."""
    if not proposals:
        return "allow"
    return max((p.action for p in proposals), key=SEVERITY.__getitem__)


def mask_text(raw: str, spans: list[tuple[int, int]]) -> str:
    """Replace every span with asterisks, keeping spaces so the text stays readable."""
    if not spans:
        return raw
    chars = list(raw)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            if not chars[i].isspace():
                chars[i] = "*"
    return "".join(chars)


PII_MASKABLE_IN_ROOM = frozenset(
    {"phone", "email", "address", "door_code", "school", "floor", "handle"}
)
PII_FRESH = frozenset({"phone", "email", "address", "door_code", "floor", "handle"})
PII_AMBUSH = frozenset({"address", "door_code", "floor", "phone"})
# Moving to another app is the first step of grooming: between teens (whose ages are only
# declared) a Snapchat or Instagram handle is masked even in a private conversation.
PII_BETWEEN_MINORS = frozenset({"handle"})


def pii_reason(
    kind: str, *, room: bool, fresh: bool, age_line: bool, ambush: bool, minor: bool = False
) -> str | None:
    """Why a piece of personal data must be masked, or None to let it through.

    ``minor``: a possible minor sends it or is in the conversation (the teen space)."""
    if age_line or (minor and kind in PII_BETWEEN_MINORS):
        return "minor"
    if ambush and kind in PII_AMBUSH:
        return "ambush"
    if fresh and kind in PII_FRESH:
        return "fresh_account"
    if room and kind in PII_MASKABLE_IN_ROOM:
        return "public_room"
    return None


WHY_TEXT = {
    "minor": ("échange avec une personne mineure", "exchange with a minor"),
    "ambush": ("signes de guet-apens", "ambush red flags"),
    "fresh_account": ("compte créé il y a peu", "very new account"),
    "public_room": ("salon public", "public room"),
}


class _Signal(Protocol):
    """What the policy reads from a detector signal."""

    @property
    def name(self) -> str: ...
    @property
    def span(self) -> tuple[int, int] | None: ...
    @property
    def params(self) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """The context the per-signal rules need about one message."""

    room: bool
    fresh: bool  # sender account younger than policy.fresh_account_s
    very_fresh: bool  # younger than policy.very_fresh_account_s
    minor_involved: bool  # a possible minor sends or is in the conversation


ReasonFactory = Callable[..., Reason]


def signal_proposals(
    active: Iterable[_Signal], facts: MessageFacts, reason: ReasonFactory
) -> tuple[list[str], list[Proposal]]:
    """Labels and proposals for hate, insults, threats, self-harm, sexual talk and spam."""
    labels: list[str] = []
    out: list[Proposal] = []
    names: set[str] = set()
    for s in active:
        names.add(s.name)
        spans = [s.span] if s.span else []
        cat = s.name.split(".", 1)[0]
        if cat == "hate":
            labels.append(s.name)
            out.append(Proposal("mask", reason("hate.slur", **s.params), spans))
        elif s.name == "harassment.insult":
            labels.append(s.name)
            out.append(Proposal("mask", reason("harassment.insult"), spans))
        elif s.name == "harassment.self_harm":
            labels.append(s.name)
            out.append(Proposal("hold", reason("harassment.self_harm")))
        elif s.name == "threat.violence":
            labels.append(s.name)
            out.append(Proposal("hold", reason("threat.violence")))
        elif s.name == "threat.doxxing":
            labels.append(s.name)
            out.append(Proposal("block", reason("threat.doxxing")))
        elif s.name == "sexual.solicitation":
            labels.append(s.name)
            if facts.minor_involved:
                out.append(Proposal("block", reason("sexual.minor")))
            elif facts.room:
                out.append(Proposal("mask", reason("sexual.room"), spans))
    scam = "spam.scam" in names
    link = "spam.link" in names
    if scam:
        labels.append("spam.scam")
        out.append(Proposal("block" if (link or facts.fresh) else "hold", reason("spam.scam")))
    elif link and (facts.very_fresh or (facts.fresh and facts.room)):
        labels.append("spam.link")
        out.append(Proposal("hold", reason("spam.link")))
    return labels, out
