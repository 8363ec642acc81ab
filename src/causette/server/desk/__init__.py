"""The trust and safety desk: moderators' accounts, the queue and its actions, appeals,
audit, retention, requisitions and emergencies, behind ``/api/desk/*`` and ``/desk/``.

Each part is a module of this package that adds its routes in ``setup_desk``; every route
checks one permission of core/roles.py through ``auth.require``.
"""

from __future__ import annotations

from aiohttp import web

from causette.server.desk import auth, live, moderation, transparency
from causette.server.desk.service import DESK, Desk
from causette.server.keys import SERVICE

__all__ = ["DESK", "Desk", "setup_desk"]


def setup_desk(app: web.Application) -> None:
    app[DESK] = Desk(app[SERVICE])
    auth.setup_routes(app)
    moderation.setup_routes(app)
    live.setup_routes(app)
    transparency.setup_routes(app)
