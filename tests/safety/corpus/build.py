"""Rebuild the corpus JSONL files (tune, heldout, heldout2..6) and labels.json.

Run: ``.venv/bin/python tests/safety/corpus/build.py`` (the outputs are committed; the
evaluation test checks they are up to date).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import heldout2_convs  # noqa: E402
import heldout3_convs  # noqa: E402
import heldout4_convs  # noqa: E402
import heldout5_convs  # noqa: E402
import heldout6_convs  # noqa: E402
import heldout_convs  # noqa: E402
import tune_convs  # noqa: E402
from corpus_dsl import write  # noqa: E402


def build(directory: Path = HERE) -> dict[str, object]:
    """Write both splits and the labels file into ``directory``; return the labels."""
    labels = {}
    labels.update(write(tune_convs.conversations(), "tune", directory))
    labels.update(write(heldout_convs.conversations(), "heldout", directory))
    labels.update(write(heldout2_convs.conversations(), "heldout2", directory))
    labels.update(write(heldout3_convs.conversations(), "heldout3", directory))
    labels.update(write(heldout4_convs.conversations(), "heldout4", directory))
    labels.update(write(heldout5_convs.conversations(), "heldout5", directory))
    labels.update(write(heldout6_convs.conversations(), "heldout6", directory))
    (directory / "labels.json").write_text(
        json.dumps(labels, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return labels


if __name__ == "__main__":
    out = build()
    benign = sum(1 for v in out.values() if v["benign"])  # type: ignore[index]
    print(f"{len(out)} conversations, {benign} benign")
