"""`causette safety` sub-commands (placeholder until the engine lands)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subparsers.add_parser("safety", help="offline safety engine tools")
