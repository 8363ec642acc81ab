"""The safety engine in the live chat: every message is judged before anyone receives it.

Owns the translation between the chat's world (chatters, channels, device cookies, account
ages, fresh-account limits) and the engine's (``MessageContext`` -> ``Decision``), and the
outcome the chat service applies (``Verdict``). Rules:

- The engine decides first; nothing is stored or delivered before ``check`` returns.
- Engine names are pseudonyms (they are unique among online chatters); the verdict maps the
  engine's card target back to a chatter id, so only that person sees the card.
- Fresh accounts (younger than ``fresh_account_s``) may not post links, and open at most
  ``fresh_new_pm_max`` private conversations: refusals the chatter is told about, with
  the reason, never a silent drop.
- The device key is a keyed hash of the browser's persistent token and the IP prefix: the
  same browser behind several pseudonyms is one key; nobody ever sees it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from causette.core.errors import ChatError, ErrorCode
from causette.safety.detectors import detect
from causette.safety.engine import Decision, MessageContext, SafetyEngine
from causette.safety.policy import Reason
from causette.settings import Settings

log = logging.getLogger(__name__)

_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]{2,}\.(?:com|fr|net|org|io|gg|ly|me)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Party:
    """What the gate needs to know about a chatter."""

    id: str
    pseudonym: str
    age: int
    account_age_s: float
    device: str


@dataclass(frozen=True, slots=True)
class Verdict:
    action: str  # allow | warn | mask | hold | block
    text: str | None  # what to deliver (masked), None for hold/block
    reasons: tuple[Reason, ...]
    labels: tuple[str, ...]
    risk: dict[str, float]
    escalated_now: bool
    card_kind: str | None = None
    card_target: str | None = None  # a chatter id
    card_about: str | None = None  # the pseudonym the card warns about
    disclosed_age: int | None = None  # the sender stated an age contradicting theirs
    age_sure: bool = False  # an explicit statement (may end a session), not a mere cue
    escalated_for: tuple[str, ...] = ()  # why the conversation is escalated, first first

    @property
    def delivered(self) -> bool:
        return self.action in ("allow", "warn", "mask")


def reason_text(reasons: tuple[Reason, ...], lang: str) -> str:
    texts = [r.en if lang == "en" else r.fr for r in reasons if (r.en if lang == "en" else r.fr)]
    return " ".join(texts)


_SEPARATORS = re.compile(r"[_\-]+")
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-Z])")


class SafetyGate:
    """Reads the fresh-account limits from the live settings (an operator may change them)."""

    def __init__(self, engine: SafetyEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    def is_fresh(self, sender: Party) -> bool:
        return sender.account_age_s < self.settings.fresh_account_s

    def check_pseudonym(self, name: str) -> None:
        """Refuse (``pseudonym_refused``) a name holding a slur or a hateful phrase: the
        engine's detectors read it as words ("SalePD" as "Sale PD", "sale_pd" as "sale pd");
        self-designation stays allowed ("pd_et_fier"), as in messages."""
        # Read as the chatter speaking of themself: a name is a self-designation.
        words = "je suis " + _CAMEL.sub(" ", _SEPARATORS.sub(" ", name))
        signals, _ = detect(self.engine.normaliser.normalise(words), self.engine.rules)
        if any(s.active and s.name.startswith(("hate.", "sexual.")) for s in signals):
            raise ChatError(ErrorCode.PSEUDONYM_REFUSED)

    def check(
        self,
        *,
        sender: Party,
        channel: str,
        text: str,
        now: float,
        recipient: Party | None = None,
        resolve: Callable[[str], str | None] | None = None,
    ) -> Verdict:
        """Judge one message. ``resolve`` maps a pseudonym to a chatter id (for a card's
        target in a room); it is only called when the engine asks for a card."""
        if self.is_fresh(sender) and _LINK.search(text):
            raise ChatError(ErrorCode.FRESH_NO_LINKS)
        context = MessageContext(
            conversation=channel,
            sender=sender.pseudonym,
            text=text,
            to=recipient.pseudonym if recipient is not None else "#" + channel,
            sender_age=sender.age,
            recipient_age=recipient.age if recipient is not None else None,
            sender_account_age_s=sender.account_age_s,
            sender_device=sender.device,
        )
        decision = self.engine.evaluate(context, now)
        if decision.failure is not None:
            log.error(
                "safety engine failed on a message from %s in %s; held: %s",
                sender.id,
                channel,
                decision.failure,
            )
        return self._verdict(decision, sender, recipient, resolve)

    @staticmethod
    def _verdict(
        decision: Decision,
        sender: Party,
        recipient: Party | None,
        resolve: Callable[[str], str | None] | None,
    ) -> Verdict:
        card_kind = card_target = card_about = None
        if decision.card is not None:
            name = decision.card.target
            target: str | None = None
            if recipient is not None and name == recipient.pseudonym:
                target, card_about = recipient.id, sender.pseudonym
            elif name == sender.pseudonym and recipient is not None:
                # The sender may be the one at risk: someone about to give their address to
                # a suspected lure is asked to think twice, about the other person (a card
                # names whom to block or report, so only in a private conversation).
                target, card_about = sender.id, recipient.pseudonym
            elif resolve is not None and name != sender.pseudonym:
                target, card_about = resolve(name), sender.pseudonym
            if target is not None:
                card_kind, card_target = decision.card.kind, target
        disclosed = None
        sure = False
        if decision.age_disclosure is not None and decision.age_disclosure.pseudonym == (
            sender.pseudonym
        ):
            disclosed = decision.age_disclosure.disclosed_age
            sure = decision.age_disclosure.sure
        return Verdict(
            action=decision.action,
            text=decision.text,
            reasons=decision.reasons,
            labels=decision.labels,
            risk=dict(decision.risk),
            escalated_now=decision.escalated_now,
            escalated_for=decision.escalated_for,
            card_kind=card_kind,
            card_target=card_target,
            card_about=card_about,
            disclosed_age=disclosed,
            age_sure=sure,
        )
