"""The transparency report (DSA art. 15 and 24): the operator's command and the admins'
endpoint.

- ``causette admin transparency --from YYYY-MM-DD --to YYYY-MM-DD --out DIR [--lang fr|en]``
  writes ``transparency.json``, ``transparency.csv`` and ``transparency.html`` in ``DIR``.
  Bad dates exit 2 with the reason.
- ``GET /api/desk/transparency?from=&to=`` answers the same figures as JSON, for admins
  (``Permission.OPERATE``).

Both are audited as ``transparency.generate`` with the period, and carry the audit chain's
signed head (``audit_head``, after that entry): publishing the report publishes the head,
so a later ``causette admin verify-audit --head transparency.json`` proves no entry up to it
was removed or rewritten (server/desk/audit_head.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import sys
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from causette.core.errors import ChatError, bad_field
from causette.core.roles import Permission
from causette.core.transparency import Period, figures, parse_period
from causette.server.desk.audit_head import published_head
from causette.server.desk.auth import require
from causette.server.desk.commands import OPERATOR, add_command, run_with_store
from causette.server.desk.service import DESK
from causette.server.desk.transparency_page import LANGS, write_files
from causette.server.http_api import json_response
from causette.server.retention import load_signing_key
from causette.settings import Settings
from causette.store.audit import AuditStore
from causette.store.sql import SqlStore
from causette.store.transparency import TransparencyStore

if TYPE_CHECKING:
    from causette.server.desk.commands import Subparsers

ACTION = "transparency.generate"


async def generate(store: SqlStore, period: Period, now: float) -> dict[str, Any]:
    """The figures of ``period`` as they are in the database at ``now``."""
    rows = await TransparencyStore(store).rows(period)
    return figures(period, rows, now)


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    """What the audit entry keeps of a report: the period and its main totals."""
    return {
        "from": report["period"]["from"],
        "to": report["period"]["to"],
        "reports": report["reports"]["received"],
        "actions": report["actions"]["total"],
    }


# -- the command --------------------------------------------------------------------------------
def _transparency(args: argparse.Namespace) -> int:
    period = parse_period(args.first_day, args.last_day)  # ChatError: exit 2 in main()
    out = pathlib.Path(args.out)

    async def body(store: SqlStore, settings: Settings) -> int:
        now = time.time()
        report = await generate(store, period, now)
        # A one-shot command: nothing else runs on its loop while the disk answers.
        detail = {**_summary(report), "out": str(out.resolve())}  # noqa: ASYNC240
        await AuditStore(store).append(now, OPERATOR, ACTION, f"period:{period.label}", detail)
        report["audit_head"] = await published_head(
            store, settings, load_signing_key(settings), now
        )
        paths = write_files(report, out, args.lang)
        for path in paths:
            print(f"causette: wrote {path}")
        return 0

    return run_with_store(args, body)


def _checked(args: argparse.Namespace) -> int:
    # Before anything is read or audited: a run that cannot draw its charts writes nothing.
    if importlib.util.find_spec("matplotlib") is None:
        print(
            "causette: the transparency charts need matplotlib: pip install 'causette[charts]'",
            file=sys.stderr,
        )
        return 2
    try:
        return _transparency(args)
    except ChatError as exc:
        print(f"causette: {exc.message('en')}", file=sys.stderr)
        return 2


def register(commands: Subparsers) -> None:
    parser = add_command(
        commands,
        "transparency",
        "write the transparency report of a period (JSON, CSV, HTML)",
        _checked,
    )
    parser.add_argument(
        "--from", dest="first_day", required=True, help="first day, YYYY-MM-DD (UTC)"
    )
    parser.add_argument(
        "--to", dest="last_day", required=True, help="last day, YYYY-MM-DD (UTC), included"
    )
    parser.add_argument("--out", required=True, help="the folder to write the three files in")
    parser.add_argument("--lang", choices=LANGS, default="fr", help="language of the HTML page")


# -- the endpoint -------------------------------------------------------------------------------
async def transparency(request: web.Request) -> web.Response:
    moderator = await require(request, Permission.OPERATE)
    first, last = request.query.get("from"), request.query.get("to")
    if first is None or last is None:
        raise bad_field("from, to: the period's first and last days, YYYY-MM-DD")
    period = parse_period(first, last)
    desk = request.app[DESK]
    report = await generate(desk.store, period, desk.clock())
    await desk.audit_action(moderator, ACTION, f"period:{period.label}", _summary(report))
    settings = desk.settings
    report["audit_head"] = await published_head(
        desk.store, settings, load_signing_key(settings), desk.clock()
    )
    return json_response(report)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/desk/transparency", transparency)
