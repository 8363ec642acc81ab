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

from dataclasses import dataclass, field

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


PII_MASKABLE_IN_ROOM = frozenset({"phone", "email", "address", "door_code", "school", "floor"})
PII_FRESH = frozenset({"phone", "email", "address", "door_code", "floor"})
PII_AMBUSH = frozenset({"address", "door_code", "floor", "phone"})


def pii_reason(kind: str, *, room: bool, fresh: bool, age_line: bool, ambush: bool) -> str | None:
    """Why a piece of personal data must be masked, or None to let it through."""
    if age_line:
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
