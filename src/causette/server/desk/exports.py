"""The answer to a requisition: exactly the data in its scope, as a signed archive.

Rules:
- The scope names chatters (pseudonyms, session ids, or chatters whose device to follow:
  every session on the same device key, resolved here, never shown to a moderator),
  messages (channel + id) and a time window. The archive holds exactly that: the sessions
  alive in the window, their messages in the window, the listed messages, and the
  connection data of all of these opened from their seals. Nothing of anyone else.
- The job is an asyncio task that reads in batches through the store's readers and writes
  its progress (0..1) into the requisition's row, so a poll from any process sees it.
- The archive (zip): ``manifest.json`` (requisition, scope, counts, sha256 of each file,
  generation time, signing key id), ``messages``/``connections``/``sessions`` each as JSON
  and CSV, and ``signature.sig``: the raw Ed25519 signature of ``manifest.json``. Anyone with
  the public key verifies it with ``verify_archive`` (``causette admin verify-export``).
- Start and finish (or failure) are audited by the legal store; downloads by the handler.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import datetime
import functools
import hashlib
import io
import logging
import os
import pathlib
import zipfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from causette.core.errors import bad_field
from causette.core.sealing import Keyring, SealError, public_key_id, sign, signature_valid
from causette.store.legal import (
    LegalStore,
    Requisition,
    count_connections_of,
    count_messages_of,
    messages_by_ids,
    messages_of_senders,
    removed_messages,
    sessions_by,
    sessions_with_rows,
)
from causette.store.records import MessageRecord
from causette.store.retention import SealedRow, connection_rows, open_connection
from causette.store.sql import SqlStore
from causette.tasks import TaskOwner

log = logging.getLogger(__name__)

FORMAT = "causette-requisition-export/1"
BATCH = 1000
SCOPE_LIST_MAX = 500
MANIFEST, SIGNATURE = "manifest.json", "signature.sig"
TABLES = ("sessions", "messages", "connections")

# ``removed``: taken out of the chat by a moderator (kept as evidence, see store/sanctions.py).
MESSAGE_FIELDS = ("channel", "id", "ts", "ts_utc", "sender_id", "pseudonym", "text", "removed")
CONNECTION_FIELDS = (
    "row_id", "kind", "ts", "ts_utc", "session_id", "channel", "message_id", "ip", "port",
    "connected_at", "connected_at_utc", "pseudonym", "device_key", "key_id", "error",
)  # fmt: skip
SESSION_FIELDS = (
    "id", "pseudonym", "age", "gender", "department", "space", "lang", "created_at",
    "created_at_utc", "last_seen", "last_seen_utc", "ended_at", "device_key",
)  # fmt: skip
FIELDS = {"sessions": SESSION_FIELDS, "messages": MESSAGE_FIELDS, "connections": CONNECTION_FIELDS}


def utc(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat(timespec="milliseconds")


# -- the scope ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Scope:
    from_ts: float
    to_ts: float
    pseudonyms: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()
    devices_of: tuple[str, ...] = ()
    message_ids: tuple[tuple[str, int], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "from_ts": self.from_ts,
            "to_ts": self.to_ts,
            "pseudonyms": list(self.pseudonyms),
            "sessions": list(self.sessions),
            "devices_of": list(self.devices_of),
            "message_ids": [{"channel": c, "id": i} for c, i in self.message_ids],
        }


def _names(raw: object, name: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > SCOPE_LIST_MAX:
        raise bad_field(f"scope.{name}: a list of at most {SCOPE_LIST_MAX} strings")
    if not all(isinstance(v, str) and 0 < len(v) <= 64 for v in raw):
        raise bad_field(f"scope.{name}: strings of 1 to 64 characters")
    return tuple(dict.fromkeys(raw))


def _number(raw: object, name: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise bad_field(f"scope.{name}: a time in seconds since 1970 (UTC)")
    return float(raw)


def parse_scope(raw: object) -> Scope:
    """A requisition's scope from JSON, or ``bad_field``: a window and at least one target."""
    if not isinstance(raw, dict):
        raise bad_field("scope: an object")
    unknown = set(raw) - {"from_ts", "to_ts", "pseudonyms", "sessions", "devices_of", "message_ids"}
    if unknown:
        raise bad_field(f"scope: unknown field {sorted(unknown)[0]!r}")
    from_ts, to_ts = _number(raw.get("from_ts"), "from_ts"), _number(raw.get("to_ts"), "to_ts")
    if not from_ts < to_ts:
        raise bad_field("scope: from_ts must be before to_ts")
    ids_raw = raw.get("message_ids") or []
    if not isinstance(ids_raw, list) or len(ids_raw) > SCOPE_LIST_MAX:
        raise bad_field(f"scope.message_ids: a list of at most {SCOPE_LIST_MAX} objects")
    message_ids: list[tuple[str, int]] = []
    for item in ids_raw:
        channel, mid = (item.get("channel"), item.get("id")) if isinstance(item, dict) else (0, 0)
        if not isinstance(channel, str) or not 0 < len(channel) <= 64:
            raise bad_field("scope.message_ids: each {channel, id}")
        if isinstance(mid, bool) or not isinstance(mid, int) or mid < 1:
            raise bad_field("scope.message_ids: each {channel, id}")
        message_ids.append((channel, mid))
    scope = Scope(
        from_ts,
        to_ts,
        _names(raw.get("pseudonyms"), "pseudonyms"),
        _names(raw.get("sessions"), "sessions"),
        _names(raw.get("devices_of"), "devices_of"),
        tuple(dict.fromkeys(message_ids)),
    )
    if not (scope.pseudonyms or scope.sessions or scope.devices_of or scope.message_ids):
        raise bad_field("scope: name pseudonyms, sessions, devices_of or message_ids")
    return scope


# -- writing the files -------------------------------------------------------------------------
@dataclass
class _TableFiles:
    """One table written as JSON and CSV at once, row by row."""

    name: str
    fields: tuple[str, ...]
    json: io.BytesIO = field(default_factory=io.BytesIO)
    csv_text: io.StringIO = field(default_factory=io.StringIO)
    count: int = 0

    def __post_init__(self) -> None:
        self.json.write(b"[")
        self._csv = csv.writer(self.csv_text, lineterminator="\r\n")
        self._csv.writerow(self.fields)

    def add(self, row: dict[str, Any]) -> None:
        self.json.write(b"\n" if self.count == 0 else b",\n")
        self.json.write(orjson.dumps({f: row.get(f) for f in self.fields}))
        self._csv.writerow(["" if row.get(f) is None else row.get(f) for f in self.fields])
        self.count += 1

    def files(self) -> dict[str, bytes]:
        return {
            f"{self.name}.json": self.json.getvalue() + b"\n]\n",
            f"{self.name}.csv": self.csv_text.getvalue().encode("utf-8"),
        }


def _message_row(record: MessageRecord, removed: bool = False) -> dict[str, Any]:
    try:
        pseudonym = orjson.loads(record.sender).get("pseudonym")
    except orjson.JSONDecodeError:
        pseudonym = None
    return {
        "channel": record.channel,
        "id": record.id,
        "ts": record.ts,
        "ts_utc": utc(record.ts),
        "sender_id": record.sender_id,
        "pseudonym": pseudonym,
        "text": record.text,
        "removed": removed,
    }


def _connection_row(keyring: Keyring, row: SealedRow) -> dict[str, Any]:
    base: dict[str, Any] = {
        "row_id": row.id,
        "kind": row.kind,
        "ts": row.ts,
        "ts_utc": utc(row.ts),
        "session_id": row.session_id,
        "channel": row.channel,
        "message_id": row.message_id,
        "key_id": row.key_id,
    }
    try:
        entry = open_connection(keyring, row)
    except SealError as exc:
        # A lost or rotated-out key: the row is listed and said unreadable, never skipped.
        return {**base, "error": str(exc)}
    return {
        **base,
        "ip": entry.ip,
        "port": entry.port,
        "connected_at": entry.connected_at,
        "connected_at_utc": utc(entry.connected_at),
        "pseudonym": entry.pseudonym,
        "device_key": entry.device_key,
    }


def build_archive(
    files: dict[str, bytes], manifest: dict[str, Any], key: Ed25519PrivateKey
) -> tuple[bytes, bytes]:
    """(zip bytes, signature): the manifest gets each file's sha256, then is signed."""
    manifest = {
        **manifest,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
    }
    manifest_bytes = orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    signature = sign(key, manifest_bytes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr(SIGNATURE, signature)
    return buffer.getvalue(), signature


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    problems: tuple[str, ...]
    manifest: dict[str, Any] | None


def verify_archive(data: bytes, public_key: Ed25519PublicKey) -> Verification:
    """Is this archive the one that was signed? Signature, every file's hash, no extras."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        contents = {name: archive.read(name) for name in archive.namelist()}
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
        return Verification(False, (f"not a readable zip archive: {exc}",), None)
    manifest_bytes, signature = contents.get(MANIFEST), contents.get(SIGNATURE)
    if manifest_bytes is None or signature is None:
        return Verification(False, ("manifest.json or signature.sig is missing",), None)
    if not signature_valid(public_key, manifest_bytes, signature):
        problems.append("the signature does not match manifest.json and this public key")
    try:
        manifest = orjson.loads(manifest_bytes)
        listed: dict[str, Any] = dict(manifest["files"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return Verification(False, (*problems, "manifest.json is not a manifest"), None)
    for name, meta in sorted(listed.items()):
        body = contents.get(name)
        if body is None:
            problems.append(f"{name}: listed in the manifest, missing from the archive")
        elif hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            problems.append(f"{name}: its sha256 differs from the manifest's")
    for name in sorted(set(contents) - set(listed) - {MANIFEST, SIGNATURE}):
        problems.append(f"{name}: in the archive, not in the manifest")
    return Verification(not problems, tuple(problems), manifest)


# -- the job ------------------------------------------------------------------------------------
class ExportJob:
    def __init__(
        self,
        store: SqlStore,
        legal: LegalStore,
        keyring: Keyring,
        signing_key: Ed25519PrivateKey,
        requisition: Requisition,
        exports_dir: pathlib.Path,
        actor: str,
        clock: Any,
        session_ttl_s: float,
    ) -> None:
        self.store = store
        self.legal = legal
        self.keyring = keyring
        self.signing_key = signing_key
        self.requisition = requisition
        self.scope = parse_scope(requisition.scope)
        self.exports_dir = exports_dir
        self.actor = actor
        self.clock = clock
        self.session_ttl_s = session_ttl_s
        self._reported = 0.0
        self.unreadable = 0

    async def _progress(self, value: float) -> None:
        # A write per percent at most: the row is polled, not streamed.
        if value - self._reported >= 0.01 or value >= 1.0:
            self._reported = value
            await self.legal.set_progress(self.requisition.id, value)

    async def run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            await asyncio.shield(
                self.legal.fail_export(self.requisition.id, self.actor, self.clock(), "cancelled")
            )
            raise
        except Exception as exc:
            log.exception("export of requisition %s failed", self.requisition.id)
            await self.legal.fail_export(
                self.requisition.id, self.actor, self.clock(), f"{type(exc).__name__}: {exc}"
            )

    async def _subjects(self) -> tuple[list[dict[str, Any]], set[str]]:
        """The sessions the scope names, alive in the window, following devices."""
        scope = self.scope
        read = self.store.read
        named = await read(
            lambda c: sessions_by(c, ids=scope.sessions, pseudonyms=scope.pseudonyms)
        )
        seeds = await read(
            lambda c: sessions_by(c, ids=scope.devices_of, pseudonyms=scope.devices_of)
        )
        keys = {s["device_key"] for s in seeds if s["device_key"]}
        seed_ids = {s["id"] for s in seeds}
        # Device keys are also inside the seeds' sealed rows (sessions older than the column).
        found_by_rows: set[str] = set()
        if seed_ids:
            async for row in self._sealed(session_ids=sorted(seed_ids)):
                opened = _connection_row(self.keyring, row)
                if opened.get("device_key"):
                    keys.add(opened["device_key"])
        if keys:
            async for row in self._sealed():
                opened = _connection_row(self.keyring, row)
                if opened.get("device_key") in keys:
                    found_by_rows.add(row.session_id)
        on_device = await read(
            lambda c: sessions_by(c, ids=sorted(found_by_rows), device_keys=sorted(keys))
        )
        candidates = {s["id"]: s for s in (*named, *seeds, *on_device)}
        with_rows = await read(
            functools.partial(
                sessions_with_rows,
                session_ids=sorted(candidates),
                from_ts=scope.from_ts,
                to_ts=scope.to_ts,
            )
        )
        sessions = {
            sid: s for sid, s in candidates.items() if self._alive_in_window(s, sid in with_rows)
        }
        return list(sessions.values()), set(sessions)

    def _alive_in_window(self, session: dict[str, Any], has_rows: bool) -> bool:
        """A session the window saw: begun before its end, not ended before its start, and
        active in it (connection data there, or seen recently enough to still be valid: a
        pseudonym is reused over a year, its old sessions are someone else)."""
        scope = self.scope
        if session["created_at"] > scope.to_ts:
            return False
        if session["ended_at"] is not None and session["ended_at"] < scope.from_ts:
            return False
        return has_rows or session["last_seen"] + self.session_ttl_s >= scope.from_ts

    async def _sealed(
        self,
        session_ids: Sequence[str] | None = None,
        messages: Sequence[tuple[str, int]] | None = None,
    ) -> AsyncIterator[SealedRow]:
        after = 0
        scope = self.scope
        while True:
            rows = await self.store.read(
                functools.partial(
                    connection_rows,
                    session_ids=session_ids,
                    messages=messages,
                    from_ts=scope.from_ts,
                    to_ts=scope.to_ts,
                    after_id=after,
                    limit=BATCH,
                )
            )
            for row in rows:
                yield row
            if len(rows) < BATCH:
                return
            after = rows[-1].id

    async def _run(self) -> None:
        scope = self.scope
        read = self.store.read
        sessions, subject_ids = await self._subjects()
        await self._progress(0.1)
        subjects = sorted(subject_ids)

        total_messages, total_connections = 1, 1
        if subjects:
            window = (scope.from_ts, scope.to_ts)
            total_messages = max(await read(lambda c: count_messages_of(c, subjects, *window)), 1)
            total_connections = max(
                await read(lambda c: count_connections_of(c, subjects, *window)), 1
            )

        messages = _TableFiles("messages", MESSAGE_FIELDS)
        seen: set[tuple[str, int]] = set()
        extra_senders: set[str] = set()
        listed = await read(
            lambda c: messages_by_ids(c, scope.message_ids, scope.from_ts, scope.to_ts)
        )
        for record in listed:
            seen.add((record.channel, record.id))
            messages.add(_message_row(record))
            if record.sender_id not in subject_ids:
                extra_senders.add(record.sender_id)
        after: tuple[str, int] | None = None
        done = 0
        while subjects:
            page = await read(
                functools.partial(
                    messages_of_senders,
                    sender_ids=subjects,
                    from_ts=scope.from_ts,
                    to_ts=scope.to_ts,
                    after=after,
                    limit=BATCH,
                )
            )
            for record in page:
                if (record.channel, record.id) not in seen:
                    seen.add((record.channel, record.id))
                    messages.add(_message_row(record))
            done += len(page)
            await self._progress(0.1 + 0.45 * min(done / total_messages, 1.0))
            if len(page) < BATCH:
                break
            after = (page[-1].channel, page[-1].id)
        # Messages a moderator removed from the chat are evidence too.
        wanted = set(scope.message_ids)
        for record in await read(
            lambda c: removed_messages(c, subjects, wanted, scope.from_ts, scope.to_ts)
        ):
            if (record.channel, record.id) not in seen:
                seen.add((record.channel, record.id))
                messages.add(_message_row(record, removed=True))

        connections = _TableFiles("connections", CONNECTION_FIELDS)
        seen_rows: set[int] = set()
        if scope.message_ids:
            async for row in self._sealed(messages=list(scope.message_ids)):
                seen_rows.add(row.id)
                self._add_connection(connections, row)
        done = 0
        if subjects:
            async for row in self._sealed(session_ids=subjects):
                if row.id not in seen_rows:
                    seen_rows.add(row.id)
                    self._add_connection(connections, row)
                done += 1
                if done % BATCH == 0:
                    await self._progress(0.55 + 0.4 * min(done / total_connections, 1.0))

        if extra_senders:
            senders = sorted(extra_senders)
            sessions += await read(lambda c: sessions_by(c, ids=senders))
        session_files = _TableFiles("sessions", SESSION_FIELDS)
        for s in sorted(sessions, key=lambda r: (r["created_at"], r["id"])):
            session_files.add(
                {
                    **s,
                    "created_at_utc": utc(s["created_at"]),
                    "last_seen_utc": utc(s["last_seen"]),
                }
            )
        await self._progress(0.95)
        await self._write(session_files, messages, connections)

    def _add_connection(self, table: _TableFiles, row: SealedRow) -> None:
        opened = _connection_row(self.keyring, row)
        if opened.get("error"):
            self.unreadable += 1
        table.add(opened)

    async def _write(self, *tables: _TableFiles) -> None:
        requisition = self.requisition
        now = self.clock()
        files: dict[str, bytes] = {}
        for table in tables:
            files.update(table.files())
        counts = {table.name: table.count for table in tables}
        counts["connections_unreadable"] = self.unreadable
        manifest = {
            "format": FORMAT,
            "requisition": {
                "id": requisition.id,
                "recorded_at": utc(requisition.ts),
                "authority": requisition.authority,
                "reference": requisition.reference,
                "legal_basis": requisition.legal_basis,
            },
            "scope": self.scope.as_json(),
            "window_utc": [utc(self.scope.from_ts), utc(self.scope.to_ts)],
            "counts": counts,
            "generated_at": utc(now),
            "generated_at_ts": now,
            "signature": {"algorithm": "Ed25519", "key_id": public_key_id(self.signing_key)},
            "times": "seconds since 1970 UTC (ts) and ISO 8601 UTC (*_utc)",
        }
        archive, signature = await asyncio.to_thread(
            build_archive, files, manifest, self.signing_key
        )
        path = self.exports_dir / f"{requisition.id}.zip"
        await asyncio.to_thread(write_private, path, archive)
        await self.legal.finish_export(
            requisition.id,
            actor=self.actor,
            now=self.clock(),
            archive_path=str(path),
            archive_sha256=hashlib.sha256(archive).hexdigest(),
            signature=base64.b64encode(signature).decode("ascii"),
            counts=counts,
        )


def write_private(path: pathlib.Path, data: bytes) -> None:
    """Write a file readable by the service's user only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)


class Exports:
    """The export jobs running in this process, by requisition id."""

    def __init__(self) -> None:
        self.tasks = TaskOwner("exports")
        self._running: dict[str, asyncio.Future[None]] = {}

    def start(self, job: ExportJob) -> asyncio.Future[None]:
        """Run the export in the background: the future ends with it."""
        requisition_id = job.requisition.id
        task = self.tasks.spawn(
            job.run(), name=f"export-{requisition_id}", context=f"requisition {requisition_id}"
        )
        self._running[requisition_id] = task
        task.add_done_callback(lambda _t: self._running.pop(requisition_id, None))
        return task

    def running(self, requisition_id: str) -> bool:
        return requisition_id in self._running

    async def close(self) -> None:
        await self.tasks.close()


__all__ = [
    "ExportJob",
    "Exports",
    "Scope",
    "Verification",
    "build_archive",
    "parse_scope",
    "verify_archive",
]
