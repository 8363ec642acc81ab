"""The trust and safety desk: moderators' accounts, the queue and its actions, appeals,
audit, retention, requisitions and emergencies, behind ``/api/desk/*`` and ``/desk/``.

Each part is a module of this package that adds its routes in ``setup_desk``; every route
checks one permission of core/roles.py through ``auth.require``. The ``Desk`` itself (its
stores, the consoles' feed) is built by server/app.py, routes or not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from causette.server.desk import (
    actions,
    appeals,
    auth,
    flaggers,
    legal,
    live,
    moderation,
    queue,
    rules,
    transparency,
)
from causette.server.desk.audit_head import CheckpointTask
from causette.server.desk.service import DESK, Desk
from causette.server.retention import load_signing_key

__all__ = ["DESK", "Desk", "setup_desk"]


def setup_desk(app: web.Application) -> None:
    desk = app[DESK]
    checkpoints = CheckpointTask(
        desk.store, desk.settings, load_signing_key(desk.settings), desk.clock
    )

    async def audit_checkpoints(_app: web.Application) -> AsyncIterator[None]:
        await checkpoints.start()
        yield
        await checkpoints.close()

    app.cleanup_ctx.append(audit_checkpoints)
    auth.setup_routes(app)
    moderation.setup_routes(app)
    queue.setup_routes(app)
    actions.setup_routes(app)
    appeals.setup_routes(app)
    live.setup_routes(app)
    transparency.setup_routes(app)
    legal.setup_routes(app)
    flaggers.setup_routes(app)
    rules.setup_routes(app)
