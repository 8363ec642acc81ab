"""``causette safety`` sub-commands: ``score`` (the contract) and ``explain``.

Owns: argument parsing and file handling only; the work is in :mod:`score` and
:mod:`explain`. Rules: malformed input lines are reported on stderr as ``line N: ...``,
the other lines are still scored, and the exit status is 1 if any line was bad (2 if the
input cannot be read or the rules do not validate), 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO

from causette.safety.rules import RulesError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``safety score`` and ``safety explain`` to the ``causette`` command."""
    safety = subparsers.add_parser("safety", help="offline safety engine tools")
    sub = safety.add_subparsers(dest="safety_command", required=True)
    score = sub.add_parser("score", help="score recorded conversations (JSONL in, JSONL out)")
    score.add_argument("--input", required=True, help="input JSONL file ('-' for stdin)")
    score.add_argument("--output", default=None, help="output JSONL file (default stdout)")
    score.set_defaults(func=_score)
    explain = sub.add_parser("explain", help="explain every decision of one conversation")
    explain.add_argument("--input", required=True, help="input JSONL file ('-' for stdin)")
    explain.add_argument("--conversation", required=True, help="conversation id")
    explain.add_argument("--lang", choices=("en", "fr"), default="en", help="reason language")
    explain.set_defaults(func=_explain)


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    return open(path, "rb")


def _score(args: argparse.Namespace) -> int:
    from causette.safety.engine import SafetyEngine
    from causette.safety.score import dumps, score_lines

    try:
        engine = SafetyEngine.load()
        with _open(args.input) as fh:
            outputs, errors = score_lines(fh, engine)
    except (OSError, RulesError) as exc:
        print(f"causette safety score: {exc}", file=sys.stderr)
        return 2
    text = "".join(dumps(o) + "\n" for o in outputs)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    for number, error in errors:
        print(f"causette safety score: line {number}: {error}", file=sys.stderr)
    if errors:
        print(f"causette safety score: {len(errors)} malformed line(s) skipped", file=sys.stderr)
        return 1
    return 0


def _explain(args: argparse.Namespace) -> int:
    from causette.safety.explain import explain

    try:
        with _open(args.input) as fh:
            lines = explain(fh, args.conversation, args.lang)
    except (OSError, RulesError) as exc:
        print(f"causette safety explain: {exc}", file=sys.stderr)
        return 2
    if not lines:
        print(f"causette safety explain: no conversation {args.conversation!r}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 1 if any(line.startswith("! line") for line in lines) else 0
