"""The OpenAPI 3.1 description of the HTTP API (``/openapi.json``): the chat's own routes,
the public report and appeal routes, every ``/api/desk/*`` route and the legal pages.

Rules:
- Built from what the routes validate with, so it cannot drift silently: the join form is
  the ``JoinRequest`` model narrowed by core/identity.py's limits; every other limit, enum
  and required field is the constant its route's parser reads (``TEXT_MAX``,
  ``CATEGORIES``, ``Action``, ``MODERATOR_RULES``…), imported here rather than retyped.
- tests/server/test_openapi.py checks that every registered route is described and runs
  schemathesis against a live server: each answer's status, content type and body must be
  the ones described, data the schema refuses must be refused, and data it accepts must
  not be refused as malformed (a rule JSON Schema cannot state, such as "from before to",
  is said in the operation's ``x-cross-field`` and in its description).
- Every refusal is the ``Error`` object (server/http_api.py), unknown ``/api/`` paths too.
"""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from causette import __version__
from causette.server.http_api import json_response

Schema = dict[str, Any]

_ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, see docs/protocol.md"},
                "message": {"type": "string", "description": "in the caller's language"},
                "retry_after": {"type": "integer"},
                "statement": {"type": "object", "description": "banned, muted: why"},
            },
        }
    },
}
_ME: Schema = {
    "type": "object",
    "properties": {
        "pseudonym": {"type": "string"},
        "age": {"type": "integer"},
        "gender": {"type": "string", "enum": ["f", "m", "x"]},
        "region": {"type": "string"},
        "space": {"type": "string", "enum": ["teen", "adult"]},
        "department": {"type": "string"},
    },
}
_ROOM: Schema = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "space": {"type": "string"},
        "topic": {"type": "string"},
        "count": {"type": "integer"},
        "joined": {"type": "boolean"},
    },
}
_OBJECT: Schema = {"type": "object"}
# Statuses any route may answer: a store away (503), a failure (500, nothing applied).
_ALWAYS = (500, 503)
# Routes that read a JSON body also refuse a body too large or malformed (400), of another
# content type (415), and a state change sent by a browser from another site (403).
_BODY = (400, 403, 415)
_DESK = (401, 403)


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _dropped_class() -> str:
    """The characters core/text.py drops (categories ``DROPPED``), as the inside of a regex
    character class: computed from the same rule, so the two cannot disagree."""
    from causette.core.text import DROPPED

    return _category_class(DROPPED)


@functools.cache
def _category_class(categories: tuple[str, ...], keep: str = "") -> str:
    """The characters of these Unicode ``categories`` but those in ``keep``, as the inside
    of a regex character class (computed from unicodedata, as the routes' checks are)."""
    import re
    import sys
    import unicodedata

    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in categories and chr(code) not in keep:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


def _printable(low: int, high: int) -> Schema:
    """A text cleaned as chat text (core/text.py drops ``DROPPED`` characters but the
    newline), trimmed, that must then be ``low`` to ``high`` printable characters
    (``str.isprintable``: no control, format, private, unassigned or separator character but
    the space): what server/desk/flaggers.py reads a name or a contact with."""
    from causette.core.text import DROPPED

    dropped = f"[{_category_class(DROPPED, keep=chr(10))}]"
    # Printable and not blank: str.isprintable refuses Other and Separator characters. The
    # private-use, surrogate and unassigned ones are left to the operation's x-cross-field:
    # a class that lists them (a million characters) makes generating data far too slow.
    visible = rf"[^\s{_category_class(('Cc', 'Cf', 'Zs', 'Zl', 'Zp'))}]"
    edge = rf"(?:\s|{dropped})*"
    return {
        "type": "string",
        "pattern": f"^{edge}{visible}(?:{dropped}*(?:{visible}| )){{{low - 2},{high - 2}}}"
        f"{dropped}*{visible}{edge}$",
        "description": f"{low} to {high} printable characters once trimmed",
    }


def _address_part() -> str:
    return rf"[^@\s{_dropped_class()}]"


def _nonblank(limit: int) -> Schema:
    """A text a route trims and refuses when blank: at most ``limit`` characters as sent."""
    return {"type": "string", "maxLength": limit, "pattern": r"\S"}


def _cleaned(limit: int, *, controls_refused: bool = False) -> Schema:
    """A text cleaned as chat text (core/text.py) that must keep a visible character; with
    ``controls_refused`` a control character other than newline and tab is refused outright
    (the public report form)."""
    visible = rf"[^\s{_dropped_class()}]"
    if not controls_refused:
        return {"type": "string", "maxLength": limit, "pattern": visible}
    allowed = r"[^\x00-\x08\x0b-\x1f]"
    return {
        "type": "string",
        "maxLength": limit,
        "pattern": f"^{allowed}*{visible}{allowed}*$",
    }


def _body(schema: Schema, required: bool = True) -> Schema:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _path(name: str, description: str, max_length: int = 128) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1, "maxLength": max_length},
    }


def _op(
    summary: str,
    responses: dict[str, Schema],
    *,
    errors: tuple[int, ...] = (),
    body: Schema | None = None,
    parameters: list[Schema] | None = None,
    security: list[dict[str, list[str]]] | None = None,
    description: str = "",
    cross_field: str = "",
) -> Schema:
    statuses = set(errors) | set(_ALWAYS) | (set(_BODY) if body is not None else set())
    operation: Schema = {
        "summary": summary,
        "responses": {
            **responses,
            **{str(s): {"$ref": "#/components/responses/Error"} for s in sorted(statuses)},
        },
    }
    if description or cross_field:
        operation["description"] = " ".join(p for p in (description, cross_field) if p)
    if cross_field:
        operation["x-cross-field"] = cross_field
    if body is not None:
        operation["requestBody"] = body
    if parameters:
        operation["parameters"] = parameters
    if security is not None:
        operation["security"] = security
    return operation


def _join_schema() -> tuple[Schema, Schema]:
    """The join form: the model's own schema (types, required fields, no other field),
    narrowed by what core/identity.py then accepts."""
    from causette.core.geography import departments
    from causette.core.identity import MAX_AGE, MIN_AGE, PSEUDONYM_MAX, PSEUDONYM_MIN, Gender
    from causette.server.events import JoinRequest

    schema = JoinRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    props = schema["properties"]
    props["pseudonym"] = {
        "type": "string",
        "minLength": PSEUDONYM_MIN,
        "maxLength": PSEUDONYM_MAX,
        # Letters of any alphabet, ASCII digits, - and _ (NFKC-normalised, trimmed); the
        # pattern names the Latin ones, which is what a generator can draw.
        "pattern": f"^[A-Za-z0-9_À-ÖØ-öø-ÿ-]{{{PSEUDONYM_MIN},{PSEUDONYM_MAX}}}$",
        "description": "3 to 20 letters, digits, - or _; reserved or harmful names are refused",
    }
    props["age"] = {
        "type": "integer",
        "minimum": MIN_AGE,
        "maximum": MAX_AGE,
        "description": f"under {MIN_AGE}: refused with age_too_young (403)",
    }
    props["gender"] = {"type": "string", "enum": [g.value for g in Gender]}
    props["department"] = {"type": "string", "enum": sorted(departments())}
    return schema, defs


def _action_schema() -> Schema:
    from causette.core.sanctions import (
        MAX_DURATION_S,
        MODERATOR_RULES,
        REASON_MAX,
        SOURCE_KINDS,
        Action,
        Scope,
    )

    return {
        "type": "object",
        "required": ["action", "reason"],
        "properties": {
            "action": {"type": "string", "enum": [a.value for a in Action]},
            "subject_id": {"type": "string", "minLength": 1, "maxLength": 64},
            "source": {
                "type": "object",
                "required": ["kind", "id"],
                "properties": {
                    "kind": {"type": "string", "enum": list(SOURCE_KINDS)},
                    "id": {"type": "string", "maxLength": 64},
                },
            },
            "rule": {"type": "string", "enum": sorted(MODERATOR_RULES)},
            "reason": _cleaned(REASON_MAX),
            "duration_s": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_DURATION_S},
            "scope": {"type": "string", "enum": [s.value for s in Scope]},
            "channel": {"type": "string", "pattern": "^(room|pm):", "maxLength": 128},
            "message_id": {"type": "integer", "minimum": 1},
            "conversation_id": {"type": "string", "minLength": 1, "maxLength": 64},
            "bulk_device": {"type": "boolean"},
            "bulk_case": {"type": "boolean"},
        },
    }


def _public_report_schema() -> Schema:
    from causette.core.transparency import CATEGORIES
    from causette.server.public_reports import CONTACT_MAX, TARGET_FIELDS, TEXT_MAX

    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["category", "target", "text", "good_faith"],
        "properties": {
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "target": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "properties": {
                    k: _cleaned(limit, controls_refused=True) for k, limit in TARGET_FIELDS.items()
                },
            },
            "text": _cleaned(TEXT_MAX, controls_refused=True),
            "contact": {
                "type": "string",
                "maxLength": CONTACT_MAX,
                # An address once cleaned: no control, format or blank character in it.
                "pattern": rf"^{_address_part()}+@{_address_part()}+\.{_address_part()}+$",
            },
            "good_faith": {"type": "boolean", "const": True},
            "lang": {"type": "string", "enum": ["fr", "en"]},
            "pow": {"$ref": "#/components/schemas/PowAnswer"},
        },
    }


def _chat_paths(cookie: list[dict[str, list[str]]]) -> dict[str, Schema]:
    from causette.server.desk.appeals import APPEAL_TEXT_MAX, TOKEN_MAX
    from causette.server.own_data_api import OWN_DATA_FORMATS

    return {
        "/api/meta": {"get": _op("Genders, départements, limits", {"200": _json(_OBJECT, "meta")})},
        "/api/pow": {
            "get": _op(
                "A proof-of-work challenge for joining or reporting",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["challenge", "difficulty"],
                            "properties": {
                                "challenge": {"type": "string"},
                                "difficulty": {"type": "integer"},
                                "expires_in": {"type": "number"},
                            },
                        },
                        "challenge",
                    )
                },
            )
        },
        "/api/join": {
            "post": _op(
                "Join without registration",
                {
                    "201": _json(
                        {
                            "type": "object",
                            "required": ["token", "me"],
                            "properties": {"token": {"type": "string"}, "me": _ME},
                        },
                        "joined; sets the session and device cookies",
                    )
                },
                errors=(409, 429),
                body=_body({"$ref": "#/components/schemas/JoinRequest"}),
                description="403: proof of work invalid or expired, under 15, device paused, "
                "banned; 409: pseudonym taken; 429: too many joins from this address.",
            )
        },
        "/api/session": {
            "get": _op(
                "The caller's session",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["me"],
                            "properties": {"me": {"anyOf": [_ME, {"type": "null"}]}},
                        },
                        "the session; me is null when there is none (none yet, ended)",
                    )
                },
                errors=(403,),
                security=[*cookie, {}],
            )
        },
        "/api/logout": {
            "post": _op(
                "End the session (its socket closes with 4001)",
                {"204": {"description": "ended"}},
                errors=(401, 403),
                security=cookie,
            )
        },
        "/api/rooms": {
            "get": _op(
                "Rooms of the caller's space with live counts",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["rooms"],
                            "properties": {"rooms": {"type": "array", "items": _ROOM}},
                        },
                        "rooms",
                    )
                },
                errors=(401, 403),
                security=cookie,
            )
        },
        "/api/reports/public": {
            "post": _op(
                "Report without being in the chat (DSA art. 16)",
                {
                    "201": _json(
                        {
                            "type": "object",
                            "required": ["report_id", "follow_token"],
                            "properties": {
                                "report_id": {"type": "string"},
                                "follow_token": {"type": "string"},
                            },
                        },
                        "filed",
                    )
                },
                errors=(429,),
                body=_body({"$ref": "#/components/schemas/PublicReport"}),
                description="The proof of work of GET /api/pow is required (403 pow_invalid).",
            )
        },
        "/api/reports/public/{token}": {
            "get": _op(
                "A public report's status and outcome",
                {"200": _json(_OBJECT, "status")},
                errors=(404,),
                parameters=[_path("token", "the follow token given once at filing", 200)],
            )
        },
        "/api/appeals": {
            "post": _op(
                "Appeal a sanction with its statement's token (DSA art. 20)",
                {
                    "201": _json(
                        {
                            "type": "object",
                            "required": ["appeal_id"],
                            "properties": {"appeal_id": {"type": "string"}},
                        },
                        "filed",
                    )
                },
                errors=(404, 409),
                body=_body(
                    {
                        "type": "object",
                        "required": ["token", "text"],
                        "properties": {
                            "token": {"type": "string", "minLength": 1, "maxLength": TOKEN_MAX},
                            "text": _nonblank(APPEAL_TEXT_MAX),
                        },
                    }
                ),
            )
        },
        "/api/appeals/{token}": {
            "get": _op(
                "The sanction's statement and its appeal's status",
                {"200": _json(_OBJECT, "statement and appeal")},
                errors=(404,),
                parameters=[_path("token", "the statement's appeal token", 200)],
            )
        },
        "/api/reports/flagger": {
            "post": _op(
                "Report as a trusted flagger (DSA art. 22): the public form, no proof of work",
                {
                    "201": _json(
                        {
                            "type": "object",
                            "required": ["report_id", "follow_token", "flagger"],
                            "properties": {
                                "report_id": {"type": "string"},
                                "follow_token": {"type": "string"},
                                "flagger": {"type": "string", "description": "its name"},
                            },
                        },
                        "filed, first in the queue",
                    )
                },
                errors=(401, 403, 429),
                body=_body({"$ref": "#/components/schemas/PublicReport"}),
                security=[{"flaggerBearer": []}],
                description="The credential is checked before the form: 401 not_authenticated "
                "(unknown), 403 flagger_revoked; pow is not needed and ignored.",
            )
        },
        "/api/me/data": {
            "get": _op(
                "Everything kept about the caller's session (GDPR art. 15, 20)",
                {
                    "200": {
                        "description": "the export: JSON to download, or a page to read",
                        "content": {"application/json": {"schema": _OBJECT}, "text/html": {}},
                    }
                },
                errors=(400, 401, 403, 429),
                security=cookie,
                parameters=[
                    {
                        "name": "format",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(OWN_DATA_FORMATS)},
                    },
                    {
                        "name": "lang",
                        "in": "query",
                        "required": False,
                        "description": "the page's language (html): en, else fr; absent: "
                        "Accept-Language",
                        "schema": {"type": "string"},
                    },
                ],
            )
        },
        "/api/me/erase": {
            "post": _op(
                "Erase the caller's data and end the session (GDPR art. 17)",
                {"200": _json(_OBJECT, "what was erased and what the law keeps")},
                errors=(401, 429),
                body=_body(
                    {
                        "type": "object",
                        "required": ["confirm"],
                        "properties": {"confirm": {"type": "boolean", "const": True}},
                    }
                ),
                security=cookie,
            )
        },
        "/healthz": {"get": _op("Liveness", {"200": _json(_OBJECT, "ok or degraded")})},
        "/metrics": {
            "get": _op(
                "Prometheus metrics",
                {"200": {"description": "text format", "content": {"text/plain": {}}}},
            )
        },
        "/openapi.json": {"get": _op("This document", {"200": _json(_OBJECT, "OpenAPI 3.1")})},
    }


def _legal_paths() -> dict[str, Schema]:
    from causette.server.legal_pages import LANGS, PAGES

    lang = {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": f"one of {', '.join(LANGS)}; absent or another value: the first "
        "fr or en tag of Accept-Language, else fr",
        "schema": {"type": "string", "examples": list(LANGS)},
    }
    return {
        f"/legal/{page}": {
            "get": _op(
                titles[1],
                {"200": {"description": "the page", "content": {"text/html": {}}}},
                parameters=[lang],
            )
        }
        for page, titles in PAGES.items()
    }


def _desk_paths(desk: list[dict[str, list[str]]]) -> dict[str, Schema]:
    from causette.core.roles import Permission
    from causette.server.desk.appeals import APPEAL_TEXT_MAX
    from causette.server.desk.exports import SCOPE_LIST_MAX
    from causette.server.desk.legal import RECIPIENTS, TEXT_MAX

    def get(
        summary: str,
        *,
        errors: tuple[int, ...] = (),
        responses: dict[str, Schema] | None = None,
        **kw: Any,
    ) -> Schema:
        answer = responses or {"200": _json(_OBJECT, "ok")}
        return {"get": _op(summary, answer, errors=_DESK + errors, security=desk, **kw)}

    def post(
        summary: str,
        status: int,
        *,
        errors: tuple[int, ...] = (),
        responses: dict[str, Schema] | None = None,
        **kw: Any,
    ) -> Schema:
        answer = {"description": "done"} if status == 204 else _json(_OBJECT, "done")
        described = responses or {str(status): answer}
        return {"post": _op(summary, described, errors=_DESK + errors, security=desk, **kw)}

    def obj(required: list[str], **props: Schema) -> Schema:
        return _body({"type": "object", "required": required, "properties": props})

    empty = _body({"type": "object"}, required=False)
    window = {"type": "number", "description": "seconds since 1970 (UTC)"}
    names = {
        "type": "array",
        "maxItems": SCOPE_LIST_MAX,
        "items": {"type": "string", "minLength": 1, "maxLength": 64},
    }
    item_id = _path("item_id", "the queue item's id")
    perms = {p.value for p in Permission}
    return {
        "/api/desk/login": {
            "post": _op(
                "Open a desk session",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["moderator", "token", "expires_in"],
                            "properties": {
                                "moderator": {"$ref": "#/components/schemas/Moderator"},
                                "token": {"type": "string"},
                                "expires_in": {"type": "number"},
                            },
                        },
                        "the session (also a cookie, path /api/desk)",
                    )
                },
                errors=(401, 429),
                body=obj(
                    ["name", "password"],
                    name={"type": "string"},
                    password={"type": "string", "maxLength": 1024},
                ),
                description="Wrong name or password: 401 login_failed, alike; 429 after "
                "repeated failures.",
            )
        },
        "/api/desk/logout": {
            "post": _op("End the desk session", {"204": {"description": "ended"}}, errors=(403,))
        },
        "/api/desk/me": {
            "get": _op(
                "The moderator and what their role may do",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["moderator"],
                            "properties": {
                                "moderator": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/Moderator"},
                                        {
                                            "type": "object",
                                            "required": ["permissions"],
                                            "properties": {
                                                "permissions": {
                                                    "type": "array",
                                                    "items": {
                                                        "type": "string",
                                                        "enum": sorted(perms),
                                                    },
                                                }
                                            },
                                        },
                                    ]
                                }
                            },
                        },
                        "me",
                    )
                },
                errors=(401,),
                security=desk,
            )
        },
        "/api/desk/queue": get("The queue: reports, alerts, held messages, appeals"),
        "/api/desk/cases/{kind}/{item_id}": get(
            "One queue item with its context (audited)",
            errors=(404,),
            parameters=[_path("kind", "report, alert, held or appeal"), item_id],
        ),
        "/api/desk/chatters/{chatter_id}": get(
            "A chatter's file (audited)",
            errors=(404,),
            parameters=[_path("chatter_id", "the chatter's id")],
        ),
        "/api/desk/alerts": get("Open alerts of the safety engine", errors=(404,)),
        "/api/desk/held": get("Held messages", errors=(404,)),
        "/api/desk/reports": get("Open reports"),
        "/api/desk/held/{held_id}/approve": post(
            "Deliver a held message",
            200,
            errors=(404,),
            parameters=[_path("held_id", "the held message's id")],
            body=empty,
        ),
        "/api/desk/held/{held_id}/reject": post(
            "Refuse a held message",
            204,
            errors=(404,),
            parameters=[_path("held_id", "the held message's id")],
            body=empty,
        ),
        "/api/desk/actions": post(
            "Dismiss a queue item or sanction a chatter (statement of reasons, DSA art. 17)",
            200,
            errors=(404, 409),
            body=_body({"$ref": "#/components/schemas/Action"}),
            cross_field="dismiss needs source; any other action needs subject_id and rule; "
            "mute needs duration_s; delete needs channel and message_id; close_pm needs "
            "conversation_id; scope is for ban; bulk_device is not for delete, close_pm or "
            "dismiss; bulk_case needs a held source and is not for delete or dismiss; a "
            "reason is required except to dismiss (reason_required).",
        ),
        "/api/desk/appeals": get("Appeals, open first"),
        "/api/desk/appeals/{appeal_id}/decide": post(
            "Uphold or reverse (another moderator than the sanction's)",
            200,
            errors=(404, 409),
            parameters=[_path("appeal_id", "the appeal's id")],
            body=obj(
                ["decision"],
                decision={"type": "string", "enum": ["uphold", "reverse"]},
                text={"type": "string", "maxLength": APPEAL_TEXT_MAX},
            ),
        ),
        "/api/desk/events": {
            "get": _op(
                "Live queue and case events (Server-Sent Events)",
                {"200": {"description": "event stream", "content": {"text/event-stream": {}}}},
                errors=(401,),
                security=desk,
            )
        },
        "/api/desk/transparency": get(
            "Transparency report figures for a period (DSA art. 15, 24)",
            parameters=[
                {
                    "name": name,
                    "in": "query",
                    "required": True,
                    "schema": {
                        "type": "string",
                        "format": "date",
                        "pattern": r"^\d{4}-\d{2}-\d{2}$",
                    },
                }
                for name in ("from", "to")
            ],
            errors=(400,),
            cross_field="to is on or after from, ten years at most.",
        ),
        "/api/desk/requisitions/public-key": get("The key that signs requisition archives"),
        "/api/desk/requisitions": {
            **get("Requisitions"),
            **post(
                "Record a requisition",
                201,
                body=obj(
                    ["authority", "reference", "legal_basis", "scope"],
                    authority=_nonblank(500),
                    reference=_nonblank(200),
                    legal_basis=_nonblank(500),
                    scope={
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["from_ts", "to_ts"],
                        "properties": {
                            "from_ts": window,
                            "to_ts": window,
                            "pseudonyms": names,
                            "sessions": names,
                            "devices_of": names,
                            "message_ids": {
                                "type": "array",
                                "maxItems": SCOPE_LIST_MAX,
                                "items": {
                                    "type": "object",
                                    "required": ["channel", "id"],
                                    "properties": {
                                        "channel": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": 64,
                                        },
                                        "id": {"type": "integer", "minimum": 1},
                                    },
                                },
                            },
                        },
                    },
                ),
                cross_field="scope.from_ts before scope.to_ts; at least one of pseudonyms, "
                "sessions, devices_of or message_ids.",
            ),
        },
        "/api/desk/requisitions/{requisition_id}": get(
            "One requisition", errors=(404,), parameters=[_path("requisition_id", "its id")]
        ),
        "/api/desk/requisitions/{requisition_id}/export": post(
            "Start the signed export",
            202,
            errors=(404, 409),
            parameters=[_path("requisition_id", "its id")],
            body=empty,
        ),
        "/api/desk/requisitions/{requisition_id}/archive": {
            "get": _op(
                "Download the signed archive (audited)",
                {"200": {"description": "zip", "content": {"application/zip": {}}}},
                errors=(*_DESK, 404, 409),
                security=desk,
                parameters=[_path("requisition_id", "its id")],
            )
        },
        "/api/desk/preservations": {
            **get(
                "Preservations",
                parameters=[
                    {
                        "name": "all",
                        "in": "query",
                        "required": False,
                        "description": "1 or true: released ones too",
                        "schema": {"type": "string"},
                    }
                ],
            ),
            **post(
                "Keep data past the purge",
                201,
                body=obj(
                    ["reason", "from_ts", "to_ts"],
                    reason=_nonblank(500),
                    subject_id={"type": "string", "minLength": 1, "maxLength": 32},
                    channel={"type": "string", "minLength": 1, "maxLength": 64},
                    everything={"type": "boolean"},
                    from_ts=window,
                    to_ts=window,
                ),
                cross_field="subject_id, channel or both, or everything: true alone (then 60 "
                "days at most); from_ts before to_ts.",
            ),
        },
        "/api/desk/preservations/{preservation_id}/release": post(
            "Release a preservation",
            204,
            errors=(404, 409),
            parameters=[_path("preservation_id", "its id")],
            body=empty,
        ),
        **{
            f"/api/desk/{kind}s/{{{kind}_id}}/emergency": post(
                f"Notify the authorities about a threat (DSA art. 18), from a {kind}",
                201,
                errors=(404,),
                parameters=[_path(f"{kind}_id", f"the {kind}'s id")],
                body=obj(
                    ["recipient", "threat"],
                    recipient={"type": "string", "enum": list(RECIPIENTS)},
                    threat=_nonblank(TEXT_MAX),
                ),
            )
            for kind in ("alert", "report")
        },
        "/api/desk/notifications": get("Emergency notifications (audited)"),
        "/api/desk/notifications/{notification_id}/sent": post(
            "Record that a notification was sent",
            204,
            errors=(404, 409),
            parameters=[_path("notification_id", "its id")],
            body=obj(["via", "reference"], via=_nonblank(100), reference=_nonblank(200)),
        ),
        **_flagger_paths(desk, get, post),
        **_rules_paths(desk, get, post),
        "/api/desk/purge": post(
            "Purge what is past its retention period",
            200,
            body=_body(
                {"type": "object", "properties": {"dry_run": {"type": "boolean"}}}, required=False
            ),
        ),
    }


Verb = Any  # the get/post builders of _desk_paths (admins' bearer, its errors)


def _flagger_paths(desk: list[dict[str, list[str]]], get: Verb, post: Verb) -> dict[str, Schema]:
    """Trusted flaggers (server/desk/flaggers.py), admins only."""
    from causette.server.desk.flaggers import CONTACT_MAX, NAME_MAX, NAME_MIN

    flagger = {"$ref": "#/components/schemas/Flagger"}
    return {
        "/api/desk/flaggers": {
            **get("Trusted flaggers, active and revoked (admins)"),
            "post": _op(
                "Register a trusted flagger (admins): its credential is shown this once",
                {
                    "201": _json(
                        {
                            "type": "object",
                            "required": ["flagger", "token"],
                            "properties": {"flagger": flagger, "token": {"type": "string"}},
                        },
                        "registered",
                    )
                },
                errors=_DESK,
                security=desk,
                body=_body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name", "contact"],
                        "properties": {
                            "name": _printable(NAME_MIN, NAME_MAX),
                            "contact": _printable(3, CONTACT_MAX),
                        },
                    }
                ),
                cross_field="name: no other flagger's, whatever the case; name and contact "
                "hold no private-use or unassigned character (bad_field).",
            ),
        },
        "/api/desk/flaggers/{flagger_id}/revoke": {
            "post": _op(
                "End a trusted flagger's credential at once (admins)",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["flagger"],
                            "properties": {"flagger": flagger},
                        },
                        "revoked",
                    )
                },
                errors=(*_DESK, 404, 409),
                security=desk,
                parameters=[_path("flagger_id", "the flagger's id")],
                description="409 already_decided: revoked already.",
            )
        },
    }


def _rules_paths(desk: list[dict[str, list[str]]], get: Verb, post: Verb) -> dict[str, Schema]:
    """Shared rule lists and signed rule packs (server/desk/rules.py), admins only."""
    from causette.core.rule_lists import ENTRY_MAX, ISSUER_MAX, LISTS, PACK_ENTRIES_MAX

    entry = {"$ref": "#/components/schemas/RuleEntry"}
    pack = {"$ref": "#/components/schemas/StoredRulePack"}
    issuer = {
        "type": "object",
        "required": ["key_id", "name", "public_key"],
        "properties": {
            "key_id": {"type": "string"},
            "name": {"type": "string"},
            "public_key": {"type": "string", "description": "Ed25519, PEM"},
            "added_at": {"type": "number"},
        },
    }
    # As core/rule_lists.py's normalise_entry checks them.
    shapes = (
        "pseudonym: 3 to 40 letters, digits, _ or -; link_domain: a host name of two labels "
        "or more (example.org), not an address."
    )
    entry_rules = (
        f"entry, once NFKC-normalised, trimmed and lower-cased: 1 to {ENTRY_MAX} characters; "
        f"{shapes} An entry that looks like personal data (an e-mail address, a phone "
        "number, an IP address, eight digits or more) is refused (bad_field)."
    )

    def one(key: str, schema: Schema) -> Schema:
        return {"type": "object", "required": [key], "properties": {key: schema}}

    return {
        "/api/desk/rules": {
            **get(
                "The shared rule lists and their entries (admins)",
                responses={
                    "200": _json(
                        one(
                            "lists",
                            {
                                "type": "object",
                                "required": list(LISTS),
                                "additionalProperties": {"type": "array"},
                            },
                        ),
                        "the lists",
                    )
                },
            ),
            **post(
                "Add an entry to a list (admins); the chat applies it at once",
                201,
                body=_body(entry),
                responses={"201": _json(one("added", entry), "added")},
                cross_field=f"{entry_rules} Not in the list already (bad_field).",
            ),
        },
        "/api/desk/rules/remove": post(
            "Take an entry out of a list (admins)",
            200,
            errors=(404,),
            body=_body(entry),
            responses={"200": _json(one("removed", entry), "removed")},
            description="404 not_found: not in the list.",
            cross_field=entry_rules,
        ),
        "/api/desk/rules/issuer": get(
            "This instance's issuer: what another instance trusts to import its packs",
            responses={"200": _json(issuer, "name, key id and public key")},
        ),
        "/api/desk/rules/export": post(
            "The signed pack of the lists' entries (admins, audited)",
            200,
            body=_body(
                {
                    "type": "object",
                    "properties": {
                        "lists": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "enum": list(LISTS)},
                            "description": "all of them when absent",
                        }
                    },
                },
                required=False,
            ),
            responses={"200": _json({"$ref": "#/components/schemas/RulePack"}, "the pack")},
            description=f"More than {PACK_ENTRIES_MAX} entries: bad_field.",
        ),
        "/api/desk/rules/issuers": {
            **get(
                "The issuers whose packs this instance reviews (admins)",
                responses={"200": _json(one("issuers", {"type": "array", "items": issuer}), "ok")},
            ),
            **post(
                "Trust an issuer's key (admins)",
                201,
                body=_body(
                    {
                        "type": "object",
                        "required": ["name", "public_key"],
                        "properties": {
                            "name": _cleaned(ISSUER_MAX),
                            "public_key": {"type": "string", "description": "Ed25519, PEM"},
                        },
                    }
                ),
                responses={"201": _json(one("issuer", issuer), "trusted")},
                cross_field="public_key: an Ed25519 public key in PEM, not trusted already "
                "(bad_field).",
            ),
        },
        "/api/desk/rules/issuers/{key_id}/remove": post(
            "Stop trusting an issuer (admins)",
            204,
            errors=(404,),
            parameters=[_path("key_id", "the issuer's key id")],
        ),
        "/api/desk/rules/packs": {
            **get(
                "Received packs, each entry marked new or present against the lists (admins)",
                responses={"200": _json(one("packs", {"type": "array", "items": pack}), "ok")},
            ),
            **post(
                "Receive a pack: checked, kept pending for review, applied only once reviewed",
                201,
                body=_body({"$ref": "#/components/schemas/RulePack"}),
                responses={"201": _json(one("pack", pack), "pending")},
                cross_field="signed_by is the key id of a trusted issuer "
                "(pack_issuer_unknown) and signature the issuer's Ed25519 signature over the "
                "other fields (pack_signature_invalid); then each entry as for POST "
                f"/api/desk/rules: {entry_rules}",
            ),
        },
        "/api/desk/rules/packs/{pack_id}": get(
            "One received pack with its diff (admins)",
            errors=(404,),
            parameters=[_path("pack_id", "the pack's id")],
            responses={"200": _json(one("pack", pack), "ok")},
        ),
        "/api/desk/rules/packs/{pack_id}/review": post(
            "Accept all, some or none of a pack's entries (admins)",
            200,
            errors=(404, 409),
            parameters=[_path("pack_id", "the pack's id")],
            body=_body(
                one(
                    "accept",
                    {
                        "oneOf": [
                            {"type": "string", "const": "all"},
                            {"type": "array", "items": {"type": "integer"}},
                        ],
                        "description": '"all", or the indexes of the entries to accept '
                        "([] rejects the pack)",
                    },
                )
            ),
            responses={
                "200": _json(
                    {
                        "type": "object",
                        "required": ["pack", "added"],
                        "properties": {"pack": pack, "added": {"type": "array", "items": entry}},
                    },
                    "decided",
                )
            },
            cross_field="each index names an entry of the pack (bad_field); 409 "
            "already_decided: reviewed already.",
        ),
    }


def _rule_schemas() -> dict[str, Schema]:
    from causette.core.rule_lists import ENTRY_MAX, ISSUER_MAX, LISTS, PACK_ENTRIES_MAX, PACK_FORMAT

    entry: Schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["list", "entry"],
        "properties": {
            "list": {"type": "string", "enum": list(LISTS)},
            # Trimmed before its length counts: only a visible character is required here.
            "entry": {"type": "string", "pattern": r"\S", "description": f"at most {ENTRY_MAX}"},
        },
    }
    pack: Schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "issuer", "signed_by", "created_at", "entries", "signature"],
        "properties": {
            "format": {"type": "string", "const": PACK_FORMAT},
            "issuer": {"type": "string", "minLength": 1, "maxLength": ISSUER_MAX},
            "signed_by": {"type": "string", "description": "the issuer's key id"},
            "created_at": {"type": "number"},
            "entries": {"type": "array", "maxItems": PACK_ENTRIES_MAX, "items": entry},
            "signature": {"type": "string", "description": "Ed25519, base64"},
        },
    }
    stored: Schema = {
        "type": "object",
        "required": ["id", "issuer", "signed_by", "status", "entries", "new"],
        "properties": {
            "id": {"type": "string"},
            "issuer": {"type": "string"},
            "signed_by": {"type": "string"},
            "created_at": {"type": "number"},
            "received_at": {"type": "number"},
            "status": {"type": "string"},
            "decided_at": {"type": ["number", "null"]},
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "list", "entry", "state"],
                    "properties": {
                        "index": {"type": "integer"},
                        "list": {"type": "string"},
                        "entry": {"type": "string"},
                        "state": {"type": "string", "enum": ["new", "present"]},
                        "accepted": {"type": "boolean"},
                    },
                },
            },
            "new": {"type": "integer"},
        },
    }
    return {"RuleEntry": entry, "RulePack": pack, "StoredRulePack": stored}


@functools.cache
def openapi_document() -> dict[str, Any]:
    from causette.core.roles import Role

    join_schema, defs = _join_schema()
    chat: list[dict[str, list[str]]] = [{"cookie": []}, {"bearer": []}]
    desk: list[dict[str, list[str]]] = [{"deskCookie": []}, {"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "causette",
            "version": __version__,
            "description": "Anonymous chat. WebSocket events are described in docs/protocol.md, "
            "the desk in docs/desk-api.md. Every refusal is the Error object with a stable "
            "code; unknown /api/ paths answer it too (404 not_found).",
        },
        "paths": {**_chat_paths(chat), **_desk_paths(desk), **_legal_paths()},
        "components": {
            "schemas": {
                "JoinRequest": join_schema,
                **defs,
                "PublicReport": _public_report_schema(),
                "Action": _action_schema(),
                **_rule_schemas(),
                "Flagger": {
                    "type": "object",
                    "required": ["id", "name", "contact", "active"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "contact": {"type": "string"},
                        "created_at": {"type": "number"},
                        "revoked_at": {"type": ["number", "null"]},
                        "active": {"type": "boolean"},
                    },
                },
                "Moderator": {
                    "type": "object",
                    "required": ["id", "name", "role"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "role": {"type": "string", "enum": [r.value for r in Role]},
                    },
                },
            },
            "responses": {"Error": _json(_ERROR, "a refusal with a stable code")},
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": "causette_session"},
                "deskCookie": {"type": "apiKey", "in": "cookie", "name": "causette_desk"},
                "bearer": {"type": "http", "scheme": "bearer"},
                "flaggerBearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the credential an admin registered the trusted flagger "
                    "with (POST /api/desk/flaggers)",
                },
            },
        },
    }


async def _serve(request: web.Request) -> web.Response:
    return json_response(openapi_document())


def setup_routes(app: web.Application) -> None:
    """``/openapi.json``. Served from here, not from http_api.py: this module reads the desk's
    constants, and the desk imports http_api.py (it would be an import circle)."""
    app.router.add_get("/openapi.json", _serve)
