"""The desk's state for one process: its stores, the moderators' login throttle, and the
live feed of the open consoles.

Built by server/app.py before the chat's parts, whatever routes are installed: the
sanctions, the safety layer and the reports tell it that the queue changed
(``queue_changed``, the ``QueueFeed`` of server/ports.py) without knowing it.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from causette.core.errors import ChatError, ErrorCode, bad_field
from causette.core.keys import ip_prefix
from causette.core.ratelimit import TokenBucket
from causette.core.roles import Role
from causette.settings import Settings
from causette.store import SqlStore
from causette.store.audit import AuditStore
from causette.store.moderators import Moderator, ModeratorStore

if TYPE_CHECKING:
    from causette.server.cluster import Cluster

NAME_MIN, NAME_MAX = 3, 40
PASSWORD_MIN = 12
# The bus control event that carries a desk event to the other processes.
DESK_TOPIC = "desk"
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong
    password (no way to probe which names exist by timing). Made on the first login, not
    at import: every `causette admin` command imports this module."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise bad_field(f"password: at least {PASSWORD_MIN} characters")
    return _HASHER.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_moderator(name: str, role: Role | str, password: str, now: float) -> Moderator:
    name = name.strip()
    if not NAME_MIN <= len(name) <= NAME_MAX or not name.isprintable():
        raise bad_field(f"name: {NAME_MIN} to {NAME_MAX} printable characters")
    try:
        role = Role(role)
    except ValueError:
        raise bad_field(f"role: one of {', '.join(r.value for r in Role)}") from None
    return Moderator(secrets.token_hex(16), name, hash_password(password), role, now, None)


class Desk:
    def __init__(
        self,
        store: SqlStore,
        settings: Settings,
        *,
        cluster: Cluster | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.cluster = cluster
        self.clock = clock
        self.moderators = ModeratorStore(store)
        self.audit = AuditStore(store)
        self._failures: dict[str, TokenBucket] = {}
        self._watchers: set[asyncio.Queue[dict[str, Any]]] = set()
        if cluster is not None:
            # Events published by the other processes reach this one's consoles.
            cluster.on(DESK_TOPIC, lambda body: self.deliver(body["event"]))
            # Events of other processes were lost while Redis was away: consoles re-read.
            cluster.bus.on_reconnect.append(self._bus_back)

    async def audit_action(
        self,
        actor: Moderator | str,
        action: str,
        target: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        name = actor if isinstance(actor, str) else f"moderator:{actor.id}"
        await self.audit.append(self.clock(), name, action, target, detail)

    # -- live updates of the console -------------------------------------------------------
    def watch(self) -> asyncio.Queue[dict[str, Any]]:
        """A queue of desk events (``{"type": …}``) for one open console."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=256)
        self._watchers.add(queue)
        return queue

    def unwatch(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._watchers.discard(queue)

    def publish(self, kind: str, **data: Any) -> None:
        """Tell every open console that something changed (a new report, a decision…):
        those of this process, and through the bus those of the others (cluster mode)."""
        event = {"type": kind, **data}
        self.deliver(event)
        if self.cluster is not None:
            self.cluster.broadcast(DESK_TOPIC, event=event)

    def queue_changed(self, change: str, kind: str, item_id: str) -> None:
        """A queue item was added or removed: open consoles re-read the queue."""
        self.publish("queue", change=change, item_kind=kind, id=item_id)

    async def _bus_back(self) -> None:
        self.deliver({"type": "resync"})

    def deliver(self, event: dict[str, Any]) -> None:
        """Hand ``event`` to this process's consoles. A console too slow to keep up gets
        one ``resync`` instead of an unbounded backlog."""
        for queue in self._watchers:
            if queue.full():
                continue
            if queue.qsize() == queue.maxsize - 1:
                queue.put_nowait({"type": "resync"})
            else:
                queue.put_nowait(event)

    # -- login ------------------------------------------------------------------------------
    def _throttle_keys(self, name: str, address: str) -> list[str]:
        return [f"name:{name.casefold()}", f"ip:{ip_prefix(address)}"]

    def _bucket(self, key: str) -> TokenBucket:
        settings = self.settings
        bucket = self._failures.get(key)
        if bucket is None:
            if len(self._failures) > 10_000:  # names guessed at random must not grow it forever
                now = self.clock()
                self._failures = {k: b for k, b in self._failures.items() if not b.full(now)}
            rate = settings.desk_login_failures / settings.desk_login_window_s
            bucket = self._failures[key] = TokenBucket(settings.desk_login_failures, rate)
        return bucket

    async def login(self, name: str, password: str, address: str) -> Moderator:
        """The moderator, or LOGIN_FAILED / LOGIN_THROTTLED. Failures are counted per name
        and per address prefix; a success does not reset them (no free retries)."""
        now = self.clock()
        keys = self._throttle_keys(name, address)
        for key in keys:
            wait = self._bucket(key).wait_time(now)
            if wait:
                raise ChatError(ErrorCode.LOGIN_THROTTLED, retry_after=wait)
        moderator = await self.moderators.by_name(name)
        stored = moderator.password_hash if moderator else _dummy_hash()
        loop = asyncio.get_running_loop()
        # argon2 costs tens of milliseconds of CPU on purpose: not on the event loop.
        ok = await loop.run_in_executor(None, check_password, stored, password)
        if not ok or moderator is None or moderator.disabled_at is not None:
            for key in keys:
                self._bucket(key).take(now)
            await self.audit_action(f"login:{name[:40]}", "desk.login_failed", "desk")
            raise ChatError(ErrorCode.LOGIN_FAILED)
        if _HASHER.check_needs_rehash(moderator.password_hash):
            rehashed = await loop.run_in_executor(None, _HASHER.hash, password)
            await self.moderators.set_password_hash(moderator.id, rehashed)
        await self.audit_action(moderator, "desk.login", f"moderator:{moderator.id}")
        return moderator


DESK: web.AppKey[Desk] = web.AppKey("desk", Desk)
