"""Reports from people who are not in the chat (DSA art. 16): the public report page's API.

- ``POST /api/reports/public`` files a report: a category, what it points at (pseudonym,
  room, approximate time or a message reference copied from the chat), a description, an
  optional contact e-mail and the statement of good faith art. 16(2)(d) requires. It
  answers 201 ``{"report_id", "follow_token"}``.
- ``GET /api/reports/public/{token}`` reads the report back: its status, and its outcome
  once a moderator decided it.

Rules:
- No session: the same proof of work as the join (``GET /api/pow``), spent once, and a
  per-address rate limit (cluster-wide with Redis) keep the queue from being flooded. The
  form is checked before the proof is spent, so fixing a field does not cost a new one.
- Bad input is one ``bad_field`` naming the field; nothing is stored.
- The report is stored with ``reporter_id = "public:<random>"`` (nobody's session), lands
  open in the moderators' queue, and a grooming or ambush report raises an alert as a chat
  report does.
- The follow token is shown once to the reporter and kept only as a hash; an unknown token
  and a malformed one answer the same 404.

Trusted flaggers (DSA art. 22) file the same form at ``POST /api/reports/flagger`` with
``Authorization: Bearer <credential>`` (the one an admin registered them with,
server/desk/flaggers.py): no proof of work, a per-flagger limit instead of the per-address
one, ``reporter_id = "flagger:<id>"`` so the report carries the flagger's name and goes first
in the queue (server/desk/queue.py). An unknown credential is 401 ``not_authenticated``; a
revoked one 403 ``flagger_revoked``, and nothing is stored.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.identity import Space
from causette.core.keys import ip_prefix, token_hash
from causette.core.ratelimit import TokenBucket, per_hour
from causette.core.text import cleaned
from causette.core.transparency import CATEGORIES, PUBLIC_PREFIX
from causette.server.chat import ChatService
from causette.server.http_api import json_response, read_json, request_lang
from causette.server.keys import SERVICE
from causette.server.proxy import client_address
from causette.server.sessions import bearer_token
from causette.store.flaggers import FLAGGER_PREFIX, Flagger, FlaggerStore
from causette.store.reports import ReportStore

TEXT_MAX = 2000
CONTACT_MAX = 254
TARGET_FIELDS = {"pseudonym": 40, "room": 64, "time": 40, "message": 200}
REPORTS_PER_ADDRESS_PER_HOUR = 10
# A flagger is an organisation relaying many people's notices: more than one address files.
REPORTS_PER_FLAGGER_PER_HOUR = 120
BODY_MAX = 16 * 1024  # 2000 characters of text may take 8 kB in UTF-8, plus the rest
URGENT = ("grooming", "ambush")
URGENT_SEVERITY = 3  # as the safety engine's grooming and ambush alerts
_FIELDS = {"category", "target", "text", "contact", "good_faith", "lang", "pow"}
# Deliberately loose: one "@", a dot in the domain, no spaces. The address is only read by
# a person who may write back; a stricter check would refuse real addresses.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


@dataclass(frozen=True, slots=True)
class PublicReport:
    category: str
    target: dict[str, str]
    text: str
    contact: str | None
    lang: str


def _text(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise bad_field(f"{name}: a string")
    if any(ord(c) < 32 and c not in "\n\t" for c in value.strip()):
        raise bad_field(f"{name}: control characters are not allowed")
    # Cleaned as chat text is (core/text.py): a U+202E must not reverse what the desk shows.
    value = cleaned(value)
    if len(value) > limit:
        raise bad_field(f"{name}: at most {limit} characters")
    return value


def parse_form(body: dict[str, Any], default_lang: str) -> PublicReport:
    """The report from the page's JSON, or a ``bad_field`` naming the first wrong field."""
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise bad_field(f"{unknown[0]}: unknown field")
    category = body.get("category")
    if category not in CATEGORIES:
        raise bad_field(f"category: one of {', '.join(CATEGORIES)}")
    raw_target = body.get("target")
    if not isinstance(raw_target, dict):
        raise bad_field("target: an object with pseudonym, room, time or message")
    target: dict[str, str] = {}
    for key, value in raw_target.items():
        if key not in TARGET_FIELDS:
            raise bad_field(f"target.{key}: unknown field")
        if value is None:
            continue
        text = _text(value, f"target.{key}", TARGET_FIELDS[key])
        if text:
            target[key] = text
    if not target:
        raise bad_field("target: say what it is about (a pseudonym, a room, a time or a message)")
    text = _text(body.get("text", ""), "text", TEXT_MAX)
    if not text:
        raise bad_field("text: describe what happened")
    contact = body.get("contact")
    if contact is not None:
        contact = _text(contact, "contact", CONTACT_MAX) or None
        if contact is not None and not _EMAIL.fullmatch(contact):
            raise bad_field("contact: an e-mail address, or nothing")
    if body.get("good_faith") is not True:
        raise bad_field("good_faith: confirm that you believe the report accurate")
    lang = body.get("lang", default_lang)
    if lang not in ("fr", "en"):
        raise bad_field("lang: fr or en")
    return PublicReport(category, target, text, contact, lang)


class PublicReports:
    def __init__(self, service: ChatService) -> None:
        self.service = service
        self.store = ReportStore(service.store)
        self._buckets: dict[str, TokenBucket] = {}

    async def _take(self, address: str) -> None:
        """One report from this address (IPv4, or IPv6 /64), or ``report_rate_limited``."""
        service = self.service
        now = service.clock()
        unit = ip_prefix(address)
        bucket = self._buckets.setdefault(unit, per_hour(REPORTS_PER_ADDRESS_PER_HOUR))
        wait = bucket.take(now)
        if not wait:
            wait = await service.cluster.take_join(
                f"public-report:{unit}", REPORTS_PER_ADDRESS_PER_HOUR, now
            )
        if wait:
            raise ChatError(ErrorCode.REPORT_RATE_LIMITED, retry_after=wait)
        if len(self._buckets) > 100_000:
            self._buckets = {k: b for k, b in self._buckets.items() if not b.full(now)}

    async def file(self, report: PublicReport, pow_answer: object, address: str) -> dict[str, str]:
        if not isinstance(pow_answer, dict):
            pow_answer = {}
        await self.service.spend_challenge(pow_answer.get("challenge"), pow_answer.get("nonce"))
        await self._take(address)
        return await self._store(report, f"{PUBLIC_PREFIX}{secrets.token_hex(8)}")

    async def flagger(self, credential: str | None) -> Flagger:
        """The active flagger this credential is, or ``not_authenticated`` (unknown) /
        ``flagger_revoked``."""
        if not credential or not _TOKEN.fullmatch(credential):
            raise ChatError(ErrorCode.NOT_AUTHENTICATED)
        flagger = await FlaggerStore(self.service.store).by_token_hash(token_hash(credential))
        if flagger is None:
            raise ChatError(ErrorCode.NOT_AUTHENTICATED)
        if flagger.revoked_at is not None:
            raise ChatError(ErrorCode.FLAGGER_REVOKED)
        return flagger

    async def file_as_flagger(self, report: PublicReport, flagger: Flagger) -> dict[str, str]:
        now = self.service.clock()
        bucket = self._buckets.setdefault(
            f"flagger:{flagger.id}", per_hour(REPORTS_PER_FLAGGER_PER_HOUR)
        )
        wait = bucket.take(now)
        if wait:
            raise ChatError(ErrorCode.REPORT_RATE_LIMITED, retry_after=wait)
        return await self._store(report, f"{FLAGGER_PREFIX}{flagger.id}")

    async def _store(self, report: PublicReport, reporter_id: str) -> dict[str, str]:
        token = secrets.token_urlsafe(24)
        now = self.service.clock()
        # The contact address travels with what the report points at: moderators read it
        # there to write back, and it is never shown to anyone else.
        target = dict(report.target)
        if report.contact:
            target["contact"] = report.contact
        report_id = await self.store.add_public(
            ts=now,
            reporter_id=reporter_id,
            category=report.category,
            target=orjson.dumps(target).decode(),
            text=report.text,
            follow_token_hash=token_hash(token),
            lang=report.lang,
        )
        if report.category in URGENT:
            subject_id = await self._alert(report_id, report, now)
            await self._preserve(report_id, report, subject_id)
        # Open consoles see the new queue item at once (as a chat report's).
        self.service.queue.queue_changed("added", "report", report_id)
        return {"report_id": report_id, "follow_token": token}

    def _subject(self, report: PublicReport) -> str | None:
        """The chatter the report names, when someone by that name is online."""
        pseudonym = report.target.get("pseudonym")
        subject_id = None
        if pseudonym:
            # The page's visitor is in neither space: the name may be in either.
            for space in Space:
                subject_id = subject_id or self.service.presence.find(pseudonym, space)
        return subject_id

    async def _preserve(self, report_id: str, report: PublicReport, subject_id: str | None) -> None:
        """Freeze the data around a grooming/ambush report past the purge, as for a chat
        report, when it names a chatter who is there. Without one nothing is frozen: anyone
        may file a public report, and a report naming nobody must not stop the purge of
        everything (issue 15); it is in the queue, and a moderator who reads it preserves
        what it needs (``POST /api/desk/preservations``)."""
        if subject_id is None:
            return
        room = report.target.get("room")
        known = any(r.slug == room for r in self.service.catalogue.rooms)
        channel = f"room:{room}" if known else None
        await self.service.retention.preserve_report(
            report_id, report.category, subject_id, channel
        )

    async def _alert(self, report_id: str, report: PublicReport, now: float) -> str | None:
        """An alert for the queue, as a chat report of grooming or ambush raises one;
        returns the subject it names, if found."""
        service = self.service
        subject_id = self._subject(report)
        if service.safety is None:
            return subject_id
        context = {
            "source": "public_report",
            "report_id": report_id,
            "category": report.category,
            "target": report.target,
            "text": report.text,
        }
        await service.safety.store.add_alert(
            f"report.{report.category}", URGENT_SEVERITY, now, context, None, subject_id
        )
        return subject_id

    async def status(self, token: str) -> dict[str, Any]:
        if not _TOKEN.fullmatch(token):
            raise ChatError(ErrorCode.NOT_FOUND)
        found = await self.store.public_status(token_hash(token))
        if found is None:
            raise ChatError(ErrorCode.NOT_FOUND)
        return {
            "status": found.status,
            "category": found.category,
            "received_at": found.ts,
            "outcome": found.outcome,
            "outcome_text": found.outcome_text,
            "decided_at": found.decided_at,
        }


PUBLIC_REPORTS: web.AppKey[PublicReports] = web.AppKey("public_reports", PublicReports)


async def file_report(request: web.Request) -> web.Response:
    body = await read_json(request, BODY_MAX)
    report = parse_form(body, request_lang(request))
    service = request.app[SERVICE]
    address = client_address(request, service.settings.trusted_proxies)
    answer = await request.app[PUBLIC_REPORTS].file(report, body.get("pow"), address)
    return json_response(answer, 201)


async def report_status(request: web.Request) -> web.Response:
    answer = await request.app[PUBLIC_REPORTS].status(request.match_info["token"])
    response = json_response(answer)
    # The token is in the URL: keep the answer out of shared caches.
    response.headers["Cache-Control"] = "no-store"
    return response


async def file_flagger_report(request: web.Request) -> web.Response:
    reports = request.app[PUBLIC_REPORTS]
    # The credential first: a stranger learns nothing of the form's rules.
    flagger = await reports.flagger(bearer_token(request))
    body = await read_json(request, BODY_MAX)
    report = parse_form(body, request_lang(request))
    answer = await reports.file_as_flagger(report, flagger)
    return json_response({**answer, "flagger": flagger.name}, 201)


def setup_routes(app: web.Application) -> None:
    app[PUBLIC_REPORTS] = PublicReports(app[SERVICE])
    app.router.add_post("/api/reports/public", file_report)
    app.router.add_post("/api/reports/flagger", file_flagger_report)
    app.router.add_get("/api/reports/public/{token}", report_status)
