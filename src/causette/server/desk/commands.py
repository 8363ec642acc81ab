"""The kit every ``causette admin`` command is made with: its common options, the store it
runs on (migrated, its audit chain written down after the command) and the name it acts as.

The commands themselves live with the part of the desk they serve (desk/cli.py for the
moderators' accounts and the audit, desk/legal.py for the purge and exports,
desk/transparency.py for the reports); desk/cli.py gathers them under ``admin``. This
module imports none of them, so each may import it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from causette.core.errors import ChatError
from causette.settings import Settings, load_settings
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


def add_command(
    commands: Subparsers, name: str, help_text: str, func: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    """A sub-command of ``admin`` with the options every one of them takes."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    parser.add_argument("--config", default=None, help="a TOML settings file")
    parser.add_argument("--database-url", default=None, help="a SQLAlchemy URL (default: settings)")
    parser.set_defaults(func=func)
    return parser


__all__ = ["OPERATOR", "add_command", "open_store", "run_with_store"]
