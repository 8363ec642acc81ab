"""Conversation, user and device state: what the engine remembers between messages.

Owns: :class:`ConversationState`, :class:`UserState`, :class:`DeviceState` and the risk
arithmetic over their cue hits. Rules:

- Plain dataclasses of JSON types; ``to_dict``/``from_dict`` round-trip, so the server can
  persist them across restarts.
- Bounded: cue hits older than ``policy.state_window_s`` are pruned on every update; lists
  and maps are capped (``max_recent``, ``max_recipients``, ``max_pseudonyms``,
  ``max_participants``).
- No clock: every update takes the message's timestamp.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from causette.safety.model import SpeakerSummary
from causette.safety.rules import Policy


@dataclass
class Participant:
    """What one conversation knows about one of its speakers."""

    declared_age: int | None = None
    disclosed_age: int | None = None
    account_age_s: float | None = None
    device: str | None = None
    messages: int = 0

    def possible_minor(self) -> bool:
        """Declared or disclosed under 18."""
        declared, disclosed = self.declared_age, self.disclosed_age
        return (declared is not None and declared < 18) or (
            disclosed is not None and disclosed < 18
        )

    def adult(self) -> bool:
        """Disclosed 18+, or declared 18+ with no disclosure saying otherwise."""
        if self.disclosed_age is not None:
            return self.disclosed_age >= 18
        return self.declared_age is not None and self.declared_age >= 18


@dataclass
class CueHit:
    """A cue seen from one sender: when first and last, how often."""

    first_index: int
    first_ts: float
    last_ts: float
    count: int = 1


@dataclass
class Tail:
    """The sender's previous message, to read text split across messages."""

    ts: float
    raw: str
    key: str = ""


@dataclass
class ConversationState:
    """Everything remembered about one conversation (a private pair or a room)."""

    conversation: str
    room: bool = False
    participants: dict[str, Participant] = field(default_factory=dict)
    cues: dict[str, dict[str, CueHit]] = field(default_factory=dict)  # sender -> cue -> hit
    context: dict[str, dict[str, CueHit]] = field(default_factory=dict)  # sender -> ctx cue
    hostility: dict[str, int] = field(default_factory=dict)  # sender -> hate/insult count
    tails: dict[str, Tail] = field(default_factory=dict)
    last_probe: list[Any] | None = None  # [sender, index] of the last age question
    address_asked: list[Any] | None = None  # [sender, index] of the last address request
    escalated: bool = False
    escalated_index: int | None = None
    escalation_reasons: list[str] = field(default_factory=list)
    frozen: bool = False  # a private conversation: every later message held
    cleared: bool = False  # a moderator lifted the freeze: the same risk does not bring it back
    frozen_speakers: list[str] = field(default_factory=list)  # a room: only theirs held
    first_alert_index: int | None = None
    categories: list[str] = field(default_factory=list)
    messages: int = 0
    last_ts: float = 0.0
    grooming_raw: float = 0.0
    ambush_raw: float = 0.0
    # The learned layer: each speaker's running summary and latest risk per category.
    speakers: dict[str, SpeakerSummary] = field(default_factory=dict)
    learned_risk: dict[str, dict[str, float]] = field(default_factory=dict)
    rule_flags: dict[str, list[str]] = field(default_factory=dict)  # sender -> rules' verdicts
    banter_at: float = -1e9  # the last laughter or game talk here, by anyone (service clock)

    # -- updates -------------------------------------------------------------------------
    def participant(self, name: str, policy: Policy) -> Participant:
        """The participant record, created on first sight (oldest dropped past the cap)."""
        p = self.participants.get(name)
        if p is None:
            if len(self.participants) >= policy.max_participants:
                oldest = min(self.participants, key=lambda k: self.participants[k].messages)
                del self.participants[oldest]
                self.speakers.pop(oldest, None)
                self.learned_risk.pop(oldest, None)
                self.rule_flags.pop(oldest, None)
            p = self.participants[name] = Participant()
        return p

    def hit(self, table: str, sender: str, cue: str, index: int, ts: float) -> bool:
        """Record a cue; return True if it is new for this sender."""
        book = self.cues if table == "cues" else self.context
        mine = book.setdefault(sender, {})
        h = mine.get(cue)
        if h is None:
            mine[cue] = CueHit(index, ts, ts)
            return True
        h.count += 1
        h.last_ts = ts
        return False

    def prune(self, now: float, policy: Policy) -> None:
        """Forget cue hits older than the window."""
        horizon = now - policy.state_window_s
        for book in (self.cues, self.context):
            for sender in list(book):
                hits = book[sender]
                for cue in [c for c, h in hits.items() if h.last_ts < horizon]:
                    del hits[cue]
                if not hits:
                    del book[sender]
        for sender in [s for s, t in self.tails.items() if t.ts < now - policy.split_window_s]:
            del self.tails[sender]

    def add_category(self, category: str) -> None:
        """Record that the conversation showed this category (kept sorted, unique)."""
        if category not in self.categories:
            self.categories.append(category)
            self.categories.sort()

    # -- risk ----------------------------------------------------------------------------
    def _cue_score(self, hits: dict[str, CueHit], weights: dict[str, float], p: Policy) -> float:
        total = 0.0
        for cue, h in hits.items():
            w = weights.get(cue)
            if w is None:
                continue
            total += w + (p.repeat_bonus * min(h.count - 1, p.repeat_cap) if w > 0 else 0.0)
        return total

    def minors(self, besides: str | None = None) -> list[str]:
        """Participants (other than ``besides``) who are possibly minors."""
        return [n for n, p in self.participants.items() if n != besides and p.possible_minor()]

    def grooming_score(self, policy: Policy) -> tuple[float, str | None]:
        """Raw grooming score and the sender it comes from."""
        best, who = 0.0, None
        peer_weights = {**policy.grooming_weights, **policy.grooming_peer_weights}
        for sender, hits in self.cues.items():
            p = self.participants.get(sender)
            others_minor = bool(self.minors(besides=sender))
            ctx_hits = self.context.get(sender, {})
            peer = (
                others_minor
                and p is not None
                and p.possible_minor()
                and "context.adult_in_teen_space" not in ctx_hits
                and "grooming.adult_cues" not in hits
            )
            weights = peer_weights if peer else policy.grooming_weights
            score = self._cue_score(hits, weights, policy)
            score += self._cue_score(ctx_hits, weights, policy)
            ctx = policy.grooming_context
            if p is not None and p.adult() and others_minor:
                factor = ctx["adult_to_minor"]
            elif (others_minor and p is not None and p.possible_minor()) or others_minor:
                factor = ctx["minor_to_minor"]
            else:
                factor = ctx["adults_only"]
            if self.room:
                factor *= ctx["room"]
            if score * factor > best:
                best, who = score * factor, sender
        return best, who

    def ambush_score(self, policy: Policy) -> tuple[float, str | None]:
        """Raw ambush score and the sender (the suspected lure) it comes from."""
        best, who = 0.0, None
        for sender, hits in self.cues.items():
            score = self._cue_score(hits, policy.ambush_weights, policy)
            score += self._cue_score(self.context.get(sender, {}), policy.ambush_weights, policy)
            if score <= 0:
                continue
            p = self.participants.get(sender)
            age = p.account_age_s if p is not None else None
            ctx = policy.ambush_context
            if age is not None and age < policy.very_fresh_account_s:
                factor = ctx["very_fresh"]
            elif age is not None and age < policy.fresh_account_s:
                factor = ctx["fresh"]
            else:
                factor = ctx["established"]
            if self.room:
                factor *= ctx["room"]
            if score * factor > best:
                best, who = score * factor, sender
        return best, who

    # -- one speaker's slice (a room shared across processes) -------------------------------
    def speaker_slice(self, name: str) -> dict[str, Any] | None:
        """What this conversation holds about one speaker alone (JSON-ready), or None if
        it does not know them: in a room, each speaker's part travels with them to another
        process while the room's own counters stay per process."""
        p = self.participants.get(name)
        if p is None:
            return None
        summary = self.speakers.get(name)
        tail = self.tails.get(name)
        return {
            "participant": asdict(p),
            "cues": {c: asdict(h) for c, h in self.cues.get(name, {}).items()},
            "context": {c: asdict(h) for c, h in self.context.get(name, {}).items()},
            "hostility": self.hostility.get(name, 0),
            "tail": asdict(tail) if tail is not None else None,
            "summary": summary.to_dict() if summary is not None else None,
            "learned_risk": dict(self.learned_risk.get(name, {})),
            "rule_flags": list(self.rule_flags.get(name, [])),
            "frozen": name in self.frozen_speakers,
        }

    def put_speaker_slice(self, name: str, part: dict[str, Any], policy: Policy) -> None:
        """Replace what this conversation holds about ``name`` with ``part`` (from
        :meth:`speaker_slice`, maybe on another process). A cleared conversation stays
        cleared: a freeze lifted here is not brought back by an older copy."""
        current = self.participants.get(name)
        p = self.participant(name, policy)
        incoming = Participant(**part["participant"])
        if current is not None:
            # This process's count of the room's messages by them is its own.
            incoming.messages = max(incoming.messages, current.messages)
        p.__dict__.update(incoming.__dict__)
        for book, key in ((self.cues, "cues"), (self.context, "context")):
            hits = {c: CueHit(**h) for c, h in part[key].items()}
            if hits:
                book[name] = hits
            else:
                book.pop(name, None)
        if part["hostility"]:
            self.hostility[name] = int(part["hostility"])
        else:
            self.hostility.pop(name, None)
        if part["tail"] is not None:
            self.tails[name] = Tail(**part["tail"])
        if part["summary"] is not None:
            self.speakers[name] = SpeakerSummary.from_dict(part["summary"])
        if part["learned_risk"]:
            self.learned_risk[name] = dict(part["learned_risk"])
        if part["rule_flags"]:
            self.rule_flags[name] = list(part["rule_flags"])
        if part["frozen"] and not self.cleared and name not in self.frozen_speakers:
            self.frozen_speakers.append(name)
        elif not part["frozen"] and name in self.frozen_speakers:
            self.frozen_speakers.remove(name)

    def put_participant(self, name: str, ages: dict[str, Any], policy: Policy) -> None:
        """Learn a speaker's declared and disclosed ages from another process (a child in
        the room whose messages this process has not seen), keeping what is known here."""
        p = self.participant(name, policy)
        for key in ("declared_age", "disclosed_age"):
            if getattr(p, key) is None and ages.get(key) is not None:
                setattr(p, key, int(ages[key]))

    # -- persistence ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationState:
        """Rebuild from :meth:`to_dict` output."""
        d = dict(data)
        d.pop("business_index", None)  # saved before the business exception became per message
        d["participants"] = {k: Participant(**v) for k, v in d["participants"].items()}
        for book in ("cues", "context"):
            d[book] = {s: {c: CueHit(**h) for c, h in hits.items()} for s, hits in d[book].items()}
        d["tails"] = {k: Tail(**v) for k, v in d["tails"].items()}
        d["speakers"] = {k: SpeakerSummary.from_dict(v) for k, v in d.get("speakers", {}).items()}
        return cls(**d)


@dataclass
class UserState:
    """One pseudonym across conversations: recent texts (floods) and whom it targets."""

    pseudonym: str
    device: str | None = None
    recent: list[list[Any]] = field(default_factory=list)  # [ts, text key]
    hostility: dict[str, int] = field(default_factory=dict)  # target -> count

    def remember(self, ts: float, key: str, policy: Policy) -> int:
        """Record a message; return how many times this text was sent within the window."""
        horizon = ts - policy.flood_window_s
        self.recent = [r for r in self.recent if r[0] >= horizon][-(policy.max_recent - 1) :]
        self.recent.append([ts, key])
        return sum(1 for r in self.recent if r[1] == key)

    def hostile_to(self, target: str, policy: Policy) -> int:
        """Count one more hostile message at ``target``; return the new count."""
        if target not in self.hostility and len(self.hostility) >= policy.max_recipients:
            self.hostility.pop(next(iter(self.hostility)))
        self.hostility[target] = self.hostility.get(target, 0) + 1
        return self.hostility[target]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UserState:
        """Rebuild from :meth:`to_dict` output."""
        return cls(**data)


@dataclass
class DeviceState:
    """One device key: the pseudonyms behind it and the people it courts in private."""

    device: str
    pseudonyms: dict[str, float] = field(default_factory=dict)  # pseudonym -> last ts
    courted: dict[str, float] = field(default_factory=dict)  # recipient -> last ts

    def seen(self, pseudonym: str, ts: float, policy: Policy) -> None:
        """Record that ``pseudonym`` used this device at ``ts``."""
        self.pseudonyms[pseudonym] = ts
        _cap(self.pseudonyms, ts - policy.state_window_s, policy.max_pseudonyms)

    def court(self, recipient: str, ts: float, policy: Policy) -> None:
        """Record a private approach (flattery, meeting) to ``recipient``."""
        self.courted[recipient] = ts
        _cap(self.courted, ts - policy.state_window_s, policy.max_recipients)

    def suspicious(self, policy: Policy) -> bool:
        """Several pseudonyms courting several people."""
        return (
            len(self.pseudonyms) >= policy.multi_pseudonym_min
            and len(self.courted) >= policy.multi_recipient_min
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceState:
        """Rebuild from :meth:`to_dict` output."""
        return cls(**data)


def _cap(table: dict[str, float], horizon: float, cap: int) -> None:
    """Drop entries older than ``horizon``, then the oldest past ``cap``."""
    for k in [k for k, t in table.items() if t < horizon]:
        del table[k]
    while len(table) > cap:
        del table[min(table, key=lambda k: table[k])]
