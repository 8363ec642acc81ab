"""Every desk endpoint × every kind of caller: who is let in and who is refused.

One table (``ENDPOINTS``) drives the test: each row names an endpoint, the permission it
requires (core/roles.py; None: any desk session) and the status an allowed caller gets with
the row's request (the request may well be refused *after* the check, e.g. 404 for an id that
does not exist: what matters is that it is not 401/403). Refusals are derived from the roles'
grants, so the table cannot drift from the policy: no session and a chatter's token → 401;
a moderator whose role lacks the permission → 403. Add a row for every new endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from causette.core.roles import Permission, Role, allowed


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    permission: Permission | None
    ok: int
    body: Any = None


ENDPOINTS = [
    Endpoint("GET", "/api/desk/me", None, 200),
    Endpoint("GET", "/api/desk/alerts", Permission.QUEUE_READ, 200),
    Endpoint("GET", "/api/desk/held", Permission.QUEUE_READ, 200),
    Endpoint("GET", "/api/desk/reports", Permission.QUEUE_READ, 200),
    Endpoint("POST", "/api/desk/held/nope/approve", Permission.HELD_DECIDE, 404),
    Endpoint("POST", "/api/desk/held/nope/reject", Permission.HELD_DECIDE, 404),
    Endpoint("GET", "/api/desk/queue", Permission.QUEUE_READ, 200),
    Endpoint("GET", "/api/desk/cases/report/nope", Permission.QUEUE_READ, 404),
    Endpoint("GET", "/api/desk/chatters/nope", Permission.QUEUE_READ, 404),
    Endpoint("POST", "/api/desk/actions", Permission.SANCTION, 400, {"action": "nope"}),
    Endpoint("GET", "/api/desk/appeals", Permission.QUEUE_READ, 200),
    Endpoint(
        "POST",
        "/api/desk/appeals/nope/decide",
        Permission.APPEAL_DECIDE,
        404,
        {"decision": "uphold"},
    ),
    Endpoint(
        "GET", "/api/desk/transparency?from=2026-11-01&to=2026-11-30", Permission.OPERATE, 200
    ),
    # Legal: requisitions, preservations, emergencies, the purge (server/desk/legal.py).
    Endpoint("GET", "/api/desk/requisitions/public-key", Permission.REQUISITION, 200),
    Endpoint("GET", "/api/desk/requisitions", Permission.REQUISITION, 200),
    Endpoint("POST", "/api/desk/requisitions", Permission.REQUISITION, 400, {"scope": {}}),
    Endpoint("GET", "/api/desk/requisitions/nope", Permission.REQUISITION, 404),
    Endpoint("POST", "/api/desk/requisitions/nope/export", Permission.REQUISITION, 404),
    Endpoint("GET", "/api/desk/requisitions/nope/archive", Permission.REQUISITION, 404),
    Endpoint("GET", "/api/desk/preservations", Permission.PRESERVE, 200),
    Endpoint("POST", "/api/desk/preservations", Permission.PRESERVE, 400, {"reason": "x"}),
    Endpoint("POST", "/api/desk/preservations/nope/release", Permission.PRESERVE_RELEASE, 404),
    Endpoint(
        "POST",
        "/api/desk/alerts/nope/emergency",
        Permission.EMERGENCY,
        404,
        {"recipient": "police", "threat": "menace"},
    ),
    Endpoint(
        "POST",
        "/api/desk/reports/nope/emergency",
        Permission.EMERGENCY,
        404,
        {"recipient": "pharos", "threat": "menace"},
    ),
    Endpoint("GET", "/api/desk/notifications", Permission.EMERGENCY, 200),
    Endpoint(
        "POST",
        "/api/desk/notifications/nope/sent",
        Permission.EMERGENCY,
        404,
        {"via": "mail", "reference": "r"},
    ),
    Endpoint("POST", "/api/desk/purge", Permission.OPERATE, 200, {"dry_run": True}),
    # Trusted flaggers (server/desk/flaggers.py).
    Endpoint("GET", "/api/desk/flaggers", Permission.OPERATE, 200),
    Endpoint("POST", "/api/desk/flaggers", Permission.OPERATE, 400, {"name": ""}),
    Endpoint("POST", "/api/desk/flaggers/nope/revoke", Permission.OPERATE, 404),
    # Shared rule lists and packs (server/desk/rules.py).
    Endpoint("GET", "/api/desk/rules", Permission.OPERATE, 200),
    Endpoint("POST", "/api/desk/rules", Permission.OPERATE, 400, {"list": "nope"}),
    Endpoint("POST", "/api/desk/rules/remove", Permission.OPERATE, 400, {"list": "nope"}),
    Endpoint("GET", "/api/desk/rules/issuer", Permission.OPERATE, 200),
    Endpoint("POST", "/api/desk/rules/export", Permission.OPERATE, 400, {"lists": ["nope"]}),
    Endpoint("GET", "/api/desk/rules/issuers", Permission.OPERATE, 200),
    Endpoint("POST", "/api/desk/rules/issuers", Permission.OPERATE, 400, {"name": ""}),
    Endpoint("POST", "/api/desk/rules/issuers/nope/remove", Permission.OPERATE, 404),
    Endpoint("GET", "/api/desk/rules/packs", Permission.OPERATE, 200),
    Endpoint("POST", "/api/desk/rules/packs", Permission.OPERATE, 400, {"format": "nope"}),
    Endpoint("GET", "/api/desk/rules/packs/nope", Permission.OPERATE, 404),
    Endpoint(
        "POST", "/api/desk/rules/packs/nope/review", Permission.OPERATE, 404, {"accept": "all"}
    ),
]

CALLERS = ["nobody", "chatter", *[role.value for role in Role]]


def expected(endpoint: Endpoint, caller: str) -> int:
    if caller in ("nobody", "chatter"):
        return 401
    if endpoint.permission is None or allowed(Role(caller), endpoint.permission):
        return endpoint.ok
    return 403


@pytest.fixture
async def tokens(make_client, make_moderator) -> dict[str, str | None]:
    chatter = await make_client("Curieux", connect=False)
    found: dict[str, str | None] = {"nobody": None, "chatter": chatter.token}
    for role in Role:
        desk = await make_moderator(f"{role.value}-one", role.value)
        found[role.value] = desk.token
    return found


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_endpoint_admits_exactly_its_roles(base_url, tokens, endpoint):
    wrong: list[str] = []
    async with aiohttp.ClientSession() as http:
        for caller in CALLERS:
            token = tokens[caller]
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            async with http.request(
                endpoint.method,
                f"{base_url.rstrip('/')}{endpoint.path}",
                json=endpoint.body,
                headers=headers,
            ) as resp:
                body = await resp.json() if resp.content_type == "application/json" else None
                want = expected(endpoint, caller)
                if resp.status != want:
                    wrong.append(f"{caller}: {resp.status} (expected {want}) {body}")
                elif want in (401, 403):
                    # A refusal is a structured error and leaks nothing of the resource.
                    assert set(body) == {"error"} and body["error"]["code"]
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_refusals_for_every_role():
    """Each permission in the table is refused to at least one role (else the table is not
    testing the policy)."""
    for endpoint in ENDPOINTS:
        # Every desk role may alert the authorities and freeze data (EMERGENCY, PRESERVE):
        # there only chatters and strangers are refused.
        if endpoint.permission not in (None, Permission.EMERGENCY, Permission.PRESERVE):
            assert any(expected(endpoint, r.value) == 403 for r in Role), endpoint
