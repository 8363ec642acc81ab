"""The OpenAPI 3.1 description of the HTTP API, built from the pydantic models it validates
with, so the document cannot drift from what the server accepts."""

from __future__ import annotations

import functools
from typing import Any

from causette import __version__
from causette.server.events import JoinRequest

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "retry_after": {"type": "integer"},
            },
        }
    },
}
_ME = {
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
_ROOM = {
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


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": "#/components/responses/Error"} for s in statuses}


@functools.cache
def openapi_document() -> dict[str, Any]:
    join_schema = JoinRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = join_schema.pop("$defs", {})
    secured: list[dict[str, list[str]]] = [{"cookie": []}, {"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "causette",
            "version": __version__,
            "description": "Anonymous chat. WebSocket events are described in docs/protocol.md.",
        },
        "paths": {
            "/api/meta": {
                "get": {
                    "summary": "Genders, départements, limits",
                    "responses": {"200": _json({"type": "object"}, "meta")},
                }
            },
            "/api/pow": {
                "get": {
                    "summary": "A proof-of-work challenge for joining",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "challenge": {"type": "string"},
                                    "difficulty": {"type": "integer"},
                                    "expires_in": {"type": "number"},
                                },
                            },
                            "challenge",
                        )
                    },
                }
            },
            "/api/join": {
                "post": {
                    "summary": "Join without registration",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/JoinRequest"}
                            }
                        },
                    },
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "properties": {"token": {"type": "string"}, "me": _ME},
                            },
                            "joined; sets the cookie",
                        ),
                        **_errors(400, 403, 409, 429),
                    },
                }
            },
            "/api/session": {
                "get": {
                    "summary": "The caller's session",
                    "security": secured,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"me": {"anyOf": [_ME, {"type": "null"}]}},
                            },
                            "the session; me is null when there is none (none yet, ended)",
                        ),
                        **_errors(403),
                    },
                }
            },
            "/api/logout": {
                "post": {
                    "summary": "End the session",
                    "security": secured,
                    "responses": {"204": {"description": "ended"}, **_errors(401)},
                }
            },
            "/api/rooms": {
                "get": {
                    "summary": "Rooms of the caller's space with live counts",
                    "security": secured,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"rooms": {"type": "array", "items": _ROOM}},
                            },
                            "rooms",
                        ),
                        **_errors(401),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness",
                    "responses": {"200": _json({"type": "object"}, "ok")},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {"200": {"description": "text format"}},
                }
            },
        },
        "components": {
            "schemas": {"JoinRequest": join_schema, **defs},
            "responses": {"Error": _json(_ERROR, "a refusal with a stable code")},
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": "causette_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
