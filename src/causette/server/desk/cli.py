"""``causette admin …``: the operator's commands for the desk, run beside the server on
the same database (they never need the server to be up).

Owns the moderators' accounts and the audit check; gathers under ``admin`` the commands
of the other parts of the desk (purge and exports in desk/legal.py, reports in
desk/transparency.py). All are made with desk/commands.py, which imports none of them.
"""

from __future__ import annotations

import argparse
import getpass
import pathlib
import sys
import time
from typing import TYPE_CHECKING

from causette.core.roles import Role
from causette.server.desk import legal, transparency
from causette.server.desk.commands import OPERATOR, add_command, run_with_store
from causette.settings import Settings
from causette.store.moderators import ModeratorStore
from causette.store.sql import SqlStore

if TYPE_CHECKING:
    from causette.server.desk.commands import Subparsers


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
    transparency.register(commands)
    legal.register_cli(commands)


__all__ = ["register"]
