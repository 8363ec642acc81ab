"""Inbound events and request bodies: validated by pydantic before anything else runs.

Every WebSocket frame is parsed into exactly one of these models or refused with
``bad_json`` / ``bad_event`` / ``bad_field`` — so a handler only ever sees well-formed data.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from causette.core.errors import ChatError, ErrorCode, bad_field

Ref = Annotated[StrictStr, Field(max_length=64)]
Slug = Annotated[StrictStr, Field(min_length=1, max_length=40)]
Pseudonym = Annotated[StrictStr, Field(min_length=1, max_length=40)]
ConversationId = Annotated[StrictStr, Field(min_length=1, max_length=40)]
Text = Annotated[StrictStr, Field(max_length=4000)]


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: Ref | None = None


class Hello(Event):
    type: Literal["hello"]
    token: Annotated[StrictStr, Field(max_length=128)] | None = None
    last_ids: dict[
        Annotated[StrictStr, Field(max_length=64)], Annotated[StrictInt, Field(ge=0)]
    ] = Field(default_factory=dict, max_length=500)
    lang: Literal["fr", "en"] | None = None


class Join(Event):
    type: Literal["join"]
    room: Slug


class Leave(Event):
    type: Literal["leave"]
    room: Slug


class Post(Event):
    type: Literal["post"]
    room: Slug
    text: Text


class Pm(Event):
    type: Literal["pm"]
    to: Pseudonym | None = None
    conversation: ConversationId | None = None
    text: Text


class PmRespond(Event):
    type: Literal["pm_respond"]
    conversation: ConversationId
    decision: Literal["accept", "ignore", "block"]


class PmPolicyEvent(Event):
    type: Literal["pm_policy"]
    policy: Literal["everyone", "rooms", "nobody"]


class Block(Event):
    type: Literal["block"]
    pseudonym: Pseudonym


class Unblock(Event):
    type: Literal["unblock"]
    pseudonym: Pseudonym


class Users(Event):
    type: Literal["users"]
    room: Slug


class Rooms(Event):
    type: Literal["rooms"]


class Search(Event):
    type: Literal["search"]
    q: Annotated[StrictStr, Field(min_length=1, max_length=20)]


class History(Event):
    type: Literal["history"]
    channel: Annotated[StrictStr, Field(max_length=64)]
    before: Annotated[StrictInt, Field(ge=1)] | None = None
    limit: Annotated[StrictInt, Field(ge=1, le=50)] = 50


class Report(Event):
    """A report of a message (``channel`` + ``id``) or of a chatter (``pseudonym``)."""

    type: Literal["report"]
    category: Literal["grooming", "ambush", "hate", "harassment", "spam", "personal_data", "other"]
    channel: Annotated[StrictStr, Field(max_length=64)] | None = None
    id: Annotated[StrictInt, Field(ge=1)] | None = None
    pseudonym: Pseudonym | None = None
    text: Annotated[StrictStr, Field(max_length=500)] = ""


class Delete(Event):
    """The author takes back one of their messages (server/own_data.py)."""

    type: Literal["delete"]
    channel: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    id: Annotated[StrictInt, Field(ge=1)]


class Ping(Event):
    type: Literal["ping"]


class AgeAnswer(Event):
    """The chatter's answer to a gentle age check: ``under`` is true when they say they are
    younger than their space allows (18 in the adult space, 15 in the teen space)."""

    type: Literal["age_answer"]
    under: StrictBool


class Typing(Event):
    """The chatter is writing in a private conversation (no text goes with it)."""

    type: Literal["typing"]
    conversation: ConversationId


EVENT_TYPES: dict[str, type[Event]] = {
    model.model_fields["type"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in (
        Hello,
        Join,
        Leave,
        Post,
        Pm,
        PmRespond,
        PmPolicyEvent,
        Block,
        Unblock,
        Users,
        Rooms,
        Search,
        History,
        Report,
        Delete,
        Ping,
        Typing,
        AgeAnswer,
    )
}


def _first_error(exc: ValidationError) -> ChatError:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return bad_field(f"{where}: {error['msg']}")


def parse_event(raw: str | bytes) -> tuple[Event, str | None]:
    """One frame into one event; the ref is returned even when validation fails."""
    try:
        data: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ChatError(ErrorCode.BAD_JSON) from None
    if not isinstance(data, dict):
        raise ChatError(ErrorCode.BAD_JSON)
    ref = data.get("ref") if isinstance(data.get("ref"), str) else None
    ref = ref[:64] if ref else None
    kind = data.get("type")
    model = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise ChatError(ErrorCode.BAD_EVENT)
    try:
        return model.model_validate(data), ref
    except ValidationError as exc:
        error = _first_error(exc)
        error.ref = ref  # the client can still match the refusal to what it sent
        raise error from None


class PowAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    challenge: Annotated[StrictStr, Field(max_length=200)]
    nonce: Annotated[StrictStr, Field(max_length=32)]


def _whole_number(value: Any) -> Any:
    """JSON has one number type: 30.0 is the integer 30 (and what /openapi.json's
    ``integer`` allows); 30.5, "30" and true stay refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class JoinRequest(BaseModel):
    """The join form: all a chatter ever tells about themselves."""

    model_config = ConfigDict(extra="forbid")
    pseudonym: Annotated[StrictStr, Field(max_length=60)]
    age: Annotated[StrictInt, BeforeValidator(_whole_number)]
    gender: Literal["f", "m", "x"] | StrictStr
    department: Annotated[StrictStr, Field(max_length=8)]
    pow: PowAnswer | None = None
    lang: Literal["fr", "en"] | None = None


def parse_body(model: type[JoinRequest], raw: bytes) -> JoinRequest:
    try:
        data: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ChatError(ErrorCode.BAD_JSON) from None
    if not isinstance(data, dict):
        raise ChatError(ErrorCode.BAD_JSON)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc) from None
