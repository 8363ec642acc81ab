"""The live state of one process, pure: who is online and where, and what each chatter
held here has set (rooms, blocks, conversations, PM policy, safety flags, a session ended).

Owns these facts and the one way they change: ``LiveFacts.apply(change)``. A change is a
small frozen dataclass (``Online``, ``Offline``, ``Entered``, ``Left``, ``Loaded``,
``Refreshed``, ``ConversationSet``, ``BlockSet``, ``PolicySet``, ``FlagsSet``,
``LoggedOut``) that also travels on the bus (``to_dict``/``from_dict``, its ``KIND``
names the control event), so what a process does itself and what another process
announces go through the same function: the websockets/h11 shape, events in, outcomes
out, the shell (server/state.py, server/live.py, server/cluster.py) does the I/O.

Rules:
- No clock, no socket, no store: a change carries every value it sets.
- A change either applies whole or raises ``ChatError`` having changed nothing (an
  ``Online`` whose name another online chatter holds: ``pseudonym_taken``).
- The per-chatter facts exist for the chatters this process holds a record of
  (``Loaded``); a change about a chatter not held here changes only the shared part
  (presence, the conversations' table), as the other processes' mirror must.
- ``apply`` returns what moved in presence (rooms entered and left), for the shell's
  notices; nothing else is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from causette.core.consent import Conversation, ConversationStatus, PmPolicy
from causette.core.identity import Gender, Profile, Space
from causette.core.presence import Presence


@dataclass(eq=False, slots=True)
class Facts:
    """What one chatter held here has set. Read by anyone; written by ``LiveFacts.apply``
    only (the shell's ``Chatter`` exposes these as read-only properties).

    Frozensets: most chatters have no block, no conversation, no flag, and the empty
    frozenset is shared (issue 8: 18,000 chatters per process)."""

    pm_policy: PmPolicy
    # The rooms the chatter is a member of (durable; presence says who is *in* a room now).
    rooms: frozenset[str] = frozenset()
    blocked: frozenset[str] = frozenset()
    blocked_by: frozenset[str] = frozenset()
    conversation_ids: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    ended: bool = False

    def as_tuple(self) -> tuple[object, ...]:
        return (
            self.pm_policy.value,
            tuple(sorted(self.rooms)),
            tuple(sorted(self.blocked)),
            tuple(sorted(self.blocked_by)),
            tuple(sorted(self.conversation_ids)),
            tuple(sorted(self.flags)),
            self.ended,
        )


@dataclass(frozen=True, slots=True)
class Applied:
    """What a change moved in presence: the rooms a chatter appeared in and left."""

    entered: tuple[str, ...] = ()
    left: tuple[str, ...] = ()


_NOTHING = Applied()


def _profile_list(profile: Profile) -> list[object]:
    return [
        profile.pseudonym,
        profile.age,
        profile.gender.value,
        profile.department,
        profile.region,
        profile.space.value,
    ]


def _profile(raw: list[Any]) -> Profile:
    pseudonym, age, gender, department, region, space = raw
    return Profile(pseudonym, int(age), Gender(gender), department, region, Space(space))


def _conv_dict(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "initiator": conv.initiator,
        "recipient": conv.recipient,
        "status": conv.status.value,
    }


def _conv(body: dict[str, Any]) -> Conversation:
    return Conversation(
        body["id"], body["initiator"], body["recipient"], ConversationStatus(body["status"])
    )


# -- the changes ------------------------------------------------------------------------------
# Each one's dict is the body of its control event; the kinds and bodies of ``online``,
# ``offline``, ``enter``, ``exit``, ``conv``, ``block``, ``policy`` and ``logout`` are those
# the processes exchanged before this module existed (a rolling upgrade mixes both).
@dataclass(frozen=True, slots=True)
class Online:
    """The chatter is online under this profile, in exactly these rooms."""

    KIND: ClassVar[str] = "online"
    id: str
    profile: Profile
    rooms: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "p": _profile_list(self.profile), "rooms": sorted(self.rooms)}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Online:
        return cls(body["id"], _profile(body["p"]), frozenset(body["rooms"]))


@dataclass(frozen=True, slots=True)
class Offline:
    """The chatter left presence (grace over, logout, ban, its process gone)."""

    KIND: ClassVar[str] = "offline"
    id: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Offline:
        return cls(body["id"])


@dataclass(frozen=True, slots=True)
class Entered:
    """The chatter is a member of the room, and in it."""

    KIND: ClassVar[str] = "enter"
    id: str
    room: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "room": self.room}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Entered:
        return cls(body["id"], body["room"])


@dataclass(frozen=True, slots=True)
class Left:
    """The chatter is no longer a member of the room, nor in it."""

    KIND: ClassVar[str] = "exit"
    id: str
    room: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "room": self.room}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Left:
        return cls(body["id"], body["room"])


@dataclass(frozen=True, slots=True)
class Loaded:
    """A chatter's record, read from the store, now held here. Conversations already
    known here are kept (they may be newer than the read)."""

    KIND: ClassVar[str] = "loaded"
    id: str
    pm_policy: PmPolicy
    rooms: frozenset[str] = frozenset()
    blocked: frozenset[str] = frozenset()
    blocked_by: frozenset[str] = frozenset()
    conversations: tuple[Conversation, ...] = ()
    flags: frozenset[str] = frozenset()
    ended: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "policy": self.pm_policy.value,
            "rooms": sorted(self.rooms),
            "blocked": sorted(self.blocked),
            "blocked_by": sorted(self.blocked_by),
            "conversations": [_conv_dict(c) for c in self.conversations],
            "flags": sorted(self.flags),
            "ended": self.ended,
        }

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Loaded:
        return cls(
            body["id"],
            PmPolicy(body["policy"]),
            frozenset(body["rooms"]),
            frozenset(body["blocked"]),
            frozenset(body["blocked_by"]),
            tuple(_conv(c) for c in body["conversations"]),
            frozenset(body["flags"]),
            bool(body["ended"]),
        )


@dataclass(frozen=True, slots=True)
class Refreshed:
    """A held chatter re-read from the store (another process may have changed it)."""

    KIND: ClassVar[str] = "refreshed"
    id: str
    pm_policy: PmPolicy
    rooms: frozenset[str]
    blocked: frozenset[str]
    blocked_by: frozenset[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "policy": self.pm_policy.value,
            "rooms": sorted(self.rooms),
            "blocked": sorted(self.blocked),
            "blocked_by": sorted(self.blocked_by),
        }

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Refreshed:
        return cls(
            body["id"],
            PmPolicy(body["policy"]),
            frozenset(body["rooms"]),
            frozenset(body["blocked"]),
            frozenset(body["blocked_by"]),
        )


@dataclass(frozen=True, slots=True)
class ConversationSet:
    """A conversation opened or changed status: known here, and to both its sides."""

    KIND: ClassVar[str] = "conv"
    conversation: Conversation

    def to_dict(self) -> dict[str, Any]:
        return _conv_dict(self.conversation)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> ConversationSet:
        return cls(_conv(body))


@dataclass(frozen=True, slots=True)
class BlockSet:
    """``blocker`` blocked (``on``) or unblocked ``blocked``."""

    KIND: ClassVar[str] = "block"
    blocker: str
    blocked: str
    on: bool

    def to_dict(self) -> dict[str, Any]:
        return {"blocker": self.blocker, "blocked": self.blocked, "on": self.on}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> BlockSet:
        return cls(body["blocker"], body["blocked"], bool(body["on"]))


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Who may open a private conversation with the chatter."""

    KIND: ClassVar[str] = "policy"
    id: str
    policy: PmPolicy

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "policy": self.policy.value}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> PolicySet:
        return cls(body["id"], PmPolicy(body["policy"]))


@dataclass(frozen=True, slots=True)
class FlagsSet:
    """The chatter's safety flags (a minor out of adults' reach, an adult frozen)."""

    KIND: ClassVar[str] = "flags"
    id: str
    flags: frozenset[str]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "flags": sorted(self.flags)}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> FlagsSet:
        return cls(body["id"], frozenset(body["flags"]))


@dataclass(frozen=True, slots=True)
class LoggedOut:
    """The chatter's session is over (a logout, an erasure, a name lost at resume)."""

    KIND: ClassVar[str] = "logout"
    id: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> LoggedOut:
        return cls(body["id"])


Change = (
    Online
    | Offline
    | Entered
    | Left
    | Loaded
    | Refreshed
    | ConversationSet
    | BlockSet
    | PolicySet
    | FlagsSet
    | LoggedOut
)

CHANGES: dict[str, type[Change]] = {
    kind.KIND: kind
    for kind in (
        Online,
        Offline,
        Entered,
        Left,
        Loaded,
        Refreshed,
        ConversationSet,
        BlockSet,
        PolicySet,
        FlagsSet,
        LoggedOut,
    )
}


def decode(kind: str, body: dict[str, Any]) -> Change | None:
    """The change a control event carries, or None when ``kind`` is not a change."""
    cls = CHANGES.get(kind)
    return cls.from_dict(body) if cls is not None else None


# -- the state --------------------------------------------------------------------------------
@dataclass(eq=False)
class LiveFacts:
    presence: Presence = field(default_factory=Presence)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    # The facts of each chatter held here (loaded from the store), by id.
    chatters: dict[str, Facts] = field(default_factory=dict)

    def apply(self, change: Change) -> Applied:
        """Change the state; see each change's docstring. Raises before changing anything."""
        match change:
            case Online():
                return self._online(change)
            case Offline():
                return Applied(left=tuple(sorted(self.presence.release(change.id))))
            case Entered():
                self._set(change.id, rooms=lambda f: f.rooms | {change.room})
                if self.presence.enter(change.id, change.room):
                    return Applied(entered=(change.room,))
            case Left():
                self._set(change.id, rooms=lambda f: f.rooms - {change.room})
                if self.presence.exit(change.id, change.room):
                    return Applied(left=(change.room,))
            case Loaded():
                self._loaded(change)
            case Refreshed():
                facts = self.chatters.get(change.id)
                if facts is not None:
                    facts.pm_policy = change.pm_policy
                    facts.rooms = change.rooms
                    facts.blocked = change.blocked
                    facts.blocked_by = change.blocked_by
            case ConversationSet():
                conv = change.conversation
                self.conversations[conv.id] = conv
                for member in (conv.initiator, conv.recipient):
                    self._set(member, conversation_ids=lambda f: f.conversation_ids | {conv.id})
            case BlockSet():
                self._block(change)
            case PolicySet():
                self._set(change.id, pm_policy=lambda f: change.policy)
            case FlagsSet():
                self._set(change.id, flags=lambda f: change.flags)
            case LoggedOut():
                self._set(change.id, ended=lambda f: True)
        return _NOTHING

    def _set(self, chatter_id: str, **how: Any) -> None:
        facts = self.chatters.get(chatter_id)
        if facts is None:
            return
        for name, value in how.items():
            setattr(facts, name, value(facts))

    def _online(self, change: Online) -> Applied:
        presence = self.presence
        presence.claim(change.id, change.profile)  # raises before any change
        wanted = change.rooms
        now = presence.rooms_of(change.id)
        left = sorted(now - wanted)
        entered = sorted(wanted - now)
        for slug in left:
            presence.exit(change.id, slug)
        for slug in entered:
            presence.enter(change.id, slug)
        return Applied(entered=tuple(entered), left=tuple(left))

    def _loaded(self, change: Loaded) -> None:
        for conv in change.conversations:
            self.conversations.setdefault(conv.id, conv)
        self.chatters[change.id] = Facts(
            pm_policy=change.pm_policy,
            rooms=change.rooms,
            blocked=change.blocked,
            blocked_by=change.blocked_by,
            conversation_ids=frozenset(c.id for c in change.conversations),
            flags=change.flags,
            ended=change.ended,
        )

    def _block(self, change: BlockSet) -> None:
        blocker, blocked = change.blocker, change.blocked
        if change.on:
            self._set(blocker, blocked=lambda f: f.blocked | {blocked})
            self._set(blocked, blocked_by=lambda f: f.blocked_by | {blocker})
        else:
            self._set(blocker, blocked=lambda f: f.blocked - {blocked})
            self._set(blocked, blocked_by=lambda f: f.blocked_by - {blocker})

    # -- reading ------------------------------------------------------------------------
    def facts(self, chatter_id: str) -> Facts | None:
        return self.chatters.get(chatter_id)

    def snapshot(self) -> dict[str, object]:
        """The whole state as plain values (two states are equal when these are)."""
        presence = self.presence
        return {
            "online": {
                c: (_profile_list(p), sorted(presence.rooms_of(c)))
                for c, p in sorted(presence.profiles.items())
            },
            "conversations": {k: _conv_dict(v) for k, v in sorted(self.conversations.items())},
            "chatters": {k: v.as_tuple() for k, v in sorted(self.chatters.items())},
        }
