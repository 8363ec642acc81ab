"""The moderators' queue and what they read to judge an item (docs/desk-api.md).

Rules:
- One queue: open reports, open alerts, held messages and open appeals, ordered by severity
  (highest first) then age (oldest first). Severities come from core/sanctions.py.
- Reports from trusted flaggers (DSA art. 22: "given priority") come before everything
  else, among themselves by severity then age; each carries ``flagger`` (the flagger's
  name; ``None`` on every other item). Flaggers are few, chosen by an admin, and revocable:
  their notices are the ones most likely to be right.
- A case (an item with its context) and a chatter's file are protected data: each read is
  audited with the moderator who read it.
- Held messages with the same text (``flood_key``: case, accents, punctuation and numbers
  folded) are one item: ``count`` copies, their ids in ``copies``, ``senders`` distinct
  senders. Rejecting it rejects every copy; an action with ``bulk_case`` reaches every
  sender.
- Alerts of one kind in one channel within ``alert_merge_window_s`` are one item
  (store/safety.py): ``count`` alerts, ``senders`` distinct subjects; the case lists every
  merged alert (``merged``: when, whom, what the engine saw). Closing it closes them all.
- Other pseudonyms on the subject's device key are shown as ids and pseudonyms, never the key
  and never an address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from aiohttp import web

from causette.core.errors import ChatError, ErrorCode
from causette.core.roles import Permission
from causette.core.sanctions import (
    APPEAL_SEVERITY,
    HELD_SEVERITY,
    alert_severity,
    report_severity,
)
from causette.core.text import flood_key
from causette.server.desk.appeals import appeal_body
from causette.server.desk.auth import require
from causette.server.desk.service import DESK
from causette.server.http_api import json_response
from causette.store import SessionRecord
from causette.store.flaggers import FlaggerStore, flagger_of
from causette.store.safety import HeldMessage, SafetyStore

if TYPE_CHECKING:
    from causette.core.presence import Presence
    from causette.server.own_data import OwnData
    from causette.server.reports import Reports
    from causette.server.sanctions import Sanctions
    from causette.store import SqlStore


class QueueSources(Protocol):
    """What the queue and a case read (played by the chat service; nothing else of it)."""

    @property
    def store(self) -> SqlStore: ...

    @property
    def reports(self) -> Reports: ...

    @property
    def sanctions(self) -> Sanctions: ...

    @property
    def own(self) -> OwnData: ...

    @property
    def presence(self) -> Presence: ...

    @property
    def clock(self) -> Callable[[], float]: ...


# What the routes read their sources from (server/app.py sets it).
QUEUE_SOURCES: web.AppKey[QueueSources] = web.AppKey("desk-queue")


CONTEXT_BEFORE = 10
CONTEXT_SIZE = 20
SUMMARY_MAX = 140


def _subject(record: SessionRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "id": record.id,
        "pseudonym": record.pseudonym,
        "space": record.space,
        "age": record.age,
    }


def _item(
    kind: str,
    item_id: str,
    severity: int,
    ts: float,
    label: str,
    subject: SessionRecord | None,
    summary: str,
    count: int = 1,
    flagger: str | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": item_id,
        "severity": severity,
        "ts": ts,
        "label": label,
        "subject": _subject(subject),
        "summary": summary[:SUMMARY_MAX],
        "count": count,
        "flagger": flagger,
    }


def _order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: (item["flagger"] is None, -item["severity"], item["ts"]))


def _flagger_name(reporter_id: str, names: dict[str, str]) -> str | None:
    flagger_id = flagger_of(reporter_id)
    return None if flagger_id is None else names.get(flagger_id, flagger_id)


def _floods(held: list[HeldMessage]) -> list[list[HeldMessage]]:
    """Held messages grouped by ``flood_key``, oldest first in each: a thousand bots'
    copies of one spam are one case to judge, not a thousand items."""
    groups: dict[str, list[HeldMessage]] = {}
    for h in held:
        groups.setdefault(flood_key(h.text), []).append(h)
    return [sorted(g, key=lambda h: h.ts) for g in groups.values()]


async def open_items(service: QueueSources) -> list[dict[str, Any]]:
    safety = SafetyStore(service.store)
    reports = await service.reports.store.open_reports()
    merged = await service.reports.store.merged_counts()
    alerts = await safety.alerts()
    joined = await safety.merged_alert_subjects()
    held = await safety.held()
    appeals = await service.sanctions.store.appeals(status="open")
    ids = {r.subject_id for r in reports if r.subject_id}
    ids |= {a.subject_id for a in alerts if a.subject_id}
    ids |= {h.sender_id for h in held}
    ids |= {s.subject_id for _, s in appeals if s.subject_id}
    sessions = await service.store.sessions_by_id(ids)
    names = await FlaggerStore(service.store).names() if reports else {}
    items = [
        _item(
            "report",
            r.id,
            report_severity(r.category),
            r.ts,
            r.category,
            sessions.get(r.subject_id or ""),
            r.text or r.category,
            1 + merged.get(r.id, 0),
            _flagger_name(r.reporter_id, names),
        )
        for r in reports
    ]
    for a in alerts:
        others = joined.get(a.id, [])
        item = _item(
            "alert",
            a.id,
            alert_severity(a.severity),
            a.ts,
            a.kind,
            sessions.get(a.subject_id or ""),
            a.kind,
            1 + len(others),
        )
        item["senders"] = len({a.subject_id, *others} - {None})
        items.append(item)
    for copies in _floods(held):
        first = copies[0]
        item = _item(
            "held",
            first.id,
            HELD_SEVERITY,
            first.ts,
            "held",
            sessions.get(first.sender_id),
            first.text,
            len(copies),
        )
        item["copies"] = [h.id for h in copies[1:]]
        item["senders"] = len({h.sender_id for h in copies})
        items.append(item)
    items += [
        _item(
            "appeal",
            a.id,
            APPEAL_SEVERITY,
            a.ts,
            "appeal",
            sessions.get(s.subject_id or ""),
            a.text,
        )
        for a, s in appeals
    ]
    return _order(items)


async def queue(request: web.Request) -> web.Response:
    await require(request, Permission.QUEUE_READ)
    return json_response({"items": await open_items(request.app[QUEUE_SOURCES])})


async def _messages(service: QueueSources, channel: str | None, focus: int | None) -> list[Any]:
    if not channel:
        return []
    before = None if focus is None else focus + (CONTEXT_SIZE - CONTEXT_BEFORE)
    records = await service.store.messages_before(channel, before, CONTEXT_SIZE)
    shown = []
    for record in records:
        sender = orjson.loads(record.sender)
        shown.append(
            {
                "channel": record.channel,
                "id": record.id,
                "sender_id": record.sender_id,
                "pseudonym": sender.get("pseudonym"),
                "ts": record.ts,
                "text": record.text,
                "focus": record.id == focus,
            }
        )
    # What was taken out of the chat but kept as evidence (a moderator's deletion, or its
    # author's under a report) still shows here, marked: the desk judges what was said.
    ids = [r.id for r in records] + ([focus] if focus is not None else [])
    if ids:
        for kept in await service.own.store.removed(channel, min(ids), max(ids)):
            shown.append(
                {
                    "channel": channel,
                    "id": kept["id"],
                    "sender_id": kept["sender_id"],
                    "pseudonym": orjson.loads(kept["sender"]).get("pseudonym"),
                    "ts": kept["ts"],
                    "text": kept["text"],
                    "focus": kept["id"] == focus,
                    "removed": kept["by"],
                }
            )
        shown.sort(key=lambda m: int(m["id"]))
    return shown


async def _merged_alerts(service: QueueSources, head_id: str) -> list[dict[str, Any]]:
    """The alerts merged into the case ``head_id``, oldest first: when, whom (the subject's
    pseudonym from its context: the session may be gone), and what the engine saw."""
    shown = []
    for a in await SafetyStore(service.store).merged_alerts(head_id):
        parties = a.context.get("parties") or []
        shown.append(
            {
                "id": a.id,
                "ts": a.ts,
                "subject_id": a.subject_id,
                "pseudonym": parties[0].get("pseudonym") if parties else None,
                "parties": parties,
                "labels": a.context.get("labels", []),
                "risk": a.context.get("risk"),
                "reasons": a.context.get("reasons", []),
            }
        )
    return shown


async def chatter_file(service: QueueSources, chatter_id: str) -> dict[str, Any] | None:
    """Profile, sanctions and same-device pseudonyms of one chatter (protected data)."""
    found = await service.store.sessions_by_id([chatter_id])
    record = found.get(chatter_id)
    if record is None:
        return None
    now = service.clock()
    same = await service.sanctions.store.same_device(chatter_id)
    sanctions = await service.sanctions.store.of_subject(chatter_id)
    return {
        "profile": {
            "id": record.id,
            "pseudonym": record.pseudonym,
            "age": record.age,
            "space": record.space,
            "gender": record.gender,
            "department": record.department,
            "created_at": record.created_at,
            "account_age_s": round(now - record.created_at),
            "online": service.presence.is_online(record.id),
        },
        "sanctions": [s.public() for s in sanctions],
        "same_device": {
            "count": len(same),
            "chatters": [{"id": i, "pseudonym": p} for i, p in same],
        },
    }


async def _case(service: QueueSources, kind: str, item_id: str) -> dict[str, Any] | None:
    sanctions = service.sanctions
    context: dict[str, Any] = {"signals": None, "report": None, "appeal": None}
    subject_id: str | None
    if kind == "report":
        report = await sanctions.store.report(item_id)
        if report is None:
            return None
        subject_id = report["subject_id"]
        reporter = (await service.store.sessions_by_id([report["reporter_id"]])).get(
            report["reporter_id"]
        )
        flagger = None
        if flagger_of(report["reporter_id"]) is not None:
            names = await FlaggerStore(service.store).names()
            flagger = _flagger_name(report["reporter_id"], names)
        context["report"] = {
            "category": report["category"],
            "text": report["text"],
            "target": report["target"],
            "reporter_pseudonym": reporter.pseudonym if reporter else None,
            "flagger": flagger,
            "outcome": report["outcome"],
        }
        context["messages"] = await _messages(service, report["channel"], report["message_id"])
        item = _item(
            "report",
            item_id,
            report_severity(report["category"]),
            report["ts"],
            report["category"],
            None,
            report["text"] or report["category"],
            1 + (await service.reports.store.merged_counts()).get(item_id, 0),
            flagger,
        )
        is_open = report["status"] == "open"
    elif kind == "alert":
        alert = await sanctions.store.alert(item_id)
        if alert is None:
            return None
        subject_id = alert["subject_id"]
        context["signals"] = orjson.loads(alert["context"])
        context["messages"] = await _messages(service, alert["channel"], None)
        merged = await _merged_alerts(service, item_id)
        context["merged"] = merged
        item = _item(
            "alert",
            item_id,
            alert_severity(alert["severity"]),
            alert["ts"],
            alert["kind"],
            None,
            alert["kind"],
            1 + len(merged),
        )
        item["senders"] = len({subject_id, *(m["subject_id"] for m in merged)} - {None})
        is_open = alert["status"] == "open"
    elif kind == "held":
        held = await sanctions.store.held(item_id)
        if held is None:
            return None
        subject_id = held["sender_id"]
        context["signals"] = {"reasons": orjson.loads(held["reasons"]), "text": held["text"]}
        context["messages"] = await _messages(service, held["channel"], None)
        item = _item("held", item_id, HELD_SEVERITY, held["ts"], "held", None, held["text"])
        is_open = held["status"] == "pending"
    elif kind == "appeal":
        found = await sanctions.store.appeals(appeal_id=item_id)
        if not found:
            return None
        appeal, sanction = found[0]
        subject_id = sanction.subject_id
        context["appeal"] = appeal_body(appeal, sanction)
        context["messages"] = await _messages(service, sanction.channel, sanction.message_id)
        item = _item("appeal", item_id, APPEAL_SEVERITY, appeal.ts, "appeal", None, appeal.text)
        is_open = appeal.status == "open"
    else:
        return None
    subject = await chatter_file(service, subject_id) if subject_id else None
    if subject is not None:
        profile = subject["profile"]
        item["subject"] = {k: profile[k] for k in ("id", "pseudonym", "space", "age")}
    item["open"] = is_open
    context["subject"] = subject
    return {"item": item, "context": context}


async def case(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.QUEUE_READ)
    kind, item_id = request.match_info["kind"], request.match_info["item_id"]
    service = request.app[QUEUE_SOURCES]
    found = await _case(service, kind, item_id)
    if found is None:
        raise ChatError(ErrorCode.NOT_FOUND)
    await request.app[DESK].audit_action(moderator, "case.read", f"{kind}:{item_id}")
    return json_response(found)


async def chatter(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.QUEUE_READ)
    chatter_id = request.match_info["chatter_id"]
    found = await chatter_file(request.app[QUEUE_SOURCES], chatter_id)
    if found is None:
        raise ChatError(ErrorCode.NOT_FOUND)
    await request.app[DESK].audit_action(moderator, "chatter.read", f"chatter:{chatter_id}")
    return json_response(found)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/desk/queue", queue)
    app.router.add_get("/api/desk/cases/{kind}/{item_id}", case)
    app.router.add_get("/api/desk/chatters/{chatter_id}", chatter)
