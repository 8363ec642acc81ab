"""The `causette` command: one entry point for serving, safety tools and administration.

Each sub-command lives with the package that owns it and registers itself here through a
``register(subparsers)`` function that sets ``func`` on its parser; ``func(args)`` returns
the process exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _register_serve(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser("serve", help="start the chat server")
    serve.add_argument("--host", default=None, help="address to bind (default from settings)")
    serve.add_argument("--port", type=int, default=None, help="port to bind (default 8000)")
    serve.add_argument("--config", default=None, help="a TOML settings file")
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from causette.server.main import serve
    from causette.settings import load_settings

    settings = load_settings(args.config)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    if overrides:
        settings = settings.model_copy(update=overrides)
    serve(settings)
    return 0


def _register_db(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser(
        "upgrade", help="migrate the database (CAUSETTE_DATABASE_URL) to the newest schema"
    )
    upgrade.add_argument("--config", default=None, help="a TOML settings file")
    upgrade.add_argument("--url", default=None, help="a SQLAlchemy URL (default from settings)")
    upgrade.set_defaults(func=_db_upgrade)


def _db_upgrade(args: argparse.Namespace) -> int:
    from causette.settings import load_settings
    from causette.store.migrate import upgrade
    from causette.store.sql import make_engine

    url = args.url or load_settings(args.config).sqlalchemy_url()
    engine = make_engine(url)
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    print(f"causette: database at revision {revision}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="causette", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    _register_serve(subparsers)
    _register_db(subparsers)
    from causette.safety.cli import register as register_safety

    register_safety(subparsers)
    from causette.server.desk.cli import register as register_admin

    register_admin(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
