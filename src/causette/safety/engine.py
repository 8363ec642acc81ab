"""The engine facade: one call per message, in order, with the time passed in.

Owns: :class:`MessageContext`, :class:`Decision`, :class:`Card`, :class:`AgeDisclosure`
and :class:`SafetyEngine`. Theory of operation, per message:

1. normalise the text; run the per-message detectors (``detectors``);
2. read text split across the sender's consecutive messages (slurs, phone numbers);
3. update the conversation, user and device state (cues, ages, hostility, floods);
4. recompute the conversation's grooming and ambush risk from its cue hits and context;
5. let the policy turn signals and risk into proposals; the strictest wins; mask spans;
6. escalate (and for grooming with a possible minor, freeze) past the thresholds: a
   private conversation is frozen as a pair; in a room only the suspect's messages are
   held (risk belongs to a speaker); a moderator may ``clear`` either.

Ages: only an explicit statement is ``sure`` (and may end a session); a school year or a
bare number is a cue that raises the risk and does nothing to the speaker.

Rules: pure (no I/O, clock or randomness); never raises on any text; the engine owns its
state maps, which the server may export and import (``export_state``/``import_state``)
and evict (``forget_idle``).
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from typing import Any

import orjson

from causette.safety.detectors import Frames, Signal, detect
from causette.safety.detectors import hate as hate_detector
from causette.safety.detectors.pii import find_phones
from causette.safety.model import (
    MESSAGE_HEADS,
    LearnedLayer,
    SpeakerContext,
    SpeakerSummary,
    conversation_features,
    load_learned,
    rule_terms,
)
from causette.safety.normalise import Normalised, Normaliser
from causette.safety.policy import (
    WHY_TEXT,
    MessageFacts,
    Proposal,
    Reason,
    mask_text,
    pii_reason,
    signal_proposals,
    strictest,
)
from causette.safety.rules import CATEGORIES, Rules, load_rules
from causette.safety.state import (
    ConversationState,
    DeviceState,
    Participant,
    Tail,
    UserState,
)


@dataclass(frozen=True, slots=True)
class MessageContext:
    """One message as the server (or the scorer) sees it."""

    conversation: str
    sender: str
    text: str
    to: str  # a pseudonym (private message) or "#room"
    sender_age: int | None = None
    recipient_age: int | None = None
    sender_account_age_s: float | None = None
    sender_device: str | None = None

    @property
    def room(self) -> bool:
        """True for a public room."""
        return self.to.startswith("#")


@dataclass(frozen=True, slots=True)
class Card:
    """A safety card: which kind, and which pseudonym should see it."""

    kind: str  # "grooming" | "ambush"
    target: str


@dataclass(frozen=True, slots=True)
class AgeDisclosure:
    """Someone stated an age that contradicts the age they declared.

    ``sure`` only for an explicit statement ("j'ai 13 ans", or a number given in answer to
    an age question): only that may end a session or move someone out of a space. A cue (a
    school year, a bare number) raises the risk and alerts, and does nothing to the speaker.
    """

    pseudonym: str
    disclosed_age: int
    declared_age: int | None
    sure: bool = True


@dataclass(frozen=True, slots=True)
class LearnedNote:
    """What the learned layer saw in one message: head probabilities, and the sender's
    conversation risk per category with the features it was computed from."""

    probs: dict[str, float]
    risk: dict[str, float]
    features: list[float]


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one message, and why."""

    action: str  # allow | warn | mask | hold | block
    labels: tuple[str, ...]
    reasons: tuple[Reason, ...]
    text: str | None  # what to deliver (masked), None for hold and block
    escalate: bool  # the conversation is escalated (as of this message)
    escalated_now: bool  # this message crossed the line
    risk: dict[str, float]
    card: Card | None = None
    age_disclosure: AgeDisclosure | None = None
    signals: tuple[Signal, ...] = ()  # everything detected, incl. suppressed (explain)
    notes: tuple[tuple[str, float, str | None], ...] = ()  # (risk, raw score, from whom)
    learned: LearnedNote | None = None  # the learned layer's view (explain)
    escalated_for: tuple[str, ...] = ()  # the categories the conversation is escalated for
    failure: str | None = None  # the engine failed: held unjudged, with the traceback to log

    @property
    def categories(self) -> tuple[str, ...]:
        """The contract categories of this decision's labels."""
        return tuple(sorted({lab.split(".", 1)[0] for lab in self.labels}))


_REPLY_AGE = re.compile(
    r"^(?:moi |j ai |jai |i m |im )?(\d{1,2})(?: ans| an| yo| y o| years?)?"
    r"(?: et toi| toi| et vous| you| u| wbu| hbu| and you)?$"
)
_PII_KINDS = {
    "pii.phone",
    "pii.email",
    "pii.address",
    "pii.door_code",
    "pii.floor",
    "pii.school",
    "pii.handle",
}
_DIGIT = re.compile(r"\d")
_CUE_PREFIXES = ("grooming.", "ambush.", "shared.", "sexual.solicitation")
# Pushes: every occurrence counts as news (a repeated request still deserves a card).
_PUSHES = frozenset(
    {"grooming.picture_request", "shared.meeting", "shared.off_platform", "sexual.solicitation"}
)
_FIRST_ASKS = frozenset({"shared.off_platform", "shared.meeting"})
_COURTING = {
    "grooming.flattery",
    "shared.meeting",
    "ambush.discretion",
    "ambush.urgency",
    "ambush.come_alone",
    "grooming.maturity",
}


# A speaker the conversation model already suspects of a harm is acted on at this share
# of the message head's threshold (never below 0.5).
SUSPECTED_LINE = 0.75
# Friends joking: a threat within this many seconds of laughter or a game in the same
# conversation, from someone who has not been hostile there and has not been pushed back
# on, is read in that frame, as a threat in a laughing message already is (issue 13).
BANTER_CONTEXT_S = 180.0
_LAUGHTER = frozenset("😂🤣😭💀😆😹😜😝🙃")
# Threat-like signals a speaker may quote or report without making them.
_QUOTABLE = frozenset({"threat.violence", "threat.doxxing", "harassment.self_harm"})

# The message heads whose strongest messages from the others make a pile-on.
_HOSTILE = tuple(MESSAGE_HEADS.index(h) for h in ("hate", "harassment", "threat"))


@dataclass(frozen=True, slots=True)
class TraceRow:
    """One message's learned-layer inputs, recorded for training."""

    conversation: str
    sender: str
    index: int
    features: list[float]  # the sender's conversation features after this message
    probs: dict[str, float]  # the message model's head probabilities
    minor_near: bool  # a possible minor is in the conversation
    room: bool
    age_line: bool  # an adult and a possible minor face each other (gates sexual holds)


@dataclass(frozen=True, slots=True)
class _Turn:
    """One message being decided, with what the rules already worked out about it."""

    conv: ConversationState
    msg: MessageContext
    n: Normalised
    now: float
    index: int
    sender: Participant
    partner: Participant | None
    minor_in_conv: bool
    age_line: bool  # an adult and a possible minor face each other
    found: list[str]  # the rules' active signals on this message alone


def risk_of(raw: float, escalate: float) -> float:
    """Map a raw score to [0, 1): 0.5 at the escalation line."""
    return round(raw / (raw + escalate), 4) if raw > 0 else 0.0


@dataclass
class SafetyEngine:
    """The safety engine. Build with :meth:`load`; call :meth:`evaluate` per message."""

    rules: Rules
    learned: LearnedLayer | None = None
    normaliser: Normaliser = field(init=False)
    conversations: dict[str, ConversationState] = field(default_factory=dict)
    users: dict[str, UserState] = field(default_factory=dict)
    devices: dict[str, DeviceState] = field(default_factory=dict)
    # Training only: when a list, each message's learned-layer inputs are appended to it
    # (``train.py`` fits the conversation model and the thresholds on them).
    trace: list[TraceRow] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.normaliser = Normaliser(self.rules.tables)

    @classmethod
    def load(cls, *, learned: bool = True) -> SafetyEngine:
        """An engine over the packaged, validated data files (raises RulesError), with the
        shipped learned layer unless ``learned`` is False (the rules alone)."""
        return cls(load_rules(), load_learned() if learned else None)

    # -- state management ----------------------------------------------------------------
    def export_state(self) -> dict[str, Any]:
        """All state as JSON-ready data."""
        data: dict[str, Any] = orjson.loads(self.export_state_json())
        return data

    def export_state_json(self) -> bytes:
        """All state as JSON, encoded straight from the state objects: orjson walks the
        dataclasses in C, where ``dataclasses.asdict`` copied them in Python (at 18,000
        chatters that copy held the event loop for ~60 ms every snapshot)."""
        return orjson.dumps(
            {"conversations": self.conversations, "users": self.users, "devices": self.devices}
        )

    def import_state(self, data: dict[str, Any]) -> None:
        """Restore state exported by :meth:`export_state`."""
        self.conversations = {
            k: ConversationState.from_dict(v) for k, v in data.get("conversations", {}).items()
        }
        self.users = {k: UserState.from_dict(v) for k, v in data.get("users", {}).items()}
        self.devices = {k: DeviceState.from_dict(v) for k, v in data.get("devices", {}).items()}

    def clear(self, conversation: str, speaker: str | None = None) -> bool:
        """A moderator found nothing wrong: unfreeze ``conversation`` (or, in a room, just
        ``speaker``'s messages). The escalation stays on record and is not raised again for
        what was already seen. False if there was nothing to clear."""
        conv = self.conversations.get(conversation)
        if conv is None:
            return False
        cleared = conv.frozen or (speaker is not None and speaker in conv.frozen_speakers)
        if conv.frozen:
            conv.cleared = True
        conv.frozen = False
        if speaker is not None and speaker in conv.frozen_speakers:
            conv.frozen_speakers.remove(speaker)
        return cleared

    def forget_idle(self, now: float) -> int:
        """Drop conversations idle for longer than the state window; return how many."""
        horizon = now - self.rules.policy.state_window_s
        idle = [k for k, c in self.conversations.items() if c.last_ts < horizon]
        for k in idle:
            del self.conversations[k]
        return len(idle)

    def reason(self, code: str, **params: str) -> Reason:
        """A reason with its French and English text filled in."""
        texts = self.rules.reasons.get(code, {"fr": code, "en": code})
        try:
            fr, en = texts["fr"].format(**params), texts["en"].format(**params)
        except (KeyError, IndexError):
            fr, en = texts["fr"], texts["en"]
        return Reason(code, dict(params), fr, en)

    # -- the one entry point -------------------------------------------------------------
    def evaluate(self, msg: MessageContext, now: float) -> Decision:
        """Decide what to do with ``msg`` sent at ``now`` (seconds), updating state."""
        try:
            return self._evaluate(msg, now)
        except Exception as exc:  # a last resort: never deliver a message nobody judged
            # The message is held for a moderator, and the failure travels with the
            # decision: this module does no I/O, the shell logs it.
            reason = self.reason("conversation.frozen")
            return Decision(
                "hold",
                (),
                (reason,),
                None,
                False,
                False,
                {"grooming": 0.0, "ambush": 0.0},
                failure="".join(traceback.format_exception(exc)).strip(),
            )

    def _evaluate(self, msg: MessageContext, now: float) -> Decision:
        policy = self.rules.policy
        conv = self.conversations.get(msg.conversation)
        if conv is None:
            conv = self.conversations[msg.conversation] = ConversationState(
                msg.conversation, room=msg.room
            )
        index = conv.messages
        conv.messages += 1
        conv.last_ts = now
        conv.prune(now, policy)
        sender = conv.participant(msg.sender, policy)
        sender.messages += 1
        if msg.sender_age is not None:
            sender.declared_age = msg.sender_age
        if msg.sender_account_age_s is not None:
            sender.account_age_s = msg.sender_account_age_s
        if msg.sender_device:
            sender.device = msg.sender_device
        if not msg.room:
            other = conv.participant(msg.to, policy)
            if msg.recipient_age is not None and other.declared_age is None:
                other.declared_age = msg.recipient_age
        user = self.users.get(msg.sender)
        if user is None:
            user = self.users[msg.sender] = UserState(msg.sender)
        device = None
        if msg.sender_device:
            user.device = msg.sender_device
            device = self.devices.get(msg.sender_device)
            if device is None:
                device = self.devices[msg.sender_device] = DeviceState(msg.sender_device)
            device.seen(msg.sender, now, policy)

        n = self.normaliser.normalise(msg.text)
        signals, frames = detect(n, self.rules)
        found = [s.name for s in signals if s.active]  # this message's own, for the model
        signals.extend(self._split_signals(conv, msg, n, now))
        active = [s for s in signals if s.active]
        names = {s.name for s in active}
        labels: list[str] = []
        proposals: list[Proposal] = []

        # ---- ages ---------------------------------------------------------------------
        disclosure = self._age(conv, msg, n, active, index)
        if disclosure is not None:
            if disclosure.disclosed_age < 18:
                if sender.disclosed_age is None or disclosure.disclosed_age < sender.disclosed_age:
                    sender.disclosed_age = disclosure.disclosed_age
                if disclosure.declared_age is not None and disclosure.declared_age >= 18:
                    labels.append("minor.disclosed_age")
                conv.hit(
                    "context",
                    self._other(conv, msg.sender) or msg.sender,
                    "context.age_disclosed_minor",
                    index,
                    now,
                )
            else:
                if sender.disclosed_age is None:
                    sender.disclosed_age = disclosure.disclosed_age
                if disclosure.declared_age is not None and disclosure.declared_age < 18:
                    labels.append("minor.adult_disclosed")
                    conv.hit("context", msg.sender, "context.adult_in_teen_space", index, now)
        if any(s.name.startswith("grooming.age_probe") for s in active):
            conv.last_probe = [msg.sender, index]
        if "ambush.address_request" in names:
            conv.address_asked = [msg.sender, index]

        # ---- cues into the conversation -------------------------------------------------
        new_cues: list[str] = []
        first_asks: list[str] = []
        for s in active:
            if not s.name.startswith(_CUE_PREFIXES):
                continue
            is_new = conv.hit("cues", msg.sender, s.name, index, now)
            if is_new or s.name in _PUSHES:
                new_cues.append(s.name)
            if is_new and s.name in _FIRST_ASKS:
                first_asks.append(s.name)
        if device is not None and not msg.room and names & _COURTING:
            device.court(msg.to, now, policy)
            if device.suspicious(policy) and conv.hit(
                "context", msg.sender, "context.multi_pseudonym", index, now
            ):
                new_cues.append("context.multi_pseudonym")
        if frames.has("public_place") and "shared.meeting" in names:
            conv.hit("context", msg.sender, "context.public_place", index, now)

        minor_in_conv = bool(conv.minors()) or (
            msg.recipient_age is not None and msg.recipient_age < 18
        )
        other_name = self._other(conv, msg.sender)
        partner = conv.participants.get(other_name) if other_name else None
        age_line = (sender.adult() and partner is not None and partner.possible_minor()) or (
            sender.possible_minor() and partner is not None and partner.adult()
        )
        signals = self._reframe(conv, msg, frames, signals, now, age_line=age_line)
        active = [s for s in signals if s.active]
        names = {s.name for s in active}
        if frames.has("banter") or frames.has("game") or _LAUGHTER.intersection(msg.text):
            conv.banter_at = now

        # ---- personal data --------------------------------------------------------------
        pre_ambush, lure = conv.ambush_score(policy)
        for s in signals:
            if (
                s.name == "pii.address"
                and s.suppressed_by == "no_residence"
                and (conv.address_asked is not None and conv.address_asked[0] != msg.sender)
            ):
                active.append(Signal(s.name, s.span, s.evidence, s.params))
        fresh = (
            msg.sender_account_age_s is not None
            and msg.sender_account_age_s < policy.fresh_account_s
        )
        # A shop's number is not doxxing ("la pharmacie, c'est le 01..."), but only the
        # speaker's own words make it a shop's: a helpline named by someone else does not
        # unmask a child's number. Never in the teen space or from a fresh account, where a
        # "business" is the usual cover for moving someone elsewhere.
        business_ok = not fresh and not sender.possible_minor()
        if not business_ok:
            active.extend(
                Signal(s.name, s.span, s.evidence, s.params)
                for s in signals
                if s.suppressed_by == "business" and s.name.startswith("pii.")
            )
        for s in active:
            if s.name not in _PII_KINDS:
                continue
            kind = s.name.split(".", 1)[1]
            labels.append(s.name)
            ambush_ctx = (
                pre_ambush >= policy.ambush.warn and lure is not None and (lure != msg.sender)
            )
            grooming_ctx = conv.grooming_raw >= policy.grooming.warn and minor_in_conv
            why = pii_reason(
                # A bare "@name" is as often someone in the room being addressed as a
                # handle elsewhere: the policy weighs it as a mention.
                "mention" if kind == "handle" and s.params.get("how") == "at" else kind,
                room=msg.room,
                fresh=fresh,
                age_line=age_line or grooming_ctx,
                ambush=ambush_ctx,
                minor=minor_in_conv or sender.possible_minor(),
            )
            if (
                kind in ("address", "door_code", "floor")
                and lure is not None
                and (lure != msg.sender)
            ):
                conv.hit("context", lure, "context.address_given", index, now)
            if why is not None and s.span is not None:
                fr, en = WHY_TEXT[why]
                r = self.reason("pii.masked", kind=kind, why=en)
                r = Reason(r.code, {"kind": kind, "why": why}, r.fr.replace(en, fr), r.en)
                proposals.append(Proposal("mask", r, [s.span]))
                if why == "minor" and sender.possible_minor():
                    conv.hit(
                        "context",
                        other_name or msg.sender,
                        "context.minor_contact_shared",
                        index,
                        now,
                    )

        # ---- hate, insults, threats, sexual, scams (policy.signal_proposals) -------------
        very_fresh = (
            msg.sender_account_age_s is not None
            and msg.sender_account_age_s < policy.very_fresh_account_s
        )
        facts = MessageFacts(
            room=msg.room,
            fresh=fresh,
            very_fresh=very_fresh,
            minor_involved=minor_in_conv or sender.possible_minor(),
        )
        got_labels, got = signal_proposals(active, facts, self.reason)
        labels.extend(got_labels)
        proposals.extend(got)
        hostile = [
            s
            for s in active
            if s.name.split(".", 1)[0] in ("hate", "harassment") or s.name.startswith("threat.")
        ]
        # Mild insults ("ferme ta gueule") are banter between friends, but they keep
        # counting towards repeated targeting once the sender has been hostile here.
        if (
            not hostile
            and "context.mild_insult" in names
            and conv.hostility.get(msg.sender, 0) > 0
            and not frames.has("banter")
        ):
            hostile = [s for s in active if s.name == "context.mild_insult"]
        if hostile:
            count = user.hostile_to(msg.to, policy)
            conv.hostility[msg.sender] = conv.hostility.get(msg.sender, 0) + 1
            has_hate = any(s.name.startswith("hate.") for s in hostile)
            if has_hate and count >= policy.hate_escalate:
                self._rule_escalate(conv, index, "hate", msg.sender)
                proposals.append(Proposal("mask", self.reason("hate.repeated")))
            if count >= policy.harassment_escalate:
                self._rule_escalate(conv, index, "harassment", msg.sender)
                labels.append("harassment.repeated")
                proposals.append(Proposal("hold", self.reason("harassment.repeated")))
        if any(s.name.startswith("threat.") for s in hostile):
            self._rule_escalate(conv, index, "threat", msg.sender)
        repeats = user.remember(now, n.key.text, policy) if len(n.key.text) >= 4 else 0
        if repeats >= policy.flood_repeats:
            labels.append("spam.flood")
            proposals.append(Proposal("block", self.reason("spam.flood")))

        # ---- conversation risk ----------------------------------------------------------
        g_raw, groomer = conv.grooming_score(policy)
        a_raw, lure = conv.ambush_score(policy)
        conv.grooming_raw, conv.ambush_raw = g_raw, a_raw
        notes = [("grooming", g_raw, groomer), ("ambush", a_raw, lure)]
        card: Card | None = None
        my_grooming = [
            c for c in new_cues if c.startswith(("grooming.", "shared.", "sexual.", "context."))
        ]
        my_ambush = [c for c in new_cues if c.startswith(("ambush.", "shared.", "context."))]
        grooming_side = minor_in_conv and g_raw >= a_raw
        for cue in new_cues:
            cat, detail = cue.split(".", 1)
            if cat == "shared":
                cat = "grooming" if grooming_side else "ambush"
                if cat == "ambush" and a_raw < policy.ambush.warn / 2:
                    continue
            elif (
                cat == "context"
                or (cat == "grooming" and not minor_in_conv)
                or (cat == "ambush" and a_raw < policy.ambush.warn / 2)
            ):
                continue
            labels.append(f"{cat}.{detail}")
        if minor_in_conv and g_raw >= policy.grooming.warn and groomer is not None:
            target = self._at_risk(conv, groomer, msg)
            if g_raw >= policy.grooming.escalate and self._rule_escalate(
                conv, index, "grooming", groomer
            ):
                # Risk belongs to a speaker: a room is not frozen for everyone in it, only
                # the suspect's messages are held; a private conversation is one pair.
                if msg.room:
                    if groomer not in conv.frozen_speakers:
                        conv.frozen_speakers.append(groomer)
                else:
                    conv.frozen = True
                escalation = self.reason(
                    "grooming.escalate", risk=f"{risk_of(g_raw, policy.grooming.escalate)}"
                )
                # In a room, someone else's message (the child answering) is not held for it.
                held = not msg.room or groomer == msg.sender
                proposals.append(Proposal("hold" if held else "warn", escalation))
            if my_grooming or conv.first_alert_index is None:
                card = Card("grooming", target)
                proposals.append(
                    Proposal(
                        "warn", self.reason("grooming.warn", cues=", ".join(my_grooming) or "risk")
                    )
                )
                if not any(lab.startswith("grooming.") for lab in labels):
                    labels.append("grooming.risk")
        if a_raw >= policy.ambush.warn and lure is not None:
            target = msg.to if lure == msg.sender else msg.sender
            if msg.room:
                target = msg.sender if lure != msg.sender else msg.to
            if a_raw >= policy.ambush.escalate and self._rule_escalate(conv, index, "ambush", lure):
                proposals.append(
                    Proposal(
                        "warn",
                        self.reason(
                            "ambush.escalate", risk=f"{risk_of(a_raw, policy.ambush.escalate)}"
                        ),
                    )
                )
            if my_ambush or conv.first_alert_index is None or lure != msg.sender:
                if card is None:
                    card = Card("ambush", target)
                proposals.append(
                    Proposal(
                        "warn", self.reason("ambush.warn", cues=", ".join(my_ambush) or "risk")
                    )
                )
                if not any(lab.startswith("ambush.") for lab in labels):
                    labels.append("ambush.risk")
        # Ages are only declared: a "16-year-old" asking a teen for her number, her Snapchat
        # or a meeting may be anyone. The first such ask shows her a light card (advice, no
        # alert, no hold), whoever asks.
        if (
            card is None
            and first_asks
            and not msg.room
            and partner is not None
            and partner.possible_minor()
            and other_name is not None
        ):
            card = Card("grooming", other_name)
            labels.append("grooming.first_ask")
        learned_note: LearnedNote | None = None
        if self.learned is not None:
            card, learned_note = self._learned(
                self.learned,
                _Turn(conv, msg, n, now, index, sender, partner, minor_in_conv, age_line, found),
                (g_raw, groomer, a_raw, lure),
                labels,
                proposals,
                card,
            )
        escalated_now = conv.escalated and conv.escalated_index == index
        if (conv.frozen or msg.sender in conv.frozen_speakers) and not escalated_now:
            proposals.append(Proposal("hold", self.reason("conversation.frozen")))

        # ---- verdict --------------------------------------------------------------------
        action = strictest(proposals)
        spans = [sp for p in proposals if p.action == "mask" for sp in p.spans]
        text: str | None
        if action in ("hold", "block"):
            text = None
        else:
            text = mask_text(msg.text, spans)
            if action == "warn" and spans:
                action = "mask"
        labels = list(dict.fromkeys(labels))
        # The conversation's categories: those whose rules actually acted on a message.
        for p in proposals:
            cat = p.reason.code.split(".", 1)[0]
            if p.action != "allow" and cat in CATEGORIES:
                conv.add_category(cat)
        for cat in conv.escalation_reasons:
            conv.add_category(cat)
        if conv.first_alert_index is None and (
            conv.escalated or action in ("warn", "hold", "block")
        ):
            conv.first_alert_index = index
        conv.tails[msg.sender] = Tail(now, msg.text[-80:], n.key.text[-80:])
        return Decision(
            action=action,
            labels=tuple(labels),
            reasons=tuple(p.reason for p in proposals),
            text=text,
            escalate=conv.escalated,
            escalated_now=escalated_now,
            risk={
                "grooming": risk_of(g_raw, policy.grooming.escalate),
                "ambush": risk_of(a_raw, policy.ambush.escalate),
            },
            card=card,
            age_disclosure=disclosure,
            signals=tuple(signals),
            notes=tuple(notes),
            learned=learned_note,
            escalated_for=tuple(conv.escalation_reasons),
        )

    # -- the learned layer ---------------------------------------------------------------
    def _speaker_context(
        self, t: _Turn, rules_scores: tuple[float, str | None, float, str | None]
    ) -> SpeakerContext:
        conv, sender, partner = t.conv, t.sender, t.partner
        g_raw, groomer, a_raw, lure = rules_scores
        others = [p for k, p in conv.participants.items() if k != t.msg.sender]
        if partner is not None:
            others = [partner]
        other_age = None
        if partner is not None:
            other_age = (
                partner.disclosed_age if partner.disclosed_age is not None else partner.declared_age
            )
        ctx_hits = conv.context.get(t.msg.sender, {})
        # The others' strongest hostile message each (a room holds at most
        # ``max_participants`` of them): a pile-on is several people at one target.
        hostile = [
            max(summary.top[i] for i in _HOSTILE)
            for name, summary in conv.speakers.items()
            if name != t.msg.sender
        ]
        return SpeakerContext(
            declared_age=sender.declared_age,
            other_age=other_age,
            self_disclosed_minor=sender.disclosed_age is not None and sender.disclosed_age < 18,
            self_disclosed_adult="context.adult_in_teen_space" in ctx_hits,
            other_possible_minor=any(p.possible_minor() for p in others),
            other_disclosed_minor=any(
                p.disclosed_age is not None and p.disclosed_age < 18 for p in others
            ),
            account_age_s=sender.account_age_s,
            room=conv.room,
            multi_pseudonym="context.multi_pseudonym" in ctx_hits,
            rules_grooming=g_raw if groomer == t.msg.sender else 0.0,
            rules_ambush=a_raw if lure == t.msg.sender else 0.0,
            rules_hostile=conv.hostility.get(t.msg.sender, 0),
            rule_flags=tuple(conv.rule_flags.get(t.msg.sender, ())),
            stages=len(conv.cues.get(t.msg.sender, {})),
            others_hostile=max(hostile, default=0.0),
            hostile_company=sum(1 for h in hostile if h >= 0.5),
        )

    def _learned(
        self,
        layer: LearnedLayer,
        t: _Turn,
        rules_scores: tuple[float, str | None, float, str | None],
        labels: list[str],
        proposals: list[Proposal],
        card: Card | None,
    ) -> tuple[Card | None, LearnedNote]:
        """Score the message and the sender's conversation; add labels, proposals, a card.

        Per message, a head past its threshold acts as the rules would for that harm:
        a card for grooming (a possible minor is involved) or an ambush (private talk),
        a hold for hate, harassment, threats, scams and sexual talk reaching a possible
        minor or a room. Per speaker, a conversation probability past its threshold
        escalates (grooming with a possible minor also freezes, as the rules do).
        """
        conv, msg = t.conv, t.msg
        probs = layer.message.score(t.n, rule_terms(t.found))
        summary = conv.speakers.get(msg.sender)
        if summary is None:
            summary = conv.speakers[msg.sender] = SpeakerSummary()
        summary.add(probs, t.now, labels)
        self._credit_pushback(t)
        ctx = self._speaker_context(t, rules_scores)
        minor_near = t.minor_in_conv or ctx.other_possible_minor
        at_risk = msg.to if not msg.room else None
        # Declared minors among themselves: one message on the model's word alone does not
        # silence a child (a friend quoting a creep, "😂😂", a tournament announced); it
        # warns the sender. A pattern holds: the sender already hostile here, pushed back
        # on, or suspected by the conversation model (issue 13: no child held for an
        # ordinary message).
        peers = not t.age_line and all(p.possible_minor() for p in conv.participants.values())
        pattern = conv.hostility.get(msg.sender, 0) > 0 or summary.pushback >= 1.0
        suspected: set[str] = set()
        features = conversation_features(summary, ctx)
        if self.trace is not None:
            self.trace.append(
                TraceRow(
                    conv.conversation,
                    msg.sender,
                    t.index,
                    features,
                    probs,
                    minor_near,
                    msg.room,
                    t.age_line,
                )
            )
        if layer.conversation is not None:
            risk = layer.conversation.probabilities(features)
            conv.learned_risk[msg.sender] = risk
            for head, p in risk.items():
                if p < layer.conversation_thresholds.get(head, 1.1):
                    continue
                # Grooming needs a child: in a room, a possible minor must be there (a long
                # evening of adults' small talk is not grooming); in private talk the child
                # may reveal their age sideways, after the pattern shows.
                if head == "grooming" and msg.room and not minor_near:
                    continue
                suspected.add(head)
                if self._escalate(conv, t.index, head):
                    code = f"{head}.learned_escalate"
                    proposals.append(Proposal("allow", self.reason(code, risk=f"{p:.2f}")))
                # As with the rules: a grooming escalation freezes a private conversation
                # when a possible minor is in it. Never a room: one speaker's risk must not
                # silence everyone else there (issue 13, item 6).
                # Not again once a moderator lifted it: the risk they judged is the same.
                # Between two declared minors it freezes only on the rules' own evidence
                # against the suspect or an adult cue: two girls talking about a creep must
                # not be silenced by the words they quote, nor classmates by their snaps.
                if (
                    head == "grooming"
                    and minor_near
                    and not msg.room
                    and not conv.frozen
                    and not conv.cleared
                    and self._may_freeze(conv, msg.sender, rules_scores)
                ):
                    conv.frozen = True
                    proposals.append(
                        Proposal("hold", self.reason("grooming.escalate", risk=f"{p:.2f}"))
                    )
        thresholds = layer.message_thresholds
        for head, p in probs.items():
            line = thresholds.get(head, 1.1)
            # A speaker already suspected of this harm gets a card on a weaker sign.
            if head in suspected:
                line = min(line, max(0.5, line * SUSPECTED_LINE))
            if p < line:
                continue
            label = f"{head}.learned"
            alone = "warn" if peers and not pattern and head not in suspected else "hold"
            if head == "grooming":
                target = self._at_risk(conv, msg.sender, msg)
                if card is None:
                    card = Card("grooming", target)
                proposals.append(Proposal("warn", self.reason("grooming.learned", p=f"{p:.2f}")))
            elif head == "ambush":
                if at_risk is None:
                    continue
                if card is None:
                    card = Card("ambush", at_risk)
                proposals.append(Proposal("warn", self.reason("ambush.learned", p=f"{p:.2f}")))
            elif head == "sexual":
                # Towards a child from an adult, or in a room. Between two declared teens
                # ("je t'envoie la photo du cahier sur snap") a hold would punish children
                # for their own talk; an adult posing as a teen is the conversation
                # model's to catch.
                if not (t.age_line or msg.room):
                    continue
                code = "sexual.learned" if alone == "hold" else "sexual.learned_warn"
                proposals.append(Proposal(alone, self.reason(code, p=f"{p:.2f}")))
            else:
                # A warn says so (the message went out, its sender was told), not "held".
                code = label if alone == "hold" else f"{head}.learned_warn"
                proposals.append(Proposal(alone, self.reason(code, p=f"{p:.2f}")))
            labels.append(label)
        return card, LearnedNote(probs, risk, features)

    def _credit_pushback(self, t: _Turn) -> None:
        """A reaction to being hurt ("arrête", "leave me alone") counts against whom it
        answers: the other side of a private conversation, or in a room the last other
        speaker within the split window (the message it most likely answers)."""
        if not self.rules.pushback.search(t.n.key.text):
            return
        conv, msg = t.conv, t.msg
        target: str | None
        if not msg.room:
            target = msg.to
        else:
            recent = [
                (tail.ts, name)
                for name, tail in conv.tails.items()
                if name != msg.sender and t.now - tail.ts <= self.rules.policy.split_window_s
            ]
            target = max(recent)[1] if recent else None
        if target is None or target == msg.sender:
            return
        summary = conv.speakers.get(target)
        if summary is None:
            if target not in conv.participants:
                return
            summary = conv.speakers[target] = SpeakerSummary()
        summary.pushback += 1.0

    # -- helpers -------------------------------------------------------------------------
    def _reframe(
        self,
        conv: ConversationState,
        msg: MessageContext,
        frames: Frames,
        signals: list[Signal],
        now: float,
        *,
        age_line: bool,
    ) -> list[Signal]:
        """Read the message's threats in the conversation's frame.

        A quotation or a report from someone already hostile here is read as their own
        (quoting is not a shield). A threat with no laughter of its own, shortly after
        laughter or a game in the conversation, from someone neither hostile here nor
        pushed back on, and not across the age line, is banter: suppressed as
        ``banter_context``."""
        hostile_before = conv.hostility.get(msg.sender, 0) > 0
        summary = conv.speakers.get(msg.sender)
        pushed_back = summary is not None and summary.pushback >= 1.0
        banter = (
            not hostile_before
            and not pushed_back
            and not age_line
            and now - conv.banter_at <= BANTER_CONTEXT_S
        )
        out = []
        for s in signals:
            if s.name in _QUOTABLE:
                if s.suppressed_by in ("quoted", "reported") and hostile_before:
                    s = Signal(s.name, s.span, s.evidence, s.params)
                elif s.name == "threat.violence" and s.active and banter:
                    s = Signal(s.name, s.span, s.evidence, s.params, "banter_context")
            out.append(s)
        return out

    def _may_freeze(
        self,
        conv: ConversationState,
        suspect: str,
        rules_scores: tuple[float, str | None, float, str | None],
    ) -> bool:
        """A grooming escalation freezes a private conversation, except between declared
        minors where the suspect took no step that gains access to a child (checking she
        is alone, secrecy, gifts, pictures: ``grooming_access_stages``), the rules see
        less than a warning's worth of grooming stages from them (an age question and a
        compliment are also how classmates talk) and there is no adult cue (an age of 18+
        let slip, an adult in the teen space)."""
        p = conv.participants.get(suspect)
        if p is None or not p.possible_minor() or p.adult():
            return True
        policy = self.rules.policy
        if any(stage in conv.cues.get(suspect, {}) for stage in policy.grooming_access_stages):
            return True
        g_raw, groomer = rules_scores[0], rules_scores[1]
        if groomer == suspect and g_raw >= policy.grooming.warn:
            return True
        return "context.adult_in_teen_space" in conv.context.get(suspect, {})

    @staticmethod
    def _other(conv: ConversationState, name: str) -> str | None:
        """The other participant of a private conversation (the most active one)."""
        others = [(p.messages, k) for k, p in conv.participants.items() if k != name]
        return max(others)[1] if others else None

    def _at_risk(self, conv: ConversationState, suspect: str, msg: MessageContext) -> str:
        minors = conv.minors(besides=suspect)
        if minors:
            return msg.to if msg.to in minors else minors[0]
        return msg.to if msg.sender == suspect else msg.sender

    def _rule_escalate(self, conv: ConversationState, index: int, why: str, who: str) -> bool:
        """The rules' escalation. With the rules alone it is final; with a conversation
        model it is one of that model's inputs, and the model (calibrated on authors the
        rules never saw) decides; return True when it escalated now."""
        flags = conv.rule_flags.setdefault(who, [])
        if why not in flags:
            flags.append(why)
        if self.learned is None or self.learned.conversation is None:
            return self._escalate(conv, index, why)
        return False

    @staticmethod
    def _escalate(conv: ConversationState, index: int, why: str) -> bool:
        """Escalate the conversation; return True the first time."""
        if why not in conv.escalation_reasons:
            conv.escalation_reasons.append(why)
        if conv.escalated:
            return False
        conv.escalated = True
        conv.escalated_index = index
        return True

    def _age(
        self,
        conv: ConversationState,
        msg: MessageContext,
        n: Normalised,
        active: list[Signal],
        index: int,
    ) -> AgeDisclosure | None:
        """An age the sender states about themself, if it contradicts their declaration.

        An adult age from a mere cue is dropped: "moi 94" from a 15-year-old is more likely
        her département than her age, and when unsure nothing is done to the speaker."""
        age: int | None = None
        sure = False
        for s in active:
            if s.name == "context.age_disclosed":
                age = int(s.params["age"])
                sure = s.params.get("sure") == "yes"
                break
        answered = False
        if conv.last_probe is not None:
            who, at = conv.last_probe
            answered = who != msg.sender and index - int(at) <= 3
        if age is None and answered:
            m = _REPLY_AGE.match(n.key.text)
            if m is not None and 8 <= int(m.group(1)) <= 99:
                age = int(m.group(1))
        if age is None:
            return None
        # A number given in answer to "t'as quel âge ?" is a statement; a very old age is a
        # joke or something else (a year, a département) however it was said.
        sure = (sure or answered) and age < 70
        declared = msg.sender_age
        if not sure and age >= 18:
            return None
        # A contradiction is one that crosses a line the service draws: 18 (the two spaces)
        # or 15 (no one younger may use it at all).
        crosses_18 = declared is None or (age < 18) != (declared < 18)
        crosses_15 = declared is not None and age < 15 <= declared
        if not (crosses_18 or crosses_15):
            return None
        return AgeDisclosure(msg.sender, age, declared, sure)

    def _split_signals(
        self, conv: ConversationState, msg: MessageContext, n: Normalised, now: float
    ) -> list[Signal]:
        """Slurs and phone numbers spread over the sender's previous message and this one."""
        tail = conv.tails.get(msg.sender)
        if tail is None or now - tail.ts > self.rules.policy.split_window_s:
            return []
        # Split text is short fragments: a word, or pieces of a number. Cheap checks first.
        digits_both = _DIGIT.search(n.digits.text) is not None and (
            self.normaliser.mentions_numbers(tail.raw)
        )
        if not digits_both:
            if len(msg.text) > 16 or len(tail.raw) > 40:
                return []
            spaced = tail.key + " " + n.key.text
            glued = tail.key + n.key.text
            r = self.rules
            if not (
                r.slurs.search(spaced)
                or r.slurs.search(glued)
                or r.strong_insults.search(glued)
                or r.identity_any.search(spaced)
            ):
                return []
        joined_raw = tail.raw + "\n" + msg.text
        offset = len(tail.raw) + 1
        jn = self.normaliser.normalise(joined_raw)
        out: list[Signal] = []
        for start, end, kind in find_phones(jn.digits):
            a, b = jn.digits.span(start, end)
            if a < offset <= b:
                out.append(
                    Signal(
                        "pii.phone",
                        (0, b - offset),
                        joined_raw[a:b],
                        {"type": kind, "split": "yes"},
                    )
                )
        empty = Frames({})
        for s in hate_detector.detect(jn, self.rules, empty):
            if s.span and s.span[0] < offset <= s.span[1] and s.name != "context.mild_insult":
                out.append(
                    Signal(
                        s.name, (0, s.span[1] - offset), s.evidence, {**s.params, "split": "yes"}
                    )
                )
        return out
