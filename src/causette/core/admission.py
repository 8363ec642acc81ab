"""Who may post in a room, enter one, or write privately to someone: one decision each.

Owns the order and the outcome of every rule that admits a chatter's action, whatever part
of the server knows the fact behind it: the wall between the teen and adult spaces and
room membership (the catalogue, presence), the sanctions in force (server/sanctions.py:
a mute, a move-out), the minors rules (server/safety_layer.py: a minor moved out of
adults' reach), consent and blocks (core/consent.py), a fresh account's cap on new
private conversations (the safety gate's settings). The shell gathers the facts into a
small frozen dataclass; a function here returns what is allowed or the ``Refused`` code.

Rules, each checked in this order, the first that applies decides:
- posting: ``room_unknown`` (not a room of the chatter's space), ``not_in_room`` (not a
  member, or not online), ``muted``, ``moved_out``;
- entering a room: ``room_unknown``, ``moved_out``, ``adults_out_of_reach`` (a minor
  moved out of the adult space reaches none of its rooms);
- a private message: ``user_unknown`` (the other side of the wall), the sender's
  ``muted`` then ``moved_out``, ``pm_refused`` (the recipient moved out), the minors rule
  both ways (``adults_out_of_reach`` for the minor, ``pm_refused`` for the adult: a
  *pursuit*, which the shell keeps as evidence), then consent (core/consent.py
  ``decide_pm``), then for a new conversation the fresh account's cap
  (``fresh_pm_limit``).

Not here: rates (token buckets, stateful, the shell's), the text (cleaning, rule lists,
the safety engine: what is said, not who may say it).
"""

from __future__ import annotations

from dataclasses import dataclass

from causette.core.consent import Conversation, PmOutcome, PmPolicy, decide_pm
from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import Space


@dataclass(frozen=True, slots=True)
class Refused:
    code: ErrorCode
    # ``pm_refused`` because the recipient is a minor moved out of the sender's reach: the
    # refused message is kept as evidence and the sender alerted on (safety.md).
    pursuit: bool = False


@dataclass(frozen=True, slots=True)
class PostFacts:
    room_known: bool  # a room of the chatter's space
    member: bool  # a member of the room, and online
    muted: bool
    moved_out: bool


@dataclass(frozen=True, slots=True)
class EnterFacts:
    room_known: bool
    room_space: Space
    moved_out: bool
    out_of_reach: bool  # a minor moved out of the adult space (safety flag)


@dataclass(frozen=True, slots=True)
class PmFacts:
    sender: str
    sender_space: Space
    recipient_space: Space
    sender_muted: bool
    sender_moved_out: bool
    recipient_moved_out: bool
    sender_out_of_reach: bool
    recipient_out_of_reach: bool
    conversation: Conversation | None
    recipient_policy: PmPolicy
    share_a_room: bool
    blocked_either_way: bool
    # A fresh account that opened as many conversations as it may (safety off: False).
    fresh_at_limit: bool


def may_post(facts: PostFacts) -> Refused | None:
    if not facts.room_known:
        return Refused(ErrorCode.ROOM_UNKNOWN)
    if not facts.member:
        return Refused(ErrorCode.NOT_IN_ROOM)
    if facts.muted:
        return Refused(ErrorCode.MUTED)
    if facts.moved_out:
        return Refused(ErrorCode.MOVED_OUT)
    return None


def may_enter(facts: EnterFacts) -> Refused | None:
    if not facts.room_known:
        return Refused(ErrorCode.ROOM_UNKNOWN)
    if facts.moved_out:
        return Refused(ErrorCode.MOVED_OUT)
    if facts.out_of_reach and facts.room_space is Space.ADULT:
        return Refused(ErrorCode.ADULTS_OUT_OF_REACH)
    return None


def may_pm(facts: PmFacts) -> Refused | PmOutcome:
    """What a private message means now (open a request, send, accept and send), or why
    it is refused."""
    if facts.sender_space is not facts.recipient_space:
        return Refused(ErrorCode.USER_UNKNOWN)
    if facts.sender_muted:
        return Refused(ErrorCode.MUTED)
    if facts.sender_moved_out:
        return Refused(ErrorCode.MOVED_OUT)
    if facts.recipient_moved_out:
        return Refused(ErrorCode.PM_REFUSED)
    if facts.sender_out_of_reach and not facts.recipient_out_of_reach:
        return Refused(ErrorCode.ADULTS_OUT_OF_REACH)
    if facts.recipient_out_of_reach and not facts.sender_out_of_reach:
        return Refused(ErrorCode.PM_REFUSED, pursuit=True)
    try:
        outcome = decide_pm(
            sender=facts.sender,
            sender_space=facts.sender_space,
            recipient_space=facts.recipient_space,
            conversation=facts.conversation,
            recipient_policy=facts.recipient_policy,
            share_a_room=facts.share_a_room,
            blocked_either_way=facts.blocked_either_way,
        )
    except ChatError as refused:
        return Refused(refused.code)
    if outcome is PmOutcome.OPEN_REQUEST and facts.fresh_at_limit:
        return Refused(ErrorCode.FRESH_PM_LIMIT)
    return outcome
