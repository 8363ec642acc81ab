"""``causette admin …``: the operator's commands for the desk, run beside the server on
the same database (they never need the server to be up).

Each part of the desk may add its own sub-commands here (purge, transparency, exports).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import pathlib
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from causette.core.errors import ChatError
from causette.core.roles import Role
from causette.settings import Settings, load_settings
from causette.store.moderators import ModeratorStore
from causette.store.sql import SqlStore

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

OPERATOR = "operator:cli"


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[SqlStore]:
    """The service's database, migrated, for the length of one command."""
    from causette.server.desk.audit_head import anchor_plain_chain, checkpoint
    from causette.server.retention import load_audit_keys, load_keyring, load_signing_key

    store = SqlStore(
        settings.sqlalchemy_url(),
        synchronous=settings.sqlite_synchronous,
        audit_keys=load_audit_keys(settings),
        message_keys=load_keyring(settings),
    )
    await store.start()
    try:
        if await anchor_plain_chain(store, time.time()):
            # First run on a chain begun before it was keyed: its head is written down now.
            await checkpoint(store, settings, load_signing_key(settings), time.time())
        yield store
        # What the command appended is written down outside the database at once.
        await checkpoint(store, settings, load_signing_key(settings), time.time())
    finally:
        await store.close()


def run_with_store(
    args: argparse.Namespace, body: Callable[[SqlStore, Settings], Awaitable[int]]
) -> int:
    settings = load_settings(args.config)
    if getattr(args, "database_url", None):
        settings = settings.model_copy(update={"database_url": args.database_url})

    async def main() -> int:
        async with open_store(settings) as store:
            return await body(store, settings)

    try:
        return asyncio.run(main())
    except ChatError as exc:
        print(f"causette: {exc.message('en')}", file=sys.stderr)
        return 2


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("causette: the two passwords differ")
    return first


def _create_moderator(args: argparse.Namespace) -> int:
    from causette.server.desk.service import new_moderator

    password = _read_password(args)

    async def body(store: SqlStore, _settings: Settings) -> int:
        moderators = ModeratorStore(store)
        if await moderators.by_name(args.name.strip()) is not None:
            print(f"causette: a moderator named {args.name!r} exists", file=sys.stderr)
            return 1
        moderator = new_moderator(args.name, args.role, password, time.time())
        await moderators.create(moderator, OPERATOR)
        print(f"causette: moderator {moderator.name} ({moderator.role}) created")
        return 0

    return run_with_store(args, body)


def _list_moderators(args: argparse.Namespace) -> int:
    async def body(store: SqlStore, _settings: Settings) -> int:
        for m in await ModeratorStore(store).all():
            state = "disabled" if m.disabled_at is not None else "active"
            print(f"{m.name}\t{m.role}\t{state}")
        return 0

    return run_with_store(args, body)


def _disable_moderator(args: argparse.Namespace) -> int:
    async def body(store: SqlStore, _settings: Settings) -> int:
        moderators = ModeratorStore(store)
        moderator = await moderators.by_name(args.name)
        if moderator is None:
            print(f"causette: no moderator named {args.name!r}", file=sys.stderr)
            return 1
        await moderators.disable(moderator.id, time.time(), OPERATOR)
        print(f"causette: moderator {moderator.name} disabled, sessions closed")
        return 0

    return run_with_store(args, body)


def _verify_audit(args: argparse.Namespace) -> int:
    from causette.server.desk.audit_head import verify
    from causette.server.retention import load_signing_key

    heads = tuple(pathlib.Path(p) for p in args.head)

    async def body(store: SqlStore, settings: Settings) -> int:
        checked = await verify(store, settings, load_signing_key(settings), heads)
        report = checked.report
        for problem in checked.problems:
            print(f"causette: audit chain NOT PROVEN: {problem}", file=sys.stderr)
        if not report.ok:
            print(
                f"causette: audit chain BROKEN at entry {report.first_broken}: {report.problem}",
                file=sys.stderr,
            )
            return 1
        if checked.problems:
            return 1
        head = report.head.seq if report.head is not None else 0
        saved = checked.checkpoint.seq if checked.checkpoint is not None else 0
        print(
            f"causette: audit chain intact ({report.entries} entries, head {head}, "
            f"checkpoint {saved}, {len(heads)} published heads)"
        )
        return 0

    return run_with_store(args, body)


def add_command(
    commands: Subparsers, name: str, help_text: str, func: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    """A sub-command of ``admin`` with the options every one of them takes."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    parser.add_argument("--config", default=None, help="a TOML settings file")
    parser.add_argument("--database-url", default=None, help="a SQLAlchemy URL (default: settings)")
    parser.set_defaults(func=func)
    return parser


def register(subparsers: Subparsers) -> None:
    admin = subparsers.add_parser("admin", help="the trust and safety desk's administration")
    commands = admin.add_subparsers(dest="admin_command", required=True)
    create = add_command(
        commands, "create-moderator", "create a moderator account", _create_moderator
    )
    create.add_argument("name")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.MODERATOR.value)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add_command(commands, "list-moderators", "list moderator accounts", _list_moderators)
    disable = add_command(
        commands, "disable-moderator", "disable an account and end its sessions", _disable_moderator
    )
    disable.add_argument("name")
    verify_audit = add_command(
        commands, "verify-audit", "check the audit log's keyed hash chain", _verify_audit
    )
    verify_audit.add_argument(
        "--head",
        action="append",
        default=[],
        help="a signed head to check too: a transparency.json or a copy of the checkpoint",
    )
    # Imported here: the module imports this one for ``add_command`` and ``run_with_store``.
    from causette.server.desk import transparency

    transparency.register(commands)
    from causette.server.desk import legal

    legal.register_cli(commands)


__all__ = ["add_command", "open_store", "register", "run_with_store"]
