"""Run the benchmarks and write their figures to ``bench/results/<name>.json``.

Each ``bench/bench_<name>.py`` exposes ``run(quick: bool) -> dict``; the dict is printed
and written as JSON. ``--only NAME`` runs one; ``--quick`` runs the short variant;
``BENCH_RESULTS_DIR`` writes the JSON there instead (and no report). Otherwise
``bench.report`` writes ``bench/results/README.md`` and the PNG charts from the JSON files.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="short variant for CI smoke")
    parser.add_argument("--only", action="append", default=[], help="run only this bench")
    args = parser.parse_args()
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    if args.only:
        names = [n for n in names if n in args.only]
    # BENCH_RESULTS_DIR: a run on a loaded machine writes its figures elsewhere (/tmp), and
    # bench/results (the tables, the charts) stays what the last quiet full run measured.
    elsewhere = os.environ.get("BENCH_RESULTS_DIR")
    results_dir = pathlib.Path(elsewhere) if elsewhere else HERE / "results"
    results_dir.mkdir(exist_ok=True)
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name}", flush=True)
        figures = module.run(quick=args.quick)
        text = json.dumps(figures, indent=2, sort_keys=True)
        print(text, flush=True)
        (results_dir / f"{name}.json").write_text(text + "\n")
    if elsewhere:
        return 0
    from bench import report

    print(f"== report: {report.write()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
