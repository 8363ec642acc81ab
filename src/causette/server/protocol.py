"""What the server says on the WebSocket: its close codes and every outbound frame.

The inbound side is ``server/events.py`` (pydantic models, validated before anything runs);
this is the outbound side, so the whole protocol of ``docs/protocol.md`` is two modules.

Rules:
- Every frame a client receives is built by one function here, named after its ``type``,
  whose parameters are the frame's fields: no other module writes a chat frame (the
  desk's server-sent events are desk/service.py's and desk/live.py's).
- A builder returns the encoded bytes (encode once, send to many), ``type`` first (cheap to
  dispatch on for clients), the other fields in the order the docs list them; the test
  suite and ``web/js`` read these bytes, so a change here is a protocol change.
- A reply to a client event carries ``ref`` (``null`` when the event had none); a frame the
  server pushes by itself has no ``ref`` key. Where one type is both (``left``,
  ``blocked``), the reply has its own ``…_reply`` builder. ``error`` and ``deleted`` leave
  ``ref`` out when there is none.
- Close codes are ``CloseCode`` members, never bare numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Any

import orjson

from causette.core.errors import ChatError
from causette.store import MessageRecord

# A JSON object already shaped by its owner (a user, a room, a conversation, a statement).
Json = Mapping[str, Any]


class CloseCode(IntEnum):
    """Why the server closed a socket (docs/protocol.md § Close codes)."""

    # Server restarting or shutting down: reconnect with backoff and resume.
    GOING_AWAY = 1001
    # Not sent: what a connection records when its peer stopped answering and was cut.
    ABNORMAL = 1006
    # The database is away for a moment (store_unavailable): the session is still good.
    TRY_LATER = 1013
    NOT_AUTHENTICATED = 4001
    HELLO_REQUIRED = 4002
    # Too slow: the send queue overflowed; the client resumes later.
    SLOW_CONSUMER = 4008
    # The same session connected elsewhere.
    REPLACED = 4009
    # The pseudonym was taken while the chatter was away.
    NAME_TAKEN = 4010
    # Session ended: the chatter said they are under 15 (server/safety_layer.py).
    UNDER_15 = 4011
    # Kicked or banned: the statement (``sanction`` or ``banned``) came just before.
    SANCTIONED = 4012


def _dumps(kind: str, fields: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": kind, **fields})


def _fragments(frames: Sequence[bytes]) -> list[orjson.Fragment]:
    """Frames already encoded, embedded as they are (no decode and re-encode)."""
    return [orjson.Fragment(f) for f in frames]


# -- session -----------------------------------------------------------------------------
def welcome(
    me: Json,
    rooms: Sequence[Json],
    pm_policy: str,
    blocked: Sequence[str],
    conversations: Sequence[Json],
) -> bytes:
    return _dumps(
        "welcome",
        {
            "me": me,
            "rooms": rooms,
            "pm_policy": pm_policy,
            "blocked": blocked,
            "conversations": conversations,
        },
    )


def synced(channels: Mapping[str, int]) -> bytes:
    return _dumps("synced", {"channels": channels})


def gap(channel: str, after: int, first: int) -> bytes:
    return _dumps("gap", {"channel": channel, "after": after, "first": first})


def error(exc: ChatError, lang: str, ref: str | None = None) -> bytes:
    body = exc.as_dict(lang)
    if ref is not None:
        body["ref"] = ref
    return _dumps("error", body)


def pong(ref: str | None) -> bytes:
    return _dumps("pong", {"ref": ref})


# -- messages ----------------------------------------------------------------------------
def message(record: MessageRecord) -> bytes:
    """A stored message; its sender is kept encoded by the store and embedded as it is."""
    return orjson.dumps(
        {
            "type": "message",
            "channel": record.channel,
            "id": record.id,
            "ts": record.ts,
            "from": orjson.Fragment(record.sender),
            "text": record.text,
        }
    )


def message_ack(ref: str | None, channel: str, message_id: int, ts: float) -> bytes:
    """The message is durably stored, with this id."""
    return _dumps("ack", {"ref": ref, "channel": channel, "id": message_id, "ts": ts})


def pm_policy_ack(ref: str | None, pm_policy: str) -> bytes:
    return _dumps("ack", {"ref": ref, "pm_policy": pm_policy})


def age_answer_ack(ref: str | None, under: bool) -> bytes:
    return _dumps("ack", {"ref": ref, "age_answer": under})


def history(channel: str, messages: Sequence[bytes], ref: str | None) -> bytes:
    """``messages``: ``message`` frames, oldest first."""
    return _dumps("history", {"channel": channel, "messages": _fragments(messages), "ref": ref})


def deleted(channel: str, message_id: int, by: str, ref: str | None = None) -> bytes:
    body: dict[str, Any] = {"channel": channel, "id": message_id, "by": by}
    if ref is not None:
        body["ref"] = ref
    return _dumps("deleted", body)


def typing(channel: str, pseudonym: str) -> bytes:
    return _dumps("typing", {"channel": channel, "pseudonym": pseudonym})


# -- rooms and people --------------------------------------------------------------------
def joined(room: Json, history: Sequence[bytes], users: Sequence[Json]) -> bytes:
    """``history``: ``message`` frames, oldest first."""
    return _dumps("joined", {"room": room, "history": _fragments(history), "users": users})


def left(room: str) -> bytes:
    """Taken out of a room by the server (a move-out, a space the chatter cannot stay in)."""
    return _dumps("left", {"room": room})


def left_reply(room: str, ref: str | None) -> bytes:
    return _dumps("left", {"room": room, "ref": ref})


def presence(
    room: str, count: int, *, joined: Json | None = None, left: str | None = None
) -> bytes:
    fields: dict[str, Any] = {"room": room, "count": count}
    if joined is not None:
        fields["joined"] = joined
    if left is not None:
        fields["left"] = left
    return _dumps("presence", fields)


def counts(changed: Mapping[str, int]) -> bytes:
    return _dumps("counts", {"counts": changed})


def users(room: str, found: Sequence[Json], ref: str | None) -> bytes:
    return _dumps("users", {"room": room, "users": found, "ref": ref})


def rooms(found: Sequence[Json], ref: str | None) -> bytes:
    return _dumps("rooms", {"rooms": found, "ref": ref})


def search(q: str, found: Sequence[Json], ref: str | None) -> bytes:
    return _dumps("search", {"q": q, "users": found, "ref": ref})


def conversation(conv: Json) -> bytes:
    return _dumps("conversation", {"conversation": conv})


def blocked(pseudonym: str) -> bytes:
    """Pushed: the chatter blocked someone by answering a private request with ``block``."""
    return _dumps("blocked", {"pseudonym": pseudonym})


def blocked_reply(pseudonym: str, ref: str | None) -> bytes:
    return _dumps("blocked", {"pseudonym": pseudonym, "ref": ref})


def unblocked_reply(pseudonym: str, ref: str | None) -> bytes:
    return _dumps("unblocked", {"pseudonym": pseudonym, "ref": ref})


# -- safety ------------------------------------------------------------------------------
def held(ref: str | None, channel: str, held_id: str, reason: str) -> bytes:
    return _dumps("held", {"ref": ref, "channel": channel, "held_id": held_id, "reason": reason})


def released(held_id: str, channel: str, message_id: int) -> bytes:
    return _dumps("released", {"held_id": held_id, "channel": channel, "id": message_id})


def notice(code: str, channel: str, message: str) -> bytes:
    return _dumps("notice", {"code": code, "channel": channel, "message": message})


def safety_card(kind: str, channel: str, about: str) -> bytes:
    return _dumps("safety_card", {"kind": kind, "channel": channel, "about": about})


def age_check(channel: str, space: str) -> bytes:
    return _dumps("age_check", {"channel": channel, "space": space})


# -- reports and sanctions ---------------------------------------------------------------
def report_ack(report_id: str, ref: str | None) -> bytes:
    return _dumps("report_ack", {"report_id": report_id, "ref": ref})


def report_outcome(report_id: str, outcome: str, text: str) -> bytes:
    return _dumps("report_outcome", {"report_id": report_id, "outcome": outcome, "text": text})


def sanction(statement: Json) -> bytes:
    """A statement of reasons (DSA art. 17), live or right after ``welcome``."""
    return _dumps("sanction", {"statement": statement})


def appeal_decided(appeal_id: str, sanction_id: str, decision: str, text: str) -> bytes:
    return _dumps(
        "appeal_decided",
        {"appeal_id": appeal_id, "sanction_id": sanction_id, "decision": decision, "text": text},
    )
