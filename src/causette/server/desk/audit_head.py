"""The audit chain's head, written down outside the database.

Rules:
- The checkpoint file (``audit_checkpoint_file``, default ``<data_dir>/audit-head.json``)
  holds the newest head of the chain that was checked, signed with the Ed25519 key that
  signs requisition archives (core/audit.py ``signed_head``). It only moves forward, and
  only over a chain that verifies from the previous checkpoint on: a database whose newest
  entries were removed never lowers it, a forged entry never gets signed.
- The server writes it at start, every ``audit_checkpoint_interval_s`` when the chain
  moved, and at stop; every ``causette admin`` command writes it when it is done. Several
  processes share it under a file lock.
- ``verify`` checks the whole chain against the head counter, the checkpoint and any
  signed heads the operator hands in (those published in transparency reports).
- A chain begun before the chain was keyed gets one keyed entry (``audit.keyed``) at the
  first start with a key: it covers the last plain hash, so the old entries cannot be
  rewritten either.
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from causette.core.audit import ChainReport, Head, HeadError, read_signed_head, signed_head
from causette.core.errors import ChatError
from causette.filelock import exclusive
from causette.server.desk.exports import write_private
from causette.settings import Settings
from causette.store.audit import AuditStore
from causette.store.sql import SqlStore
from causette.tasks import TaskOwner

log = logging.getLogger(__name__)

CHECKPOINT_FILE = "audit-head.json"
# The checkpoint on close waits at most this long (a stopping process's bound).
CLOSE_CHECKPOINT_S = 1.0
ANCHOR_ACTOR = "system:audit"
ANCHOR_ACTION = "audit.keyed"


def checkpoint_path(settings: Settings) -> pathlib.Path:
    return settings.audit_checkpoint_file or settings.data_dir / CHECKPOINT_FILE


def read_head_file(path: pathlib.Path, key: Ed25519PrivateKey) -> Head | None:
    """The signed head in ``path`` (a checkpoint, or a transparency report's JSON with its
    ``audit_head``); None when the file does not exist; ``HeadError`` when it does not hold."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise HeadError(f"{path} is not JSON") from None
    if isinstance(document, dict) and "audit_head" in document:
        document = document["audit_head"]
    return read_signed_head(document, key.public_key())


@dataclass(frozen=True, slots=True)
class Checkpointed:
    """What ``checkpoint`` did: the head now written down (None: empty chain) and, when
    the chain did not verify from the previous checkpoint, why it was left where it was."""

    head: Head | None
    report: ChainReport | None


async def anchor_plain_chain(store: SqlStore, now: float) -> bool:
    """Cover a chain that ends with plain (unkeyed) entries with one keyed entry."""
    audit = AuditStore(store)
    if not await audit.last_is_plain():
        return False
    report = await audit.verify()
    detail: dict[str, Any] = {"plain_entries": report.plain, "plain_chain_ok": report.ok}
    if not report.ok:
        detail["plain_chain_problem"] = f"entry {report.first_broken}: {report.problem}"
        log.error("audit: the plain chain is broken (%s) before it is keyed", report.problem)
    await audit.append(now, ANCHOR_ACTOR, ANCHOR_ACTION, "audit", detail)
    return True


async def checkpoint(
    store: SqlStore, settings: Settings, key: Ed25519PrivateKey, now: float
) -> Checkpointed:
    """Move the checkpoint file to the chain's head, if the chain holds from the last one."""
    path = checkpoint_path(settings)
    try:
        previous = read_head_file(path, key)
    except HeadError as exc:
        # Never replaced by hand-waving: verify-audit reports it until the operator acts.
        log.error("audit: checkpoint %s does not hold (%s): left as it is", path, exc)
        return Checkpointed(None, None)
    report = await AuditStore(store).verify(start=previous)
    if not report.ok:
        log.error(
            "audit: chain broken at entry %s (%s): checkpoint %s left as it was",
            report.first_broken,
            report.problem,
            path,
        )
        return Checkpointed(previous, report)
    head = report.head
    if head is None or (previous is not None and head.seq <= previous.seq):
        return Checkpointed(previous, None)
    document = orjson.dumps(signed_head(head, now, key), option=orjson.OPT_INDENT_2)
    with exclusive(path.with_name(path.name + ".lock")):  # blocking: no await inside
        try:
            newer = read_head_file(path, key)
        except HeadError:
            newer = None
        if newer is not None and newer.seq >= head.seq:
            return Checkpointed(newer, None)  # another process got further meanwhile
        write_private(path, document)
    return Checkpointed(head, None)


async def published_head(
    store: SqlStore, settings: Settings, key: Ed25519PrivateKey, now: float
) -> dict[str, Any] | None:
    """The signed head to publish (a transparency report): the checkpoint moved to the
    chain's head first; None when the chain is empty or does not hold."""
    done = await checkpoint(store, settings, key, now)
    if done.report is not None or done.head is None:
        return None
    return signed_head(done.head, now, key)


@dataclass(frozen=True, slots=True)
class Verification:
    report: ChainReport
    checkpoint: Head | None
    problems: tuple[str, ...]  # besides the chain's own: missing or bad signed heads

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.problems


async def verify(
    store: SqlStore,
    settings: Settings,
    key: Ed25519PrivateKey,
    head_files: tuple[pathlib.Path, ...] = (),
) -> Verification:
    """The whole chain, against the head counter, the checkpoint and ``head_files``."""
    problems: list[str] = []
    anchors: list[Head] = []
    path = checkpoint_path(settings)
    saved: Head | None = None
    try:
        saved = read_head_file(path, key)
    except HeadError as exc:
        problems.append(f"checkpoint {path}: {exc}")
    if saved is not None:
        anchors.append(saved)
    for extra in head_files:
        try:
            head = read_head_file(extra, key)
        except HeadError as exc:
            problems.append(f"{extra}: {exc}")
            continue
        if head is None:
            problems.append(f"{extra}: no such file")
        else:
            anchors.append(head)
    report = await AuditStore(store).verify(tuple(anchors))
    if saved is None and not problems and report.entries > 0:
        problems.append(
            f"no checkpoint at {path}: the newest entries may have been removed "
            "(docs/operator.md § The audit log)"
        )
    return Verification(report, saved, tuple(problems))


class CheckpointTask:
    """The server's periodic checkpoint (one per process)."""

    def __init__(
        self, store: SqlStore, settings: Settings, key: Ed25519PrivateKey, clock: Any
    ) -> None:
        self.store, self.settings, self.key, self.clock = store, settings, key, clock
        self.tasks = TaskOwner("audit")

    async def start(self) -> None:
        await anchor_plain_chain(self.store, self.clock())
        await checkpoint(self.store, self.settings, self.key, self.clock())
        interval = self.settings.audit_checkpoint_interval_s
        if interval > 0:
            self.tasks.spawn(self._loop(interval), name="checkpoint")

    async def _loop(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await checkpoint(self.store, self.settings, self.key, self.clock())
            except Exception:
                log.exception("audit: checkpoint failed")

    async def close(self) -> None:
        await self.tasks.close()
        # Bounded: a stopping process does not wait long on a busy or absent database (it
        # verifies the chain in the reader pool); the next start checkpoints again.
        try:
            async with asyncio.timeout(CLOSE_CHECKPOINT_S):
                await checkpoint(self.store, self.settings, self.key, self.clock())
        except (TimeoutError, ChatError) as exc:
            log.warning("audit: no checkpoint on close: %r", exc)
