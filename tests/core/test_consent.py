"""PM consent: the order of rules in decide_pm, respond transitions, state from each side."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from causette.core.consent import (
    Conversation,
    ConversationStatus,
    Decision,
    PmOutcome,
    PmPolicy,
    decide_pm,
    default_policy,
    respond,
)
from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import Space

A, B, C = "alice-id", "bob-id", "carol-id"


def conv(status: ConversationStatus, initiator: str = A, recipient: str = B) -> Conversation:
    return Conversation("c1", initiator, recipient, status)


def outcome(**kwargs: object) -> PmOutcome | ErrorCode:
    """decide_pm's answer, or the code of its refusal."""
    args: dict[str, object] = {
        "sender": A,
        "sender_space": Space.ADULT,
        "recipient_space": Space.ADULT,
        "conversation": None,
        "recipient_policy": PmPolicy.EVERYONE,
        "share_a_room": False,
        "blocked_either_way": False,
    }
    args.update(kwargs)
    try:
        return decide_pm(**args)  # type: ignore[arg-type]
    except ChatError as err:
        return err.code


def test_default_policies() -> None:
    """Teens default to rooms-only PMs, adults to everyone."""
    assert default_policy(Space.TEEN) is PmPolicy.ROOMS
    assert default_policy(Space.ADULT) is PmPolicy.EVERYONE


# --- decide_pm, case by case --------------------------------------------------------------


@pytest.mark.parametrize(("s", "r"), [(Space.ADULT, Space.TEEN), (Space.TEEN, Space.ADULT)])
def test_other_space_is_unknown(s: Space, r: Space) -> None:
    """Across the wall the recipient does not exist: user_unknown, even with an open policy."""
    assert outcome(sender_space=s, recipient_space=r) is ErrorCode.USER_UNKNOWN


def test_wall_wins_over_accepted_conversation() -> None:
    """Even an accepted conversation cannot cross spaces (e.g. a chatter turned 18)."""
    got = outcome(
        sender_space=Space.TEEN,
        recipient_space=Space.ADULT,
        conversation=conv(ConversationStatus.ACCEPTED),
    )
    assert got is ErrorCode.USER_UNKNOWN


def test_block_refuses_even_accepted() -> None:
    """A block either way refuses an accepted conversation with pm_refused."""
    got = outcome(conversation=conv(ConversationStatus.ACCEPTED), blocked_either_way=True)
    assert got is ErrorCode.PM_REFUSED


def test_block_refuses_new() -> None:
    """A block refuses a new conversation even when the policy is everyone."""
    assert outcome(blocked_either_way=True, share_a_room=True) is ErrorCode.PM_REFUSED


def test_new_everyone_opens_request() -> None:
    """Policy everyone: a first message opens a request, shared room or not."""
    assert outcome() is PmOutcome.OPEN_REQUEST
    assert outcome(share_a_room=True) is PmOutcome.OPEN_REQUEST


def test_new_rooms_policy_needs_a_shared_room() -> None:
    """Policy rooms: refused without a shared room, request with one."""
    assert outcome(recipient_policy=PmPolicy.ROOMS) is ErrorCode.PM_REFUSED
    assert outcome(recipient_policy=PmPolicy.ROOMS, share_a_room=True) is PmOutcome.OPEN_REQUEST


def test_new_nobody_refuses() -> None:
    """Policy nobody: refused even when sharing a room."""
    assert outcome(recipient_policy=PmPolicy.NOBODY, share_a_room=True) is ErrorCode.PM_REFUSED


def test_policy_does_not_close_an_accepted_conversation() -> None:
    """An accepted conversation goes on after the recipient switches to nobody."""
    got = outcome(conversation=conv(ConversationStatus.ACCEPTED), recipient_policy=PmPolicy.NOBODY)
    assert got is PmOutcome.SEND


@pytest.mark.parametrize("status", [ConversationStatus.PENDING, ConversationStatus.IGNORED])
def test_initiator_waits(status: ConversationStatus) -> None:
    """The initiator of a pending (or silently ignored) request gets pm_pending."""
    assert outcome(sender=A, conversation=conv(status)) is ErrorCode.PM_PENDING


@pytest.mark.parametrize("status", [ConversationStatus.PENDING, ConversationStatus.IGNORED])
def test_recipient_writing_back_accepts(status: ConversationStatus) -> None:
    """The recipient writing back accepts and sends, whatever their own policy."""
    got = outcome(sender=B, conversation=conv(status), recipient_policy=PmPolicy.NOBODY)
    assert got is PmOutcome.ACCEPT_AND_SEND


@pytest.mark.parametrize("sender", [A, B])
def test_blocked_conversation_refuses_both(sender: str) -> None:
    """A blocked conversation refuses both sides with pm_refused."""
    got = outcome(sender=sender, conversation=conv(ConversationStatus.BLOCKED))
    assert got is ErrorCode.PM_REFUSED


@pytest.mark.parametrize("sender", [A, B])
def test_accepted_sends_both_ways(sender: str) -> None:
    """An accepted conversation lets either side send."""
    assert outcome(sender=sender, conversation=conv(ConversationStatus.ACCEPTED)) is PmOutcome.SEND


# --- decide_pm, every combination ---------------------------------------------------------


@given(
    sender=st.sampled_from([A, B, C]),
    sender_space=st.sampled_from(list(Space)),
    recipient_space=st.sampled_from(list(Space)),
    conversation=st.none()
    | st.builds(
        lambda status, pair: conv(status, *pair),
        st.sampled_from(list(ConversationStatus)),
        st.sampled_from([(A, B), (B, A), (A, C), (C, A), (B, C), (C, B)]),
    ),
    recipient_policy=st.sampled_from(list(PmPolicy)),
    share_a_room=st.booleans(),
    blocked_either_way=st.booleans(),
)
def test_decide_pm_all_combinations(
    sender: str,
    sender_space: Space,
    recipient_space: Space,
    conversation: Conversation | None,
    recipient_policy: PmPolicy,
    share_a_room: bool,
    blocked_either_way: bool,
) -> None:
    """For every input, decide_pm answers exactly what the rules, in their order, say."""
    if conversation is not None and not conversation.involves(sender):
        return  # the shell only passes the sender's own conversation
    got = outcome(
        sender=sender,
        sender_space=sender_space,
        recipient_space=recipient_space,
        conversation=conversation,
        recipient_policy=recipient_policy,
        share_a_room=share_a_room,
        blocked_either_way=blocked_either_way,
    )
    if sender_space is not recipient_space:
        assert got is ErrorCode.USER_UNKNOWN
    elif blocked_either_way:
        assert got is ErrorCode.PM_REFUSED
    elif conversation is not None:
        status = conversation.status
        if status is ConversationStatus.ACCEPTED:
            assert got is PmOutcome.SEND
        elif status is ConversationStatus.BLOCKED:
            assert got is ErrorCode.PM_REFUSED
        elif sender == conversation.initiator:
            assert got is ErrorCode.PM_PENDING
        else:
            assert got is PmOutcome.ACCEPT_AND_SEND
    elif recipient_policy is PmPolicy.NOBODY or (
        recipient_policy is PmPolicy.ROOMS and not share_a_room
    ):
        assert got is ErrorCode.PM_REFUSED
    else:
        assert got is PmOutcome.OPEN_REQUEST
    # Cross-cutting guarantees, stated independently of the order above.
    if got in (PmOutcome.SEND, PmOutcome.ACCEPT_AND_SEND, PmOutcome.OPEN_REQUEST):
        assert sender_space is recipient_space and not blocked_either_way
    if got is PmOutcome.OPEN_REQUEST:
        assert conversation is None and recipient_policy is not PmPolicy.NOBODY


# --- respond ------------------------------------------------------------------------------


def status_or_code(c: Conversation, who: str, decision: Decision) -> ConversationStatus | ErrorCode:
    try:
        return respond(c, who, decision)
    except ChatError as err:
        return err.code


@pytest.mark.parametrize(
    ("status", "who", "decision", "expected"),
    [
        # The recipient answers a request.
        (ConversationStatus.PENDING, B, Decision.ACCEPT, ConversationStatus.ACCEPTED),
        (ConversationStatus.PENDING, B, Decision.IGNORE, ConversationStatus.IGNORED),
        (ConversationStatus.PENDING, B, Decision.BLOCK, ConversationStatus.BLOCKED),
        # ...or changes their mind after ignoring it.
        (ConversationStatus.IGNORED, B, Decision.ACCEPT, ConversationStatus.ACCEPTED),
        (ConversationStatus.IGNORED, B, Decision.BLOCK, ConversationStatus.BLOCKED),
        # The initiator cannot answer their own request, but may block.
        (ConversationStatus.PENDING, A, Decision.ACCEPT, ErrorCode.PM_PENDING),
        (ConversationStatus.PENDING, A, Decision.IGNORE, ErrorCode.PM_PENDING),
        (ConversationStatus.PENDING, A, Decision.BLOCK, ConversationStatus.BLOCKED),
        (ConversationStatus.IGNORED, A, Decision.ACCEPT, ErrorCode.PM_PENDING),
        # Accepted: either side may block later; re-accepting changes nothing.
        (ConversationStatus.ACCEPTED, A, Decision.ACCEPT, ConversationStatus.ACCEPTED),
        (ConversationStatus.ACCEPTED, B, Decision.ACCEPT, ConversationStatus.ACCEPTED),
        (ConversationStatus.ACCEPTED, A, Decision.BLOCK, ConversationStatus.BLOCKED),
        (ConversationStatus.ACCEPTED, B, Decision.BLOCK, ConversationStatus.BLOCKED),
        # Blocked: only blocking again is meaningful.
        (ConversationStatus.BLOCKED, B, Decision.ACCEPT, ErrorCode.PM_REFUSED),
        (ConversationStatus.BLOCKED, A, Decision.ACCEPT, ErrorCode.PM_REFUSED),
        (ConversationStatus.BLOCKED, B, Decision.IGNORE, ErrorCode.PM_REFUSED),
        (ConversationStatus.BLOCKED, B, Decision.BLOCK, ConversationStatus.BLOCKED),
    ],
)
def test_respond_transitions(
    status: ConversationStatus, who: str, decision: Decision, expected: object
) -> None:
    """respond gives the documented next status, or the refusal code."""
    assert status_or_code(conv(status), who, decision) is expected


@given(st.sampled_from(list(ConversationStatus)), st.sampled_from(list(Decision)))
def test_outsider_cannot_respond(status: ConversationStatus, decision: Decision) -> None:
    """Someone not in the conversation gets conversation_unknown, whatever they decide."""
    assert status_or_code(conv(status), C, decision) is ErrorCode.CONVERSATION_UNKNOWN


@given(
    st.sampled_from(list(ConversationStatus)),
    st.sampled_from([A, B]),
    st.sampled_from(list(Decision)),
)
def test_blocked_is_terminal(status: ConversationStatus, who: str, decision: Decision) -> None:
    """Once blocked, no response by anyone leads anywhere but blocked or a refusal."""
    got = status_or_code(conv(ConversationStatus.BLOCKED), who, decision)
    assert got in (ConversationStatus.BLOCKED, ErrorCode.PM_REFUSED)
    # And blocking always wins, from any status.
    assert respond(conv(status), who, Decision.BLOCK) is ConversationStatus.BLOCKED


# --- the conversation as each side sees it ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "initiator_sees", "recipient_sees"),
    [
        (ConversationStatus.PENDING, "pending_out", "pending_in"),
        (ConversationStatus.IGNORED, "pending_out", "ignored"),
        (ConversationStatus.ACCEPTED, "accepted", "accepted"),
        # Blocked is shown by role, not by who blocked (the status does not record it).
        (ConversationStatus.BLOCKED, "closed", "blocked"),
    ],
)
def test_state_for_both_sides(
    status: ConversationStatus, initiator_sees: str, recipient_sees: str
) -> None:
    """Each side sees its own state; an ignored request still looks pending to the requester."""
    c = conv(status)
    assert c.state_for(A) == initiator_sees
    assert c.state_for(B) == recipient_sees


def test_ignoring_is_never_revealed_to_the_requester() -> None:
    """Ignored and pending look the same to the initiator, and both answer pm_pending."""
    pending, ignored = conv(ConversationStatus.PENDING), conv(ConversationStatus.IGNORED)
    assert pending.state_for(A) == ignored.state_for(A)
    assert outcome(sender=A, conversation=pending) is outcome(sender=A, conversation=ignored)


def test_conversation_helpers() -> None:
    """other() gives the partner, involves() the two parties only, channel is pm:<id>."""
    c = conv(ConversationStatus.PENDING)
    assert c.other(A) == B and c.other(B) == A
    assert c.involves(A) and c.involves(B) and not c.involves(C)
    assert c.channel == "pm:c1"


def test_full_request_flow() -> None:
    """Request, pending for the initiator, reply accepts, then both send freely."""
    assert outcome(sender=A) is PmOutcome.OPEN_REQUEST
    c = conv(ConversationStatus.PENDING)
    assert outcome(sender=A, conversation=c) is ErrorCode.PM_PENDING
    assert outcome(sender=B, conversation=c) is PmOutcome.ACCEPT_AND_SEND
    c = conv(respond(c, B, Decision.ACCEPT))
    assert outcome(sender=A, conversation=c) is PmOutcome.SEND
    c = conv(respond(c, A, Decision.BLOCK))
    assert outcome(sender=B, conversation=c) is ErrorCode.PM_REFUSED
