"""A moderator's actions on a chatter: ``POST /api/desk/actions`` (docs/desk-api.md).

Rules:
- The request is validated whole (core/sanctions.py ``parse_action``) before anything is
  written; the sanctions, the queue item closed, the report's outcome, the message deleted
  and the audit entries commit in one transaction (store/sanctions.py).
- ``bulk_device`` applies the action to every pseudonym seen on the subject's device key.
- A held source is one case with its pending copies (same text, desk/queue.py): they are
  decided with it (rejected, or delivered on a dismiss), and ``bulk_case`` applies the
  action to every sender of a copy (a bot flood: one decision).
- An alert source is one case with the alerts merged into it (same kind, same channel,
  store/safety.py): they are closed with it, a dismiss lifts what the engine froze for each
  of them, and ``bulk_case`` applies the action to every subject of one of them.
- After a human sanction, the repeat-offender policy may add an automatic suspension: a
  sanction of its own (``automated: true``), with its statement and its audit entry.
- Then the chat carries it out (server/sanctions.py), the reporter learns the outcome and
  every console sees the queue change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.keys import token_hash
from causette.core.roles import Permission
from causette.core.sanctions import (
    COUNTED,
    REPEAT_OFFENDER_RULE,
    Action,
    ActionRequest,
    Scope,
    Status,
    parse_action,
    repeat_offence,
    repeat_reason,
)
from causette.server import protocol
from causette.server.desk.auth import require
from causette.server.desk.service import DESK
from causette.server.http_api import json_response, read_json
from causette.server.sanctions import Sanctions
from causette.store import SessionRecord
from causette.store.moderators import Moderator
from causette.store.safety import HeldMessage
from causette.store.sanctions import Audit, Outcome, SanctionRecord, new_sanction_id

if TYPE_CHECKING:
    from causette.server.ports import QueueFeed
    from causette.store import MessageRecord, SqlStore
    from causette.store.safety import SafetyStore


class HeldDecisions(Protocol):
    """A moderator's decision on held messages and alerts (played by the safety layer)."""

    @property
    def store(self) -> SafetyStore: ...

    async def approve(self, held_id: str, moderator: str) -> MessageRecord | None: ...

    async def cleared(self, alert: dict[str, Any]) -> None: ...


class ActionPorts(Protocol):
    """What an action reads and acts through (played by the chat service; nothing else
    of it): the store, the sanctions, held messages (None: safety off), the queue's feed."""

    @property
    def store(self) -> SqlStore: ...

    @property
    def sanctions(self) -> Sanctions: ...

    @property
    def safety(self) -> HeldDecisions | None: ...

    @property
    def queue(self) -> QueueFeed: ...

    @property
    def clock(self) -> Callable[[], float]: ...


# What the routes read their ports from (server/app.py sets it).
ACTIONS: web.AppKey[ActionPorts] = web.AppKey("desk-actions")


_OUTCOME_TEXT = {
    Action.DISMISS: "No breach of the rules was found; no action was taken.",
    Action.WARN: "The chatter was warned.",
    Action.DELETE: "The message was deleted.",
    Action.MUTE: "The chatter was muted for a while.",
    Action.KICK: "The chatter was removed from the chat.",
    Action.BAN: "The chatter's access was suspended.",
    Action.CLOSE_PM: "The private conversation was closed.",
    Action.MOVE_OUT: "The chatter was moved out of the space.",
}


def outcome_text(action: Action) -> str:
    return _OUTCOME_TEXT[action]


async def _subjects(
    service: ActionPorts, sanctions: Sanctions, request: ActionRequest
) -> list[SessionRecord]:
    assert request.subject_id is not None
    found = await service.store.sessions_by_id([request.subject_id])
    subject = found.get(request.subject_id)
    if subject is None:
        raise ChatError(ErrorCode.NOT_FOUND)
    subjects = [subject]
    if request.bulk_device:
        others = [i for i, _ in await sanctions.store.same_device(subject.id)]
        more = await service.store.sessions_by_id(others)
        subjects += [more[i] for i in others if i in more]
    return subjects


async def _held_copies(service: ActionPorts, request: ActionRequest) -> list[HeldMessage]:
    """The pending copies merged with a held source (decided with it), or []."""
    case_kinds = ("held", "alert")
    if request.source_kind not in case_kinds or request.source_id is None or not service.safety:
        if request.bulk_case:
            raise bad_field("bulk_case: the source is not a held message or an alert of this chat")
        return []
    if request.source_kind != "held":
        return []
    return await service.safety.store.pending_copies(request.source_id)


async def _case_subjects(
    service: ActionPorts, request: ActionRequest, copies: list[HeldMessage]
) -> set[str]:
    """Who a ``bulk_case`` action reaches besides its subject: the senders of a held
    case's copies, or the subjects of the alerts merged into an alert case."""
    if request.source_kind == "alert" and request.source_id and service.safety is not None:
        merged = await service.safety.store.merged_alerts(request.source_id)
        return {a.subject_id for a in merged if a.subject_id and a.status == "merged"}
    return {c.sender_id for c in copies}


async def _check_target(service: ActionPorts, request: ActionRequest) -> str | None:
    """The channel a delete or a close_pm names, checked against the subject."""
    if request.action is Action.DELETE:
        assert request.channel is not None and request.message_id is not None
        found = await service.store.messages_before(request.channel, request.message_id + 1, 1)
        if not found or found[0].id != request.message_id:
            raise ChatError(ErrorCode.NOT_FOUND)
        if found[0].sender_id != request.subject_id:
            raise bad_field("message_id: not a message of this chatter")
        return request.channel
    if request.action is Action.CLOSE_PM:
        assert request.subject_id is not None
        for conv_id, _, _, _ in await service.store.conversations_of(request.subject_id):
            if conv_id == request.conversation_id:
                return f"pm:{conv_id}"
        raise ChatError(ErrorCode.NOT_FOUND)
    return None


def _record(
    sanctions: Sanctions,
    subject: SessionRecord,
    now: float,
    *,
    action: Action,
    rule: str,
    reason: str,
    scope: Scope | None,
    until: float | None,
    automated: bool,
    decided_by: str | None,
    source: tuple[str, str] | None = None,
    channel: str | None = None,
    message_id: int | None = None,
) -> SanctionRecord:
    sanction_id = new_sanction_id()
    return SanctionRecord(
        id=sanction_id,
        ts=now,
        subject_id=subject.id,
        pseudonym=subject.pseudonym,
        device_key=subject.device_key,
        ip_key=subject.ip_key,
        action=action.value,
        scope=scope.value if scope else None,
        until=until,
        rule=rule,
        reason=reason,
        automated=automated,
        decided_by=decided_by,
        source_kind=source[0] if source else None,
        source_id=source[1] if source else None,
        channel=channel,
        message_id=message_id,
        status=Status.ACTIVE.value,
        appeal_token_hash=token_hash(sanctions.token(sanction_id)),
        reversed_at=None,
    )


def _audit(record: SanctionRecord) -> Audit:
    return Audit(
        actor=f"moderator:{record.decided_by}" if record.decided_by else "system:repeat_offender",
        action=f"sanction.{record.action}",
        target=f"chatter:{record.subject_id}",
        detail={
            "sanction_id": record.id,
            "rule": record.rule,
            "scope": record.scope,
            "until": record.until,
            "automated": record.automated,
            "source": f"{record.source_kind}:{record.source_id}" if record.source_kind else None,
        },
    )


async def _repeat_offences(
    sanctions: Sanctions, subjects: list[SessionRecord], now: float
) -> list[SanctionRecord]:
    """Automatic suspensions due now (DSA art. 23), stored with their audit entries."""
    policy = sanctions.policy
    added: list[SanctionRecord] = []
    for subject in subjects:
        history = [r.core() for r in await sanctions.store.of_subject(subject.id)]
        if not repeat_offence(history, policy, now):
            continue
        record = _record(
            sanctions,
            subject,
            now,
            action=Action.BAN,
            rule=REPEAT_OFFENDER_RULE,
            reason=repeat_reason(policy, subject.lang),
            scope=Scope.PSEUDONYM,
            until=now + policy.suspension_s,
            automated=True,
            decided_by=None,
        )
        await sanctions.store.record(now, [record], [_audit(record)])
        added.append(record)
    return added


async def _report_outcome(
    sanctions: Sanctions, kind: str | None, item_id: str | None, action: Action
) -> None:
    if kind != "report" or item_id is None:
        return
    report = await sanctions.store.report(item_id)
    if report is None:
        return
    # Whoever reported the same thing (reports merged into this case) is told too.
    told = [(item_id, report["reporter_id"]), *await sanctions.store.merged_into(item_id)]
    for report_id, reporter_id in told:
        outcome = protocol.report_outcome(report_id, action.value, outcome_text(action))
        await sanctions.notify(reporter_id, outcome)


async def dismiss(request: web.Request, moderator: Moderator, action: ActionRequest) -> Any:
    service = request.app[ACTIONS]
    sanctions = service.sanctions
    assert action.source_kind is not None and action.source_id is not None
    now = service.clock()
    audit = Audit(
        f"moderator:{moderator.id}",
        "queue.dismiss",
        f"{action.source_kind}:{action.source_id}",
        {"reason": action.reason},
    )
    if action.source_kind == "held" and service.safety is not None:
        # Nothing wrong with a held message: it is delivered, in order, as approved; so
        # are its copies merged into the same case.
        copies = await service.safety.store.pending_copies(action.source_id)
        record = await service.safety.approve(action.source_id, moderator.id)
        if record is None:
            raise ChatError(ErrorCode.ALREADY_DECIDED)
        for copy in copies:
            await service.safety.approve(copy.id, moderator.id)
        await sanctions.store.record(now, [], [audit])
    else:
        if action.source_kind == "alert" and service.safety is not None:
            alert = await sanctions.store.alert(action.source_id)
            if alert is not None and alert["status"] == "open":
                # Nothing wrong: what the engine froze for this alert is lifted, and for
                # each alert merged into its case.
                await service.safety.cleared(alert)
                for merged in await service.safety.store.merged_alerts(action.source_id):
                    row = await sanctions.store.alert(merged.id)
                    if row is not None and row["status"] == "merged":
                        await service.safety.cleared(row)
        close = Outcome(
            action.source_kind,
            action.source_id,
            Action.DISMISS.value,
            action.reason or outcome_text(Action.DISMISS),
            moderator.id,
        )
        await sanctions.store.record(now, [], [audit], close=close)
    await _report_outcome(sanctions, action.source_kind, action.source_id, Action.DISMISS)
    service.queue.queue_changed("removed", action.source_kind, action.source_id)
    return {"dismissed": {"kind": action.source_kind, "id": action.source_id}}


async def act(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.SANCTION)
    action = parse_action(await read_json(request))
    if action.action is Action.DISMISS:
        return json_response(await dismiss(request, moderator, action))
    service = request.app[ACTIONS]
    sanctions = service.sanctions
    subjects = await _subjects(service, sanctions, action)
    copies = await _held_copies(service, action)
    source = (
        (action.source_kind, action.source_id) if action.source_kind and action.source_id else None
    )
    if action.bulk_case:
        # Every sender of a copy of this flood (or subject of its alerts), once.
        known = {s.id for s in subjects}
        more = await service.store.sessions_by_id(
            await _case_subjects(service, action, copies) - known
        )
        subjects += [more[i] for i in sorted(more)]
    channel = await _check_target(service, action)
    if action.action is Action.BAN and service.safety and source is not None:
        # A ban also rejects what the banned have waiting on the desk: a bot's lone held
        # post must not stay in the queue after the flood it belonged to is banned.
        closing = {c.id for c in copies} | {source[1]}
        for subject in subjects:
            for waiting in await service.safety.store.held(sender_id=subject.id):
                if waiting.id not in closing:
                    copies.append(waiting)
                    closing.add(waiting.id)
    if action.action is Action.BAN and action.scope is not Scope.PSEUDONYM:
        key = subjects[0].device_key if action.scope is Scope.DEVICE else subjects[0].ip_key
        if not key:
            raise bad_field("scope: this chatter's session has no such key")
    now = service.clock()
    until = now + action.duration_s if action.duration_s is not None else None
    records = [
        _record(
            sanctions,
            subject,
            now,
            action=action.action,
            rule=action.rule,
            reason=action.reason,
            scope=action.scope,
            until=until,
            automated=False,
            decided_by=moderator.id,
            source=source if i == 0 else None,
            channel=channel,
            message_id=action.message_id,
        )
        for i, subject in enumerate(subjects)
    ]
    close = (
        Outcome(
            source[0],
            source[1],
            action.action.value,
            outcome_text(action.action),
            moderator.id,
            tuple(c.id for c in copies),
        )
        if source
        else None
    )
    delete = (
        (action.channel, action.message_id)
        if action.action is Action.DELETE and action.channel and action.message_id
        else None
    )
    await sanctions.store.record(now, records, [_audit(r) for r in records], close, delete)
    if action.action in COUNTED:
        records += await _repeat_offences(sanctions, subjects, now)
    for record in records:
        await sanctions.carry_out(record)
    if source is not None:
        await _report_outcome(sanctions, source[0], source[1], action.action)
        service.queue.queue_changed("removed", source[0], source[1])
    desk = request.app[DESK]
    desk.publish("sanctions", ids=[r.id for r in records])
    return json_response({"sanctions": [r.public() for r in records]})


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/desk/actions", act)
