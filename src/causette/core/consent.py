"""Private messages with consent: who may write to whom, and what a conversation looks like
from each side.

Rules, in the order they are checked:
1. Chatters of different spaces do not exist for each other (``user_unknown``).
2. A block, either way, refuses everything (``pm_refused``, without saying which way).
3. In an existing conversation: accepted -> send; the initiator of a pending request waits
   (``pm_pending``); the recipient writing back accepts it; a blocked one refuses.
4. A new conversation obeys the recipient's policy (everyone / rooms shared / nobody) and
   becomes a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import Space


class PmPolicy(StrEnum):
    EVERYONE = "everyone"
    ROOMS = "rooms"
    NOBODY = "nobody"


def default_policy(space: Space) -> PmPolicy:
    # Teens are private by default (DSA art. 28 guidelines): only people they share a room with.
    return PmPolicy.ROOMS if space is Space.TEEN else PmPolicy.EVERYONE


class ConversationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    IGNORED = "ignored"
    BLOCKED = "blocked"


class PmOutcome(StrEnum):
    OPEN_REQUEST = "open_request"
    SEND = "send"
    ACCEPT_AND_SEND = "accept_and_send"


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    initiator: str
    recipient: str
    status: ConversationStatus

    def other(self, chatter_id: str) -> str:
        return self.recipient if chatter_id == self.initiator else self.initiator

    def involves(self, chatter_id: str) -> bool:
        return chatter_id in (self.initiator, self.recipient)

    @property
    def channel(self) -> str:
        return f"pm:{self.id}"

    def state_for(self, chatter_id: str) -> str:
        """The state as the protocol shows it to one side."""
        status = self.status
        if status is ConversationStatus.ACCEPTED:
            return "accepted"
        if status is ConversationStatus.BLOCKED:
            return "blocked" if chatter_id == self.recipient else "closed"
        if chatter_id == self.initiator:
            return "pending_out"
        return "ignored" if status is ConversationStatus.IGNORED else "pending_in"


def decide_pm(
    *,
    sender: str,
    sender_space: Space,
    recipient_space: Space,
    conversation: Conversation | None,
    recipient_policy: PmPolicy,
    share_a_room: bool,
    blocked_either_way: bool,
) -> PmOutcome:
    """What sending a private message means now, or the ``ChatError`` refusing it."""
    if sender_space is not recipient_space:
        raise ChatError(ErrorCode.USER_UNKNOWN)
    if blocked_either_way:
        raise ChatError(ErrorCode.PM_REFUSED)
    if conversation is not None:
        status = conversation.status
        if status is ConversationStatus.ACCEPTED:
            return PmOutcome.SEND
        if status is ConversationStatus.BLOCKED:
            raise ChatError(ErrorCode.PM_REFUSED)
        if sender == conversation.initiator:
            raise ChatError(ErrorCode.PM_PENDING)
        return PmOutcome.ACCEPT_AND_SEND
    if recipient_policy is PmPolicy.NOBODY:
        raise ChatError(ErrorCode.PM_REFUSED)
    if recipient_policy is PmPolicy.ROOMS and not share_a_room:
        raise ChatError(ErrorCode.PM_REFUSED)
    return PmOutcome.OPEN_REQUEST


class Decision(StrEnum):
    ACCEPT = "accept"
    IGNORE = "ignore"
    BLOCK = "block"


def respond(conversation: Conversation, responder: str, decision: Decision) -> ConversationStatus:
    """The new status after the recipient answers a request (or blocks later on)."""
    if not conversation.involves(responder):
        raise ChatError(ErrorCode.CONVERSATION_UNKNOWN)
    if decision is Decision.BLOCK:
        return ConversationStatus.BLOCKED
    if conversation.status is ConversationStatus.BLOCKED:
        raise ChatError(ErrorCode.PM_REFUSED)
    if responder == conversation.initiator:
        # The initiator cannot accept their own request; ignoring it is meaningless.
        if conversation.status is ConversationStatus.ACCEPTED:
            return conversation.status
        raise ChatError(ErrorCode.PM_PENDING)
    return (
        ConversationStatus.ACCEPTED if decision is Decision.ACCEPT else ConversationStatus.IGNORED
    )
