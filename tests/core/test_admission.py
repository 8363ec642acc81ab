"""The one admission decision, as a table: every combination of facts against the rows
below (the first row whose conditions hold gives the outcome), and every row reached."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any

import pytest

from causette.core.admission import (
    EnterFacts,
    PmFacts,
    PostFacts,
    Refused,
    may_enter,
    may_pm,
    may_post,
)
from causette.core.consent import Conversation, ConversationStatus, PmOutcome, PmPolicy
from causette.core.errors import ErrorCode
from causette.core.identity import Space

Row = tuple[Callable[[Any], bool], Refused | PmOutcome | None]


def combinations(cls: type, **choices: tuple[Any, ...]) -> Iterator[Any]:
    """Every combination of the facts' values: booleans both ways, the others as given."""
    names = [f.name for f in fields(cls)]
    values = [choices.get(n, (False, True)) for n in names]
    for combo in itertools.product(*values):
        yield cls(**dict(zip(names, combo, strict=True)))


def check_table(decide: Callable[[Any], object], cases: Iterator[Any], rows: list[Row]) -> None:
    reached = [0] * len(rows)
    count = 0
    for facts in cases:
        count += 1
        index = next(i for i, (when, _) in enumerate(rows) if when(facts))
        reached[index] += 1
        assert decide(facts) == rows[index][1], facts
    assert count > 1
    assert all(reached), f"rows never reached: {[i for i, n in enumerate(reached) if not n]}"


def test_posting() -> None:
    rows: list[Row] = [
        (lambda f: not f.room_known, Refused(ErrorCode.ROOM_UNKNOWN)),
        (lambda f: not f.member, Refused(ErrorCode.NOT_IN_ROOM)),
        (lambda f: f.muted, Refused(ErrorCode.MUTED)),
        (lambda f: f.moved_out, Refused(ErrorCode.MOVED_OUT)),
        (lambda f: True, None),
    ]
    check_table(may_post, combinations(PostFacts), rows)


def test_entering_a_room() -> None:
    rows: list[Row] = [
        (lambda f: not f.room_known, Refused(ErrorCode.ROOM_UNKNOWN)),
        (lambda f: f.moved_out, Refused(ErrorCode.MOVED_OUT)),
        (
            lambda f: f.out_of_reach and f.room_space is Space.ADULT,
            Refused(ErrorCode.ADULTS_OUT_OF_REACH),
        ),
        (lambda f: True, None),
    ]
    check_table(may_enter, combinations(EnterFacts, room_space=tuple(Space)), rows)


ME, OTHER = "me", "other"
CONVERSATIONS = (
    None,
    *(
        Conversation("c", initiator, recipient, status)
        for (initiator, recipient) in ((ME, OTHER), (OTHER, ME))
        for status in ConversationStatus
    ),
)


def status(f: PmFacts) -> ConversationStatus | None:
    return f.conversation.status if f.conversation is not None else None


def mine(f: PmFacts) -> bool:
    return f.conversation is not None and f.conversation.initiator == ME


PM_ROWS: list[Row] = [
    # The wall first: the other side does not exist.
    (lambda f: f.sender_space is not f.recipient_space, Refused(ErrorCode.USER_UNKNOWN)),
    # Sanctions in force.
    (lambda f: f.sender_muted, Refused(ErrorCode.MUTED)),
    (lambda f: f.sender_moved_out, Refused(ErrorCode.MOVED_OUT)),
    (lambda f: f.recipient_moved_out, Refused(ErrorCode.PM_REFUSED)),
    # Minors moved out of adults' reach: both ways, and writing to one is a pursuit.
    (
        lambda f: f.sender_out_of_reach and not f.recipient_out_of_reach,
        Refused(ErrorCode.ADULTS_OUT_OF_REACH),
    ),
    (
        lambda f: f.recipient_out_of_reach and not f.sender_out_of_reach,
        Refused(ErrorCode.PM_REFUSED, pursuit=True),
    ),
    # Consent (core/consent.py): a block either way, then the conversation's state.
    (lambda f: f.blocked_either_way, Refused(ErrorCode.PM_REFUSED)),
    (lambda f: status(f) is ConversationStatus.ACCEPTED, PmOutcome.SEND),
    (lambda f: status(f) is ConversationStatus.BLOCKED, Refused(ErrorCode.PM_REFUSED)),
    (lambda f: mine(f), Refused(ErrorCode.PM_PENDING)),
    (lambda f: f.conversation is not None, PmOutcome.ACCEPT_AND_SEND),
    # A new conversation: the recipient's policy, then a fresh account's cap.
    (lambda f: f.recipient_policy is PmPolicy.NOBODY, Refused(ErrorCode.PM_REFUSED)),
    (
        lambda f: f.recipient_policy is PmPolicy.ROOMS and not f.share_a_room,
        Refused(ErrorCode.PM_REFUSED),
    ),
    (lambda f: f.fresh_at_limit, Refused(ErrorCode.FRESH_PM_LIMIT)),
    (lambda f: True, PmOutcome.OPEN_REQUEST),
]


def test_a_private_message() -> None:
    cases = combinations(
        PmFacts,
        sender=(ME,),
        sender_space=tuple(Space),
        recipient_space=tuple(Space),
        conversation=CONVERSATIONS,
        recipient_policy=tuple(PmPolicy),
    )
    check_table(may_pm, cases, PM_ROWS)


@pytest.mark.parametrize(
    ("sender_out", "recipient_out", "expected"),
    [
        (False, False, PmOutcome.OPEN_REQUEST),
        (True, True, PmOutcome.OPEN_REQUEST),  # two such minors may still talk
        (True, False, Refused(ErrorCode.ADULTS_OUT_OF_REACH)),
        (False, True, Refused(ErrorCode.PM_REFUSED, pursuit=True)),
    ],
)
def test_minors_out_of_reach(sender_out: bool, recipient_out: bool, expected: object) -> None:
    facts = PmFacts(
        sender=ME,
        sender_space=Space.ADULT,
        recipient_space=Space.ADULT,
        sender_muted=False,
        sender_moved_out=False,
        recipient_moved_out=False,
        sender_out_of_reach=sender_out,
        recipient_out_of_reach=recipient_out,
        conversation=None,
        recipient_policy=PmPolicy.EVERYONE,
        share_a_room=False,
        blocked_either_way=False,
        fresh_at_limit=False,
    )
    assert may_pm(facts) == expected
