"""Connection data of every join, connection and message, and the daily purge.

Rules:
- The source of a request is the TCP peer, or behind a trusted proxy the client it names
  (``X-Forwarded-For``; the source port from ``X-Forwarded-Port``, which the proxy must set
  to the client's source port), see server/proxy.py. Anyone else's headers are ignored.
- A message's connection row is written in the message's transaction (the store's sidecar);
  joins and connections are written through the same group-commit writer. Nothing here
  makes a chatter wait for more than the write the chat does anyway.
- Keys come from the settings; with none configured a key is generated once into the data
  directory (mode 0600) with a warning, like the signing secret: fine for ``make run``, not
  for production (a lost key makes a year of connection data unreadable).
- The purge runs every ``purge_interval_s`` (first a few minutes after start) and is audited
  as ``system:purge``; ``causette admin purge`` runs the same code.
- One ``Retention`` per process, built by server/app.py with the store, whatever routes are
  installed: the chat writes connection data through it, the desk reads and purges.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from causette.core.sealing import (
    KEY_BYTES,
    Keyring,
    encode_key,
    new_signing_key,
    parse_keyring,
    parse_signing_key,
    signing_key_pem,
)
from causette.keyfiles import kept_file
from causette.server.proxy import client_address
from causette.settings import Settings
from causette.store.legal import LegalStore, Preservation
from causette.store.retention import (
    CONNECT,
    JOIN,
    ConnectionEntry,
    RetentionPolicy,
    RetentionStore,
    Source,
)
from causette.store.sql import Sidecar, SqlStore
from causette.tasks import TaskOwner

if TYPE_CHECKING:
    from causette.server.chatter import Chatter

log = logging.getLogger(__name__)

RETENTION_KEY_FILE = "retention.key"
AUDIT_KEY_FILE = "audit.key"
SIGNING_KEY_FILE = "export-signing.pem"
PURGE_ACTOR = "system:purge"
FIRST_PURGE_DELAY_S = 300.0
# A grooming/ambush report or an emergency freezes the related data in this window.
PRESERVE_BEFORE_S = 30 * 86400.0
PRESERVE_AFTER_S = 30 * 86400.0
REPORT_ACTOR = "system:report"
# Reports about one subject and channel within this period share one preservation (its
# window still reaches 29 days past the newest of them).
REPORT_PRESERVATION_PERIOD_S = 86400.0


def _keyring(settings: Settings, current: str, old: str, file_name: str, what: str) -> Keyring:
    """The configured keys, or a key generated once into the data directory."""
    if current:
        return parse_keyring(current, old)
    fresh = (encode_key(os.urandom(KEY_BYTES)) + "\n").encode()
    kept = kept_file(settings.data_dir / file_name, fresh, what)
    return parse_keyring(kept.decode("ascii"), old)


def load_keyring(settings: Settings) -> Keyring:
    return _keyring(
        settings,
        settings.retention_key,
        settings.retention_old_keys,
        RETENTION_KEY_FILE,
        "retention_key",
    )


def load_audit_keys(settings: Settings) -> Keyring:
    """The keys of the audit chain's HMAC (core/audit.py): the current one makes entries."""
    return _keyring(
        settings, settings.audit_key, settings.audit_old_keys, AUDIT_KEY_FILE, "audit_key"
    )


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    if settings.export_signing_key is not None:
        return parse_signing_key(settings.export_signing_key.read_bytes())
    fresh = signing_key_pem(new_signing_key())
    return parse_signing_key(
        kept_file(settings.data_dir / SIGNING_KEY_FILE, fresh, "export_signing_key")
    )


def policy_of(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy.from_days(
        settings.retention_connection_days,
        settings.retention_session_days,
        settings.retention_room_days,
        settings.retention_pm_days,
        settings.retention_moderation_days,
    )


def source_of(request: web.Request, trusted_proxies: str, now: float) -> Source:
    """The client's address and source port, as the law asks them kept."""
    address = client_address(request, trusted_proxies)
    port: int | None = None
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if isinstance(peer, tuple) and len(peer) >= 2 and isinstance(peer[1], int):
        port = peer[1]
    # client_address names someone else than the peer only when the peer is a trusted proxy.
    if address != (request.remote or "unknown"):
        forwarded = request.headers.get("X-Forwarded-Port", "").split(",")[-1].strip()
        port = int(forwarded) if forwarded.isdigit() and int(forwarded) < 65536 else None
    return Source(address, port, now)


class Retention:
    """One process's retention: the sealed log, the legal store and the purge task."""

    def __init__(
        self,
        store: SqlStore,
        keyring: Keyring,
        settings: Settings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.log = RetentionStore(store, keyring)
        self.legal = LegalStore(store)
        self.policy = policy_of(settings)
        self.purge_interval_s = settings.purge_interval_s
        self.clock = clock
        self.tasks = TaskOwner("retention")

    @property
    def keyring(self) -> Keyring:
        return self.log.keyring

    def _entry(self, kind: str, chatter: Chatter, source: Source) -> ConnectionEntry:
        return ConnectionEntry(
            kind,
            chatter.id,
            self.clock(),
            None,
            None,
            source.ip,
            source.port,
            source.connected_at,
            chatter.profile.pseudonym,
            chatter.device_key,
        )

    async def joined(self, chatter: Chatter, source: Source) -> None:
        chatter.source = source
        await self.log.log(self._entry(JOIN, chatter, source))

    async def connected(self, chatter: Chatter, source: Source) -> None:
        chatter.source = source
        await self.log.log(self._entry(CONNECT, chatter, source))

    def sidecar_for(self, chatter: Chatter | None) -> Sidecar | None:
        """The connection row to write with a message of this sender (its last source;
        none for a sender this process does not hold)."""
        if chatter is None or chatter.source is None:
            return None
        return self.log.sidecar(chatter.source, chatter.profile.pseudonym, chatter.device_key)

    async def preserve_around(
        self,
        *,
        actor: str,
        reason: str,
        subject_id: str | None,
        channel: str | None,
        ts: float,
        source_kind: str,
        source_id: str,
    ) -> Preservation:
        """Freeze a case's data: its subject and channel, 30 days before to 30 days after."""
        return await self.legal.preserve(
            ts=self.clock(),
            actor=actor,
            reason=reason,
            subject_id=subject_id,
            channel=channel,
            from_ts=ts - PRESERVE_BEFORE_S,
            to_ts=ts + PRESERVE_AFTER_S,
            source_kind=source_kind,
            source_id=source_id,
        )

    async def preserve_report(
        self, report_id: str, category: str, subject_id: str | None, channel: str | None
    ) -> Preservation:
        """The automatic preservation of a grooming or ambush report (chat or public): one
        per subject and channel and period (``REPORT_PRESERVATION_PERIOD_S``). Another
        report within the period finds it made already: a flood of reports about one
        person makes one preservation, not one each (issue 15)."""
        now = self.clock()
        for existing in await self.legal.preservations(active_only=True):
            if (
                existing.created_by == REPORT_ACTOR
                and existing.subject_id == subject_id
                and existing.channel == channel
                and existing.ts > now - REPORT_PRESERVATION_PERIOD_S
            ):
                return existing
        return await self.preserve_around(
            actor=REPORT_ACTOR,
            reason=f"report of {category}",
            subject_id=subject_id,
            channel=channel,
            ts=self.clock(),
            source_kind="report",
            source_id=report_id,
        )

    async def purge(self, actor: str, *, dry_run: bool = False) -> dict[str, int]:
        return await self.log.purge(self.policy, self.clock(), actor, dry_run=dry_run)

    # -- the periodic purge ---------------------------------------------------------------
    def start(self) -> None:
        interval = self.purge_interval_s
        if interval > 0:
            self.tasks.spawn(self._purge_loop(interval), name="purge")

    async def close(self) -> None:
        await self.tasks.close()

    async def _purge_loop(self, interval: float) -> None:
        await asyncio.sleep(min(interval, FIRST_PURGE_DELAY_S))
        while True:
            try:
                counts = await self.purge(PURGE_ACTOR)
                log.info("purge: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
            except Exception:
                log.exception("purge failed; next run in %.0f s", interval)
            await asyncio.sleep(interval)


def open_retention(store: SqlStore, settings: Settings) -> tuple[RetentionStore, LegalStore]:
    """The stores for a command run beside the server (``causette admin purge``)."""
    return RetentionStore(store, load_keyring(settings)), LegalStore(store)
