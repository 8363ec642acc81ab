"""``causette safety`` sub-commands: ``score`` (the contract), ``explain``, ``train`` and
``evaluate`` (the learned layer and its leave-one-author-out figures).

Owns: argument parsing and file handling only; the work is in :mod:`score`,
:mod:`explain` and :mod:`train`. Rules: malformed input lines are reported on stderr as
``line N: ...``, the other lines are still scored, and the exit status is 1 if any line
was bad (2 if the input cannot be read, the rules do not validate or the corpus is
malformed), 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO, Any

from causette.safety.rules import RulesError

DEFAULT_CORPUS = "tests/safety/corpus/authors"


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
    train = sub.add_parser(
        "train", help="fit the learned layer on the multi-author corpus (needs .[train])"
    )
    train.add_argument("--corpus", default=DEFAULT_CORPUS, help="folder of <author>.jsonl files")
    train.add_argument(
        "--out", default=None, help="artefact folder (default: the package's data/model)"
    )
    train.set_defaults(func=_train)
    evaluate = sub.add_parser(
        "evaluate", help="leave-one-author-out figures of the learned layer (needs .[train])"
    )
    evaluate.add_argument("--corpus", default=DEFAULT_CORPUS, help="folder of <author>.jsonl")
    evaluate.add_argument("--json", default=None, help="also write the figures as JSON here")
    evaluate.set_defaults(func=_evaluate)
    figures = sub.add_parser(
        "figures",
        help="the shipped engine's figures per author on a corpus it was not trained on",
    )
    figures.add_argument("--corpus", required=True, help="folder of <author>.jsonl files")
    figures.add_argument("--json", default=None, help="also write the figures as JSON here")
    figures.set_defaults(func=_figures)


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


def _load_corpus(folder: str) -> list[Any]:
    from pathlib import Path

    from causette.safety.corpus import parse_author

    files = sorted(Path(folder).glob("*.jsonl"))
    if not files:
        raise OSError(f"no <author>.jsonl file in {folder}")
    convs = []
    for f in files:
        with f.open(encoding="utf-8") as fh:
            convs.extend(parse_author(fh, f.stem, str(f)))
    return convs


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from causette.safety.corpus import CorpusError
    from causette.safety.model import MODEL_DIR
    from causette.safety.rules import load_rules

    try:
        from causette.safety.train import train
    except ImportError as exc:  # scikit-learn is an extra: say how to get it
        print(f"causette safety train: {exc} (pip install -e '.[train]')", file=sys.stderr)
        return 2
    try:
        convs = _load_corpus(args.corpus)
        rules = load_rules()
    except (OSError, CorpusError, RulesError) as exc:
        print(f"causette safety train: {exc}", file=sys.stderr)
        return 2
    layer = train(rules, convs, log=_log)
    # The package's own data folder (a namespace package: resolve it from this file).
    out = Path(args.out) if args.out else Path(__file__).resolve().parent / "data" / MODEL_DIR
    out.mkdir(parents=True, exist_ok=True)
    for name, data in layer.to_files().items():
        (out / name).write_bytes(data)
        _log(f"wrote {out / name} ({len(data):,} bytes)")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from causette.safety.corpus import CorpusError
    from causette.safety.rules import load_rules

    try:
        from causette.safety.train import evaluation
    except ImportError as exc:
        print(f"causette safety evaluate: {exc} (pip install -e '.[train]')", file=sys.stderr)
        return 2
    try:
        convs = _load_corpus(args.corpus)
        rules = load_rules()
    except (OSError, CorpusError, RulesError) as exc:
        print(f"causette safety evaluate: {exc}", file=sys.stderr)
        return 2
    result = evaluation(rules, convs, log=_log)
    print(result["markdown"])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result["figures"], fh, indent=1, sort_keys=True)
            fh.write("\n")
    return 0


def _figures(args: argparse.Namespace) -> int:
    """Score new authors with the engine as shipped (rules, and rules + the shipped
    layer), before any training reads them: the clean check of a new corpus."""
    import json

    from causette.safety.corpus import CorpusError
    from causette.safety.model import load_learned
    from causette.safety.report import table
    from causette.safety.rules import load_rules
    from causette.safety.train import pooled, score_authors

    try:
        convs = _load_corpus(args.corpus)
        rules = load_rules()
    except (OSError, CorpusError, RulesError) as exc:
        print(f"causette safety figures: {exc}", file=sys.stderr)
        return 2
    layer = load_learned()
    rules_alone = score_authors(rules, None, convs)
    shipped = score_authors(rules, layer, convs) if layer is not None else {}
    columns = {f"{a}, rules alone": f for a, f in rules_alone.items()}
    columns.update({f"{a}, shipped": f for a, f in shipped.items()})
    if len(rules_alone) > 1:
        columns["pooled, rules alone"] = pooled(rules_alone)
        if shipped:
            columns["pooled, shipped"] = pooled(shipped)
    print(table(columns))
    if args.json:
        data = {name: f.counts for name, f in columns.items()}
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.write("\n")
    return 0
