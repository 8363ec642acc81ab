"""The legal side of the desk: requisitions and their signed exports, preservations,
emergency notifications to the authorities (DSA art. 18), and the purge on demand.

Rules:
- Each route names one permission (core/roles.py): requisitions are ``legal`` only;
  preservations may be made by moderators, released by ``legal`` only; emergencies by
  whoever handles the queue; the purge by ``admin``.
- Every step is audited: a requisition recorded, an export started and finished (by the
  legal store, in their transactions), an archive downloaded, a preservation made or
  released, a notification prepared, read or sent.
- No route here shows connection data; only the archive of a requisition contains it.
- An emergency notification freezes the related data (subject and channel) at once.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import pathlib
import sys
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.roles import Permission
from causette.core.sealing import parse_public_key, public_key_id, public_key_pem
from causette.server.desk.auth import require
from causette.server.desk.commands import OPERATOR, add_command, run_with_store
from causette.server.desk.exports import ExportJob, Exports, parse_scope, verify_archive
from causette.server.desk.service import DESK
from causette.server.http_api import json_response, read_json
from causette.server.keys import SERVICE
from causette.server.retention import (
    Retention,
    load_signing_key,
    open_retention,
    policy_of,
)
from causette.settings import Settings, load_settings
from causette.store.legal import DONE, RUNNING, Notification
from causette.store.moderators import Moderator
from causette.store.sql import SqlStore

if TYPE_CHECKING:
    from causette.server.desk.commands import Subparsers

RECIPIENTS = ("pharos", "police")
TEXT_MAX = 2000
EVIDENCE_BEFORE, EVIDENCE_AFTER = 30, 10


@dataclass
class LegalDesk:
    retention: Retention
    exports: Exports
    signing_key: Ed25519PrivateKey
    exports_dir: pathlib.Path


LEGAL: web.AppKey[LegalDesk] = web.AppKey("legal", LegalDesk)


def _actor(moderator: Moderator) -> str:
    return f"moderator:{moderator.id}"


def _text(body: dict[str, Any], name: str, limit: int = 500, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise bad_field(f"{name}: a text of 1 to {limit} characters")
    return value.strip()


def _optional_id(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise bad_field(f"{name}: up to {limit} characters")
    return value


def _utc(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- requisitions --------------------------------------------------------------------------------
async def record_requisition(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.REQUISITION)
    body = await read_json(request, 64 * 1024)
    scope = parse_scope(body.get("scope"))
    legal = request.app[LEGAL].retention.legal
    requisition = await legal.record_requisition(
        ts=request.app[DESK].clock(),
        actor=_actor(moderator),
        created_by=moderator.id,
        authority=_text(body, "authority"),
        reference=_text(body, "reference", 200),
        legal_basis=_text(body, "legal_basis"),
        scope=scope.as_json(),
    )
    request.app[DESK].publish("requisition", id=requisition.id, status=requisition.status)
    return json_response({"requisition": requisition.public}, 201)


async def list_requisitions(request: web.Request) -> web.Response:
    await require(request, Permission.REQUISITION)
    found = await request.app[LEGAL].retention.legal.requisitions()
    return json_response({"requisitions": [r.public for r in found]})


async def _requisition_or_404(request: web.Request) -> Any:
    requisition_id = request.match_info["requisition_id"]
    found = await request.app[LEGAL].retention.legal.requisition(requisition_id)
    if found is None:
        raise ChatError(ErrorCode.NOT_FOUND)
    return found


async def get_requisition(request: web.Request) -> web.Response:
    await require(request, Permission.REQUISITION)
    requisition = await _requisition_or_404(request)
    return json_response({"requisition": requisition.public})


async def start_export(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.REQUISITION)
    requisition = await _requisition_or_404(request)
    state = request.app[LEGAL]
    desk = request.app[DESK]
    if state.exports.running(requisition.id):
        raise ChatError(ErrorCode.NOT_READY)
    if not await state.retention.legal.start_export(
        requisition.id, _actor(moderator), desk.clock()
    ):
        raise ChatError(ErrorCode.NOT_READY)
    job = ExportJob(
        desk.store,
        state.retention.legal,
        state.retention.keyring,
        state.signing_key,
        requisition,
        state.exports_dir,
        _actor(moderator),
        desk.clock,
        desk.settings.session_ttl_s,
    )
    task = state.exports.start(job)
    desk.publish("requisition", id=requisition.id, status=RUNNING)
    # Consoles re-read the requisition when its export ends (done or failed); they poll
    # its progress meanwhile.
    task.add_done_callback(lambda _task: desk.publish("export", id=requisition.id))
    return json_response({"requisition": {**requisition.public, "status": RUNNING}}, 202)


async def download_archive(request: web.Request) -> web.StreamResponse:
    moderator = await require(request, Permission.REQUISITION)
    requisition = await _requisition_or_404(request)
    if requisition.status != DONE or not requisition.archive_path:
        raise ChatError(ErrorCode.NOT_READY)
    path = pathlib.Path(requisition.archive_path)
    if not await asyncio.to_thread(path.is_file):
        raise ChatError(ErrorCode.NOT_FOUND)
    desk = request.app[DESK]
    await desk.audit_action(
        moderator,
        "requisition.download",
        f"requisition:{requisition.id}",
        {"archive_sha256": requisition.archive_sha256},
    )
    name = f"requisition-{requisition.id}.zip"
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


async def public_key(request: web.Request) -> web.Response:
    await require(request, Permission.REQUISITION)
    key = request.app[LEGAL].signing_key
    return json_response(
        {
            "algorithm": "Ed25519",
            "key_id": public_key_id(key),
            "public_key_pem": public_key_pem(key).decode("ascii"),
        }
    )


# -- preservations -------------------------------------------------------------------------------
async def list_preservations(request: web.Request) -> web.Response:
    await require(request, Permission.PRESERVE)
    active_only = request.query.get("all") not in ("1", "true")
    found = await request.app[LEGAL].retention.legal.preservations(active_only)
    return json_response({"preservations": [asdict(p) for p in found]})


# A preservation of everything (no subject, no channel) spans at most this long.
BLANKET_MAX_S = 60 * 86400.0


async def create_preservation(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.PRESERVE)
    body = await read_json(request)
    subject_id = _optional_id(body, "subject_id", 32)
    channel = _optional_id(body, "channel", 64)
    everything = body.get("everything", False)
    if not isinstance(everything, bool):
        raise bad_field("everything: true or false")
    if everything and (subject_id is not None or channel is not None):
        raise bad_field("everything: without subject_id or channel")
    if subject_id is None and channel is None and not everything:
        raise bad_field("give subject_id, channel or both (or everything: true)")
    from_ts, to_ts = body.get("from_ts"), body.get("to_ts")
    if (
        isinstance(from_ts, bool)
        or isinstance(to_ts, bool)
        or not isinstance(from_ts, int | float)
        or not isinstance(to_ts, int | float)
        or not from_ts < to_ts
    ):
        raise bad_field("from_ts, to_ts: times in seconds, from_ts before to_ts")
    if everything and to_ts - from_ts > BLANKET_MAX_S:
        # Everything in the window stops the purge: a moderator's decision, and a short one.
        raise bad_field("from_ts, to_ts: at most 60 days when everything is kept")
    preservation = await request.app[LEGAL].retention.legal.preserve(
        ts=request.app[DESK].clock(),
        actor=_actor(moderator),
        reason=_text(body, "reason"),
        subject_id=subject_id,
        channel=channel,
        from_ts=float(from_ts),
        to_ts=float(to_ts),
        source_kind="moderator",
        source_id=moderator.id,
    )
    request.app[DESK].publish("preservation", id=preservation.id)
    return json_response({"preservation": asdict(preservation)}, 201)


async def release_preservation(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.PRESERVE_RELEASE)
    preservation_id = request.match_info["preservation_id"]
    legal = request.app[LEGAL].retention.legal
    if not await legal.release(preservation_id, _actor(moderator), request.app[DESK].clock()):
        found = [p for p in await legal.preservations(False) if p.id == preservation_id]
        raise ChatError(ErrorCode.ALREADY_DECIDED if found else ErrorCode.NOT_FOUND)
    request.app[DESK].publish("preservation", id=preservation_id)
    return web.Response(status=204)


# -- emergencies (DSA art. 18) -------------------------------------------------------------------
def render_notification(notice: dict[str, Any]) -> str:
    """The notification as plain text, to paste into the PHAROS form or a mail to the police."""
    to = "PHAROS (internet-signalement.gouv.fr)" if notice["recipient"] == "pharos" else "Police"
    lines = [
        "SIGNALEMENT D'UNE MENACE POUR LA VIE OU LA SÉCURITÉ DES PERSONNES",
        "(règlement (UE) 2022/2065, article 18)",
        "",
        f"Destinataire : {to}",
        f"Plateforme : {notice['platform']['name']} — contact : {notice['platform']['contact']}",
        f"Préparé le : {_utc(notice['prepared_at'])} par {notice['prepared_by']}",
        f"Référence interne : {notice['source']['kind']} {notice['source']['id']}",
        "",
        "QUOI",
        notice["threat"],
        f"Détection : {notice['source']['what']}",
        "",
        "QUAND",
        f"{_utc(notice['source']['ts'])}",
        "",
        "QUI (pseudonymes et âges déclarés, non vérifiés)",
    ]
    for person in notice["people"]:
        lines.append(
            f"- {person['pseudonym']} ({person.get('role', 'personne')}), "
            f"âge déclaré {person.get('declared_age', '?')}, "
            f"espace {person.get('space', '?')}"
        )
    lines += ["", f"PREUVES (messages, salon ou conversation {notice['channel'] or '-'})"]
    for item in notice["evidence"]:
        lines.append(f"[{_utc(item['ts'])}] {item['pseudonym']} : {item['text']}")
    if not notice["evidence"]:
        lines.append("(aucun message enregistré pour ce cas)")
    lines += [
        "",
        "Les données de connexion (adresse IP, port source, horodatages) sont conservées et "
        "gelées ; elles seront communiquées sur réquisition.",
        f"Gel des données : {notice['preservation_id']}",
    ]
    return "\n".join(lines)


async def _emergency(
    request: web.Request, kind: str, case_id: str, moderator: Moderator
) -> web.Response:
    body = await read_json(request)
    recipient = body.get("recipient")
    if recipient not in RECIPIENTS:
        raise bad_field(f"recipient: one of {', '.join(RECIPIENTS)}")
    threat = _text(body, "threat", TEXT_MAX)
    state = request.app[LEGAL]
    desk = request.app[DESK]
    if kind == "alert":
        alert = await state.retention.legal.alert(case_id)
        if alert is None:
            raise ChatError(ErrorCode.NOT_FOUND)
        context = orjson.loads(alert["context"])
        people = [
            {
                "role": "subject" if i == 0 else "party",
                "pseudonym": p.get("pseudonym"),
                "declared_age": p.get("age"),
                "gender": p.get("gender"),
                "space": p.get("space"),
                **({"session_id": alert["subject_id"]} if i == 0 else {}),
            }
            for i, p in enumerate(context.get("parties", []))
        ]
        evidence = context.get("recent", [])
        channel, subject_id, ts, what = (
            alert["channel"],
            alert["subject_id"],
            alert["ts"],
            alert["kind"],
        )
    else:
        case = await state.retention.legal.report_case(case_id, EVIDENCE_BEFORE, EVIDENCE_AFTER)
        if case is None:
            raise ChatError(ErrorCode.NOT_FOUND)
        report = case["report"]
        people, evidence = case["people"], case["evidence"]
        channel, subject_id, ts = report["channel"], report["subject_id"], report["ts"]
        what = f"report.{report['category']}: {report['text']}".rstrip(": ")
    preservation = await state.retention.preserve_around(
        actor=_actor(moderator),
        reason=f"emergency notification ({recipient}) for {kind} {case_id}",
        subject_id=subject_id,
        channel=channel,
        ts=ts,
        source_kind=kind,
        source_id=case_id,
    )
    now = desk.clock()
    contact = desk.settings.legal_contact or "(contact not configured: set legal_contact)"
    notice: dict[str, Any] = {
        "recipient": recipient,
        "threat": threat,
        "source": {"kind": kind, "id": case_id, "what": what, "ts": ts},
        "channel": channel,
        "people": people,
        "evidence": [
            {
                "id": item.get("id"),
                "ts": item.get("ts"),
                "pseudonym": (item.get("from") or {}).get("pseudonym"),
                "declared_age": (item.get("from") or {}).get("age"),
                "text": item.get("text"),
            }
            for item in evidence
        ],
        "platform": {"name": "causette", "contact": contact},
        "prepared_at": now,
        "prepared_by": moderator.name,
        "preservation_id": preservation.id,
    }
    notice["text"] = render_notification(notice)
    notification = await state.retention.legal.notify(
        ts=now,
        actor=_actor(moderator),
        created_by=moderator.id,
        recipient=recipient,
        body=notice,
        alert_id=case_id if kind == "alert" else None,
        report_id=case_id if kind == "report" else None,
    )
    desk.publish("preservation", id=preservation.id)
    desk.publish("notification", id=notification.id)
    return json_response({"notification": _notification_json(notification)}, 201)


def _notification_json(notification: Notification) -> dict[str, Any]:
    return asdict(notification)


async def alert_emergency(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.EMERGENCY)
    return await _emergency(request, "alert", request.match_info["alert_id"], moderator)


async def report_emergency(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.EMERGENCY)
    return await _emergency(request, "report", request.match_info["report_id"], moderator)


async def list_notifications(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.EMERGENCY)
    found = await request.app[LEGAL].retention.legal.notifications()
    # They quote the evidence: reading them is a read of protected data.
    await request.app[DESK].audit_action(
        moderator, "emergency.read", "notifications", {"count": len(found)}
    )
    return json_response({"notifications": [_notification_json(n) for n in found]})


async def notification_sent(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.EMERGENCY)
    body = await read_json(request)
    via = _text(body, "via", 100)
    reference = _text(body, "reference", 200)
    notification_id = request.match_info["notification_id"]
    legal = request.app[LEGAL].retention.legal
    done = await legal.mark_sent(
        notification_id,
        actor=_actor(moderator),
        sent_by=moderator.id,
        now=request.app[DESK].clock(),
        via=via,
        reference=reference,
    )
    if not done:
        exists = any(n.id == notification_id for n in await legal.notifications())
        raise ChatError(ErrorCode.ALREADY_DECIDED if exists else ErrorCode.NOT_FOUND)
    request.app[DESK].publish("notification", id=notification_id)
    return web.Response(status=204)


# -- the purge on demand -----------------------------------------------------------------------
async def purge(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    body = await read_json(request)
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise bad_field("dry_run: true or false")
    retention = request.app[LEGAL].retention
    counts = await retention.purge(_actor(moderator), dry_run=dry_run)
    return json_response({"dry_run": dry_run, "deleted": counts})


def setup_routes(app: web.Application) -> None:
    service = app[SERVICE]
    settings = service.settings
    # The process's one retention (server/app.py): its purge runs with or without this desk.
    retention = service.retention
    state = LegalDesk(
        retention, Exports(), load_signing_key(settings), settings.data_dir / "exports"
    )
    app[LEGAL] = state

    async def lifecycle(_app: web.Application) -> Any:
        if not settings.redis_url:
            # One process: an export still "running" died with the previous one. (With
            # several processes another one may be running it: left as it is.)
            await retention.legal.fail_interrupted("system:start", service.clock())
        yield
        await state.exports.close()

    app.cleanup_ctx.append(lifecycle)
    r = app.router
    r.add_get("/api/desk/requisitions/public-key", public_key)
    r.add_post("/api/desk/requisitions", record_requisition)
    r.add_get("/api/desk/requisitions", list_requisitions)
    r.add_get("/api/desk/requisitions/{requisition_id}", get_requisition)
    r.add_post("/api/desk/requisitions/{requisition_id}/export", start_export)
    r.add_get("/api/desk/requisitions/{requisition_id}/archive", download_archive)
    r.add_get("/api/desk/preservations", list_preservations)
    r.add_post("/api/desk/preservations", create_preservation)
    r.add_post("/api/desk/preservations/{preservation_id}/release", release_preservation)
    r.add_post("/api/desk/alerts/{alert_id}/emergency", alert_emergency)
    r.add_post("/api/desk/reports/{report_id}/emergency", report_emergency)
    r.add_get("/api/desk/notifications", list_notifications)
    r.add_post("/api/desk/notifications/{notification_id}/sent", notification_sent)
    r.add_post("/api/desk/purge", purge)


# -- the operator's commands (``causette admin purge|verify-export|export-public-key``) ----------
def _purge_command(args: argparse.Namespace) -> int:
    async def body(store: SqlStore, settings: Settings) -> int:
        retention_log, _legal = open_retention(store, settings)
        counts = await retention_log.purge(
            policy_of(settings), time.time(), OPERATOR, dry_run=args.dry_run
        )
        verb = "would delete" if args.dry_run else "deleted"
        for table, count in counts.items():
            print(f"{table}\t{count}")
        print(f"causette: purge {verb} {sum(counts.values())} rows (audited)")
        return 0

    return run_with_store(args, body)


def _public_key_command(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    sys.stdout.write(public_key_pem(load_signing_key(settings)).decode("ascii"))
    return 0


def _verify_export_command(args: argparse.Namespace) -> int:
    if args.public_key:
        key = parse_public_key(pathlib.Path(args.public_key).read_bytes())
    else:
        key = load_signing_key(load_settings(args.config)).public_key()
    try:
        data = pathlib.Path(args.archive).read_bytes()
    except OSError as exc:
        print(f"causette: cannot read {args.archive}: {exc}", file=sys.stderr)
        return 2
    result = verify_archive(data, key)
    if result.ok and result.manifest is not None:
        requisition = result.manifest.get("requisition", {})
        print(
            f"causette: archive intact and signed (requisition {requisition.get('id')}, "
            f"reference {requisition.get('reference')!r}, counts {result.manifest.get('counts')})"
        )
        return 0
    for problem in result.problems:
        print(f"causette: {problem}", file=sys.stderr)
    print("causette: archive NOT verified", file=sys.stderr)
    return 1


def register_cli(commands: Subparsers) -> None:
    purge_parser = add_command(
        commands, "purge", "delete data past its retention time (keeps preserved data)",
        _purge_command,
    )  # fmt: skip
    purge_parser.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
    )
    verify = add_command(
        commands, "verify-export", "check a requisition archive's signature and files",
        _verify_export_command,
    )  # fmt: skip
    verify.add_argument("archive", help="the .zip downloaded for a requisition")
    verify.add_argument(
        "--public-key", default=None, help="a PEM public key (default: this service's own)"
    )
    add_command(
        commands, "export-public-key", "print the public key that verifies exports (PEM)",
        _public_key_command,
    )  # fmt: skip
