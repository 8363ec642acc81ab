"""The SQL store: every durable fact of the chat, written by group commit.

Rules:
- Writes go through one writer, in order. Whatever is queued while a transaction runs is
  written by the next one: under load many messages share one commit, at rest a message
  waits for nobody. A write's future resolves only after its transaction committed, so an
  ack sent after ``await`` means durable.
- A write that fails is retried alone, so one bad row never fails its neighbours.
- The database going away (stopped, unreachable, disk full) is not a bug: every write and
  read then fails with ``ChatError(store_unavailable)`` (a clear, retryable refusal; nothing
  was acknowledged), ``available`` turns False until a write succeeds again, and nothing
  else changes: the store reconnects by itself (``pool_pre_ping``). A full disk still
  answers reads and small writes, so only the outcome of real writes says it is back.
- Reads run on a small thread pool beside the writer (SQLite in WAL mode reads while it
  writes), the oldest request first (store/readers.py). On PostgreSQL a reader connection
  is in autocommit: a read is its statements and nothing else, where a transaction added a
  ``BEGIN`` and a ``ROLLBACK`` round trip to each (over 40 % of a reader's time in a resume
  storm, profiled; issue 17). Under READ COMMITTED each statement had its own snapshot
  already: what a read sees is unchanged.
- The table modules of this package (store/legal.py, store/sanctions.py…) come in through
  two public doors, ``write`` (the writer's queue) and ``read`` (the reader pool), with
  query functions of their own. The server calls their methods (or, for the export's
  batched reads, hands their query functions to ``read``): it writes no SQL itself.
- Message ids are taken in the transaction that stores the message, from one row per
  channel (``channel_heads``), locked until commit: with several processes on one
  PostgreSQL, ids per channel are unique and increase in commit order, with no holes from
  failed writes (the rollback gives the id back).
  See docs/decisions/005-message-ids-across-processes.md.
- The schema is migrated (Alembic) when the store starts: ``migrate.upgrade``.
- SQLite runs with ``synchronous=FULL`` by default: an acknowledged message survives a crash
  of the process *and* of the machine (``NORMAL`` keeps only the former, for speed).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import pathlib
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.sql.elements import BindParameter

from causette.core.errors import ChatError, ErrorCode
from causette.core.sealing import Keyring
from causette.store import bodies, migrate, schema
from causette.store.readers import OldestFirst
from causette.store.records import MessageRecord, SessionRecord
from causette.tasks import TaskOwner

log = logging.getLogger(__name__)
T = TypeVar("T")
# Seconds a client is told to wait when the database is away (a restart takes a few).
RETRY_AFTER_S = 5
WriteOp = Callable[[Connection], Any]
# A row to write with a message, in its transaction, once its id is known (the connection
# data of its sender, server/retention.py): (table, values) from the stored record.
Sidecar = Callable[[MessageRecord], tuple[Table, dict[str, Any]]]


def database_away(exc: BaseException) -> bool:
    """The database is away (stopped, unreachable, disk full, locked), as opposed to a bad
    write (a constraint, a programming error)."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def unavailable(cause: BaseException) -> ChatError:
    error = ChatError(ErrorCode.STORE_UNAVAILABLE, retry_after=RETRY_AFTER_S)
    error.__cause__ = cause
    return error


@dataclass(frozen=True, slots=True)
class _WithSidecar:
    record: MessageRecord
    sidecar: Sidecar


Write = WriteOp | MessageRecord | _WithSidecar


@functools.cache
def _heads_upsert(dialect: str) -> Any:
    """``channel_heads += n`` for many channels, returning the new heads.

    Built once and run with a list of rows (SQLAlchemy sends them as one multi-row
    statement): a statement built with the rows inside was compiled anew for every batch,
    ~1 ms of the writer's CPU per commit (profiled at 250 posts/s).
    """
    t = schema.channel_heads
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t)
    return upsert.on_conflict_do_update(
        index_elements=[t.c.channel], set_={"head": t.c.head + upsert.excluded.head}
    ).returning(t.c.channel, t.c.head)


_SESSION_COLUMNS = tuple(c.name for c in schema.sessions.columns)
# Driver placeholders of the paramstyles ``insert_rows`` writes SQL for.
_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


@functools.lru_cache(maxsize=256)
def _heads_sql(dialect: Dialect, placeholder: str, rows: int) -> str:
    """``_heads_upsert`` as SQL text for ``rows`` channels (both dialects' syntax)."""
    quote = dialect.identifier_preparer
    table = quote.format_table(schema.channel_heads)
    channel, head = quote.quote("channel"), quote.quote("head")
    values = ", ".join([f"({placeholder}, {placeholder})"] * rows)
    return (
        f"INSERT INTO {table} ({channel}, {head}) VALUES {values} "
        f"ON CONFLICT ({channel}) DO UPDATE SET {head} = {table}.{head} + excluded.{head} "
        f"RETURNING {channel}, {head}"
    )


@functools.lru_cache(maxsize=64)
def _insert_sql(dialect: Dialect, placeholder: str, table: Table, columns: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(c) for c in columns)
    marks = ", ".join([placeholder] * len(columns))
    return f"INSERT INTO {quote.format_table(table)} ({names}) VALUES ({marks})"


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys, in one ``executemany`` of the driver.

    The hot insert of the writer (every message, its connection row): through SQLAlchemy's
    ``insert()`` each row's parameters were processed in Python, per commit a statement's
    cache key and execution context too, all holding the GIL the event loop needs. The
    columns here are plain (text, numbers, bytes): the driver takes the values as they are.
    """
    placeholder = _PLACEHOLDER.get(conn.dialect.paramstyle)
    columns = tuple(rows[0])
    if placeholder is None or any(len(row) != len(columns) for row in rows):
        conn.execute(insert(table), rows)
        return
    sql = _insert_sql(conn.dialect, placeholder, table, columns)
    conn.exec_driver_sql(sql, [tuple([row[c] for c in columns]) for row in rows])


@functools.cache
def _read_statements() -> dict[str, Any]:
    """The reads of a join and of a resume, built once and bound by name: built per call
    (on the event loop or a reader thread, holding the GIL) each cost ~0.1-0.2 ms, several
    per connection (profiled in the idle benchmark and the reconnect storm)."""
    m, t = schema.messages, schema.memberships
    channel: BindParameter[str] = bindparam("channel")
    limit: BindParameter[int] = bindparam("limit")
    newest = select(*bodies.columns()).where(m.c.channel == channel)
    return {
        "first_kept": select(m.c.channel, func.min(m.c.id))
        .where(m.c.channel.in_(bindparam("channels", expanding=True)))
        .group_by(m.c.channel),
        "after": select(*bodies.columns())
        .where(m.c.channel == channel, m.c.id > bindparam("after"))
        .order_by(m.c.id)
        .limit(limit),
        "newest": newest.order_by(m.c.id.desc()).limit(limit),
        "before": newest.where(m.c.id < bindparam("before")).order_by(m.c.id.desc()).limit(limit),
        "membership": select(t.c.room).where(
            t.c.session_id == bindparam("session_id"), t.c.room == bindparam("room")
        ),
    }


@functools.cache
def _membership_insert() -> Any:
    t = schema.memberships
    return insert(t).values(session_id=bindparam("session_id"), room=bindparam("room"))


@functools.cache
def _session_update(columns: tuple[str, ...]) -> Any:
    """``UPDATE sessions SET <columns> WHERE id = ?``, built once per set of columns: built
    per call, on the event loop, it cost ~0.1 ms per connect and per disconnect."""
    s = schema.sessions
    return (
        update(s)
        .where(s.c.id == bindparam("session_id"))
        .values({c: bindparam(f"new_{c}") for c in columns})
    )


@dataclass(frozen=True, slots=True)
class ChatterRows:
    """A session and what hangs on it, read together (``SqlStore.chatter_rows``)."""

    record: SessionRecord
    blocked: frozenset[str]  # whom this chatter blocked
    blocked_by: frozenset[str]  # who blocked this chatter
    rooms: list[str]
    conversations: list[tuple[str, str, str, str]]  # (id, initiator, recipient, status)
    flags: frozenset[str]  # its safety flags (store/safety.py), when asked for


@functools.cache
def _hanging_rows(flags: bool) -> Any:
    """What hangs on a session (``:id``), one row per fact: (kind, a, b, c, d)."""
    chatter: BindParameter[str] = bindparam("id")
    b, m, c, f = schema.blocks, schema.memberships, schema.conversations, schema.chatter_flags
    none = null().cast(String)

    def tagged(kind: str, *columns: Any) -> Any:
        padded = [*columns, *[none] * (4 - len(columns))]
        return [literal(kind, String).label("kind"), *padded]

    parts = [
        select(*tagged("blocked", b.c.blocked_id)).where(b.c.blocker_id == chatter),
        select(*tagged("blocked_by", b.c.blocker_id)).where(b.c.blocked_id == chatter),
        select(*tagged("room", m.c.room)).where(m.c.session_id == chatter),
        select(
            *tagged("conversation", c.c.id, c.c.initiator_id, c.c.recipient_id, c.c.status)
        ).where((c.c.initiator_id == chatter) | (c.c.recipient_id == chatter)),
    ]
    if flags:
        parts.append(select(*tagged("flag", f.c.flag)).where(f.c.session_id == chatter))
    return union_all(*parts)


def _memberships(conn: Connection, session_id: str) -> list[str]:
    t = schema.memberships
    stmt = select(t.c.room).where(t.c.session_id == session_id).order_by(t.c.room)
    return [room for (room,) in conn.execute(stmt)]


def _blocks_of(conn: Connection, chatter: str) -> tuple[frozenset[str], frozenset[str]]:
    t = schema.blocks
    mine = conn.execute(select(t.c.blocked_id).where(t.c.blocker_id == chatter))
    theirs = conn.execute(select(t.c.blocker_id).where(t.c.blocked_id == chatter))
    return frozenset(b for (b,) in mine), frozenset(b for (b,) in theirs)


def _conversations_of(conn: Connection, chatter: str) -> list[tuple[str, str, str, str]]:
    c = schema.conversations
    stmt = select(c.c.id, c.c.initiator_id, c.c.recipient_id, c.c.status).where(
        (c.c.initiator_id == chatter) | (c.c.recipient_id == chatter)
    )
    return [(a, b, d, e) for a, b, d, e in conn.execute(stmt)]


def flags_of(conn: Connection, session_id: str) -> frozenset[str]:
    """A chatter's safety flags (store/safety.py writes them)."""
    t = schema.chatter_flags
    rows = conn.execute(select(t.c.flag).where(t.c.session_id == session_id))
    return frozenset(flag for (flag,) in rows)


def make_engine(url: str, synchronous: str = "FULL") -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


# The execution option that carries the audit keyring to every connection (store/audit.py).
AUDIT_KEYS = "causette_audit_keys"


def reserve_ids(conn: Connection, counts: Counter[str]) -> dict[str, int]:
    """Reserve ``counts[channel]`` ids per channel; returns the id before each block (the
    messages' ids, and the audit chain's sequence numbers, store/audit.py).

    One statement for the whole batch (an upsert per channel cost a round trip each:
    with many small rooms, most of the writer's time). Its rows are in sorted channel
    order, so two writers lock channels in the same order and never deadlock.
    """
    channels = sorted(counts)
    placeholder = _PLACEHOLDER.get(conn.dialect.paramstyle)
    if placeholder is None:
        rows = [{"channel": c, "head": counts[c]} for c in channels]
        result: Iterable[Any] = conn.execute(_heads_upsert(conn.dialect.name), rows)
    else:
        # The same upsert written for the driver: through SQLAlchemy's multi-row insert it
        # was a third of the writer's Python time per commit (profiled at 100 posts/s).
        params: list[Any] = []
        for c in channels:
            params += (c, counts[c])
        sql = _heads_sql(conn.dialect, placeholder, len(channels))
        result = conn.exec_driver_sql(sql, tuple(params))
    before = {channel: int(head) - counts[channel] for channel, head in result}
    if len(before) != len(channels):
        raise RuntimeError("channel heads: the upsert did not return every channel")
    return before


class SqlStore:
    def __init__(
        self,
        url: str,
        *,
        batch_max: int = 512,
        synchronous: str = "FULL",
        audit_keys: Keyring | None = None,
        message_keys: Keyring | None = None,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
        self.url = url
        self.engine = make_engine(url, synchronous)
        if audit_keys is not None:
            self.engine.update_execution_options(**{AUDIT_KEYS: audit_keys})
        if message_keys is not None:
            # Every stored body is sealed with these (store/bodies.py).
            self.engine.update_execution_options(**{bodies.MESSAGE_KEYS: message_keys})
        # The readers' engine: the same pool, no transaction around a read (PostgreSQL;
        # SQLite's driver opens none for a SELECT anyway).
        self._reader_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        self.batch_max = batch_max
        self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="causette-writer")
        # Oldest request first (store/readers.py): a resume storm's resumes end in order.
        self._reader_pool = OldestFirst(2, "causette-reader")
        self._pending: list[tuple[Write, asyncio.Future[Any]]] = []
        self._wakeup = asyncio.Event()
        self.tasks = TaskOwner("store")
        self._writer_started = False
        self.commits = 0
        self.writes = 0
        self.available = True  # False from a failure for the database being away
        self.outages = 0  # times it went away

    # -- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        await asyncio.get_running_loop().run_in_executor(
            self._writer_pool, migrate.upgrade, self.engine
        )
        self.tasks = TaskOwner("store")  # a store closed and started again: a fresh owner
        self.tasks.spawn(self._write_loop(), name="writer")
        self._writer_started = True

    async def close(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Stop: every write submitted so far lands before the writer stops, waited for at
        most ``timeout`` seconds (a stopping server's bound: a database that stopped
        answering must not hold it; what is still queued then was never acknowledged)."""
        if self._writer_started:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    while self._pending:
                        await asyncio.wait([future for _, future in self._pending])
            if self._pending:
                log.warning("store: closed with %d writes not committed", len(self._pending))
        await self.tasks.close()
        self._writer_pool.shutdown(wait=True)
        self._reader_pool.shutdown()
        self.engine.dispose()

    # -- the two ways in, for the table modules of this package -------------------------------
    def write(self, op: WriteOp) -> asyncio.Future[Any]:
        """Queue ``op`` for the writer; the future resolves with its result once its
        transaction committed (``store_unavailable`` when the database is away)."""
        return self._submit(op)

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` on a reader connection, beside the writer."""

        def run() -> T:
            with self._reader_engine.connect() as conn:
                return fn(conn)

        try:
            return await asyncio.wrap_future(self._reader_pool.submit(run))
        except Exception as exc:
            if database_away(exc):
                self._mark(available=False)
                raise unavailable(exc) from exc
            raise

    # -- the writer -----------------------------------------------------------------------
    def _submit(self, op: Write) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((op, future))
        self._wakeup.set()
        return future

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch = self._pending[: self.batch_max]
                del self._pending[: self.batch_max]
                outcomes = await loop.run_in_executor(
                    self._writer_pool, self._write_batch, [op for op, _ in batch]
                )
                for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if ok:
                        self._mark(available=True)
                    elif database_away(value):
                        self._mark(available=False)
                        value = unavailable(value)
                    if future.done():
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)

    def _mark(self, *, available: bool) -> None:
        if self.available and not available:
            self.outages += 1
        self.available = available

    def _write_batch(self, ops: list[Write]) -> list[tuple[bool, Any]]:
        try:
            with self.engine.begin() as conn:
                results = self._apply(conn, ops)
            self.commits += 1
            self.writes += len(ops)
            return [(True, r) for r in results]
        except Exception as exc:
            if len(ops) == 1:
                return [(False, exc)]
        # Isolate the failing write: every other one still commits.
        outcomes: list[tuple[bool, Any]] = []
        for op in ops:
            try:
                with self.engine.begin() as conn:
                    outcomes.append((True, self._apply(conn, [op])[0]))
                self.commits += 1
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    @classmethod
    def _apply(cls, conn: Connection, ops: list[Write]) -> list[Any]:
        messages = [op for op in ops if isinstance(op, MessageRecord | _WithSidecar)]
        stored: list[MessageRecord] = []
        if messages:
            records = [op.record if isinstance(op, _WithSidecar) else op for op in messages]
            heads = reserve_ids(conn, Counter(r.channel for r in records))
            for r in records:
                heads[r.channel] += 1
                # Not dataclasses.replace: it costs ten times more, per message, in the writer.
                stored.append(
                    MessageRecord(r.channel, heads[r.channel], r.ts, r.sender_id, r.sender, r.text)
                )
            # Bodies are sealed here, in the writer's thread (store/bodies.py).
            keys = bodies.keys_of(conn)
            insert_rows(conn, schema.messages, [bodies.sealed_row(keys, r) for r in stored])
            sidecars: dict[Table, list[dict[str, Any]]] = {}
            for op, record in zip(messages, stored, strict=True):
                if isinstance(op, _WithSidecar):
                    table, values = op.sidecar(record)
                    sidecars.setdefault(table, []).append(values)
            for table, values_list in sidecars.items():
                insert_rows(conn, table, values_list)
        given = iter(stored)
        return [
            next(given) if isinstance(op, MessageRecord | _WithSidecar) else op(conn) for op in ops
        ]

    # -- messages ---------------------------------------------------------------------------
    async def append_message(
        self, record: MessageRecord, sidecar: Sidecar | None = None
    ) -> MessageRecord:
        """Durably store a message; returns it with its id, once it is committed.

        The id of ``record`` is ignored: the store gives the next one of its channel.
        ``sidecar`` gives a row written in the same transaction, from the stored record.
        """
        op = record if sidecar is None else _WithSidecar(record, sidecar)
        stored: MessageRecord = await self._submit(op)
        return stored

    async def channel_heads(self, channels: Iterable[str] | None = None) -> dict[str, int]:
        """The last id given per channel (of these channels, or of all)."""
        wanted = None if channels is None else list(channels)
        if wanted is not None and not wanted:
            return {}

        def q(conn: Connection) -> dict[str, int]:
            t = schema.channel_heads
            stmt = select(t.c.channel, t.c.head)
            if wanted is not None:
                stmt = stmt.where(t.c.channel.in_(wanted))
            return {channel: int(head) for channel, head in conn.execute(stmt)}

        return await self.read(q)

    async def first_kept(self, channels: Iterable[str]) -> dict[str, int]:
        wanted = list(channels)
        if not wanted:
            return {}
        stmt, params = _read_statements()["first_kept"], {"channels": wanted}

        def q(conn: Connection) -> dict[str, int]:
            return {channel: int(first) for channel, first in conn.execute(stmt, params)}

        return await self.read(q)

    async def messages_after(self, channel: str, after: int, limit: int) -> list[MessageRecord]:
        stmt = _read_statements()["after"]
        params = {"channel": channel, "after": after, "limit": limit}

        def q(conn: Connection) -> list[MessageRecord]:
            return [bodies.record_of(conn, row) for row in conn.execute(stmt, params)]

        return await self.read(q)

    async def messages_before(
        self, channel: str, before: int | None, limit: int
    ) -> list[MessageRecord]:
        """The last ``limit`` messages before an id (or the newest), oldest first."""

        stmt = _read_statements()["newest" if before is None else "before"]
        params = {"channel": channel, "before": before, "limit": limit}

        def q(conn: Connection) -> list[MessageRecord]:
            rows = list(conn.execute(stmt, params))
            return [bodies.record_of(conn, row) for row in reversed(rows)]

        return await self.read(q)

    async def trim_channel(self, channel: str, keep: int) -> None:
        def op(conn: Connection) -> None:
            m = schema.messages
            newest = conn.execute(select(func.max(m.c.id)).where(m.c.channel == channel)).scalar()
            if newest is not None and newest > keep:
                conn.execute(delete(m).where(m.c.channel == channel, m.c.id <= newest - keep))

        await self._submit(op)

    # -- sessions ---------------------------------------------------------------------------
    async def create_session(self, record: SessionRecord) -> None:
        row = dict(zip(_SESSION_COLUMNS, astuple(record), strict=True))
        await self._submit(lambda conn: insert_rows(conn, schema.sessions, [row]))

    async def session_by_token_hash(self, token_hash: str) -> SessionRecord | None:
        def q(conn: Connection) -> SessionRecord | None:
            s = schema.sessions
            row = conn.execute(select(s).where(s.c.token_hash == token_hash)).first()
            return None if row is None else SessionRecord(*row)

        return await self.read(q)

    async def chatter_rows(
        self,
        *,
        chatter_id: str | None = None,
        token_hash: str | None = None,
        flags: bool = False,
    ) -> ChatterRows | None:
        """A session (by id or by token hash) and what hangs on it, in one read: its
        blocks both ways, its rooms, its conversations and (``flags``) its safety flags.
        Read one by one, a resume's load was six trips through the reader pool, each queued
        behind every other resume's in a storm (issue 17)."""

        def q(conn: Connection) -> ChatterRows | None:
            s = schema.sessions
            key = s.c.id == chatter_id if token_hash is None else s.c.token_hash == token_hash
            row = conn.execute(select(s).where(key)).first()
            if row is None:
                return None
            record = SessionRecord(*row)
            # The rest in one statement: a round trip each was most of the read's time.
            blocked, blocked_by, rooms, flagged = set(), set(), [], set()
            conversations: list[tuple[str, str, str, str]] = []
            for kind, a, b, c, d in conn.execute(_hanging_rows(flags), {"id": record.id}):
                if kind == "blocked":
                    blocked.add(a)
                elif kind == "blocked_by":
                    blocked_by.add(a)
                elif kind == "room":
                    rooms.append(a)
                elif kind == "conversation":
                    conversations.append((a, b, c, d))
                else:
                    flagged.add(a)
            return ChatterRows(
                record,
                frozenset(blocked),
                frozenset(blocked_by),
                sorted(rooms),
                conversations,
                frozenset(flagged),
            )

        return await self.read(q)

    async def sessions_by_id(self, ids: Iterable[str]) -> dict[str, SessionRecord]:
        wanted = list(set(ids))

        def q(conn: Connection) -> dict[str, SessionRecord]:
            s = schema.sessions
            rows = conn.execute(select(s).where(s.c.id.in_(wanted)))
            return {row[0]: SessionRecord(*row) for row in rows}

        return await self.read(q) if wanted else {}

    async def update_session(self, session_id: str, **values: Any) -> None:
        stmt = _session_update(tuple(sorted(values)))
        params = {"session_id": session_id, **{f"new_{k}": v for k, v in values.items()}}
        await self._submit(lambda conn: conn.execute(stmt, params))

    # -- rooms a session is in (for resume) -----------------------------------------------
    async def add_membership(self, session_id: str, room: str) -> None:
        exists, add = _read_statements()["membership"], _membership_insert()
        params = {"session_id": session_id, "room": room}

        def op(conn: Connection) -> None:
            if conn.execute(exists, params).first() is None:
                conn.execute(add, params)

        await self._submit(op)

    async def remove_membership(self, session_id: str, room: str) -> None:
        t = schema.memberships
        stmt = delete(t).where(t.c.session_id == session_id, t.c.room == room)
        await self._submit(lambda conn: conn.execute(stmt))

    async def memberships(self, session_id: str) -> list[str]:
        return await self.read(lambda conn: _memberships(conn, session_id))

    # -- blocks -----------------------------------------------------------------------------
    async def add_block(self, blocker: str, blocked: str, now: float) -> None:
        t = schema.blocks

        def op(conn: Connection) -> None:
            exists = conn.execute(
                select(t.c.blocker_id).where(t.c.blocker_id == blocker, t.c.blocked_id == blocked)
            ).first()
            if exists is None:
                conn.execute(
                    insert(t).values(blocker_id=blocker, blocked_id=blocked, created_at=now)
                )

        await self._submit(op)

    async def remove_block(self, blocker: str, blocked: str) -> None:
        t = schema.blocks
        stmt = delete(t).where(t.c.blocker_id == blocker, t.c.blocked_id == blocked)
        await self._submit(lambda conn: conn.execute(stmt))

    async def blocks_of(self, chatter: str) -> tuple[frozenset[str], frozenset[str]]:
        """(whom this chatter blocked, who blocked this chatter)."""
        return await self.read(lambda conn: _blocks_of(conn, chatter))

    # -- private conversations ------------------------------------------------------------
    async def create_conversation(
        self, conversation_id: str, initiator: str, recipient: str, status: str, now: float
    ) -> None:
        values = {
            "id": conversation_id,
            "initiator_id": initiator,
            "recipient_id": recipient,
            "status": status,
            "created_at": now,
            "updated_at": now,
        }
        await self._submit(lambda conn: conn.execute(insert(schema.conversations), values))

    async def set_conversation_status(self, conversation_id: str, status: str, now: float) -> None:
        c = schema.conversations
        stmt = update(c).where(c.c.id == conversation_id).values(status=status, updated_at=now)
        await self._submit(lambda conn: conn.execute(stmt))

    async def conversations_of(self, chatter: str) -> list[tuple[str, str, str, str]]:
        """(id, initiator, recipient, status) of every conversation involving the chatter."""
        return await self.read(lambda conn: _conversations_of(conn, chatter))
