"""The safety engine measured honestly: the multi-author corpus, the leave-one-author-out
figures and the shipped learned layer.

- The corpus is what the generalisation issue asks: at least 1,500 conversations by at
  least eight independent authors besides ``house`` (the project's own, which the rules
  were written on), at least 40% benign, French and English.
- ``corpus/loao.json`` (written by ``causette safety evaluate --json``) is current — same
  corpus and same safety code as now — and its pooled leave-one-author-out figures meet the
  floors below. ``CAUSETTE_FULL_SAFETY_EVAL=1`` recomputes them here (about 10 minutes on
  two cores) and compares.
- The shipped artefact was trained on this corpus, and training is deterministic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import causette.safety.train as training
from causette.safety.cli import _load_corpus
from causette.safety.corpus import Conversation
from causette.safety.model import load_learned
from causette.safety.report import Figures
from causette.safety.rules import Rules
from causette.safety.train import (
    corpus_digest,
    evaluation,
    folds_of,
    leave_one_author_out,
    source_digest,
    train,
)

AUTHORS = Path(__file__).parent / "corpus" / "authors"
LOAO = Path(__file__).parent / "corpus" / "loao.json"

# Floors on the pooled leave-one-author-out figures (every author but house), set at what
# the engine reached when they were last measured (docs/safety.md) — a change that makes
# the engine worse on text it never saw fails here. Goals of the issue in comments.
FLOORS = {
    "grooming_escalated": 0.94,  # goal 0.90
    "first_push": 0.92,  # goal 0.80
    "ambush_escalated": 0.96,  # goal 0.90
    "hate_escalated": 0.75,  # goal 0.85: not met
    # goal 0.75: not met. 0.53 on twenty authors; the seven of 2026-12-03 (a21-a27) were
    # briefed towards polite and coded harassment and pull the pool down to 0.51, while the
    # old twenty's own figure rose (0.530 -> 0.536) with them in the training set.
    "harassment_escalated": 0.51,
    "threat_escalated": 0.67,  # goal 0.75: not met
    "acted": 0.59,  # goal 0.80: not met (0.60 on 27 authors; 0.61 on the old twenty)
}
CEILINGS = {
    "benign_escalated": 0.025,  # goal 0.03
    "benign_messages_stopped": 0.023,  # goal 0.02: not met (0.0225 on 27 authors)
}


@pytest.fixture(scope="module")
def corpus() -> list[Conversation]:
    """Every author's conversations."""
    return _load_corpus(str(AUTHORS))


def test_corpus_is_multi_author_big_and_hard(corpus: list[Conversation]) -> None:
    """≥ 1,500 conversations, ≥ 8 authors besides house, ≥ 40% benign, FR and EN."""
    authors = {c.author for c in corpus}
    assert len(corpus) >= 1500
    assert len(authors - {"house"}) >= 8
    assert sum(c.benign for c in corpus) / len(corpus) >= 0.40
    assert {"fr", "en"} <= {c.lang for c in corpus}
    documented = (AUTHORS / "AUTHORS.md").read_text(encoding="utf-8")
    for a in authors:
        assert f"| `{a}` |" in documented, f"author {a} has no brief in AUTHORS.md"


def test_every_outside_author_labelled_messages(corpus: list[Conversation]) -> None:
    """Every message of the outside authors carries its act label (the ground truth of the
    'acted on' figure), and every harmful conversation has a message to act on."""
    for c in corpus:
        if c.author == "house":
            continue
        assert all(m.act is not None for m in c.lines), c.cid
        if not c.benign:
            assert any(m.act for m in c.lines), c.cid


def _pooled(counts: dict[str, list[int]]) -> Figures:
    return Figures({k: list(v) for k, v in counts.items()})


def test_leave_one_author_out_figures_are_current_and_hold(corpus: list[Conversation]) -> None:
    """The committed figures are of this corpus and this code, and meet the floors."""
    data = json.loads(LOAO.read_text(encoding="utf-8"))
    assert data["digest"] == corpus_digest(corpus), (
        "corpus changed: run `causette safety evaluate --json tests/safety/corpus/loao.json`"
    )
    assert data["source"] == source_digest(), (
        "safety code or rules changed: run "
        "`causette safety evaluate --json tests/safety/corpus/loao.json`"
    )
    pooled = _pooled(data["loao_pooled"])
    for key, floor in FLOORS.items():
        rate = pooled.rate(key)
        assert rate is not None and rate >= floor, (key, pooled.cell(key))
    for key, ceiling in CEILINGS.items():
        rate = pooled.rate(key)
        assert rate is not None and rate <= ceiling, (key, pooled.cell(key))
    # The learned layer must beat the rules alone where the rules were weakest.
    rules = _pooled(data["rules_pooled"])
    for key in ("grooming_escalated", "hate_escalated", "acted"):
        assert (pooled.rate(key) or 0) > (rules.rate(key) or 0), key


@pytest.mark.skipif(
    os.environ.get("CAUSETTE_FULL_SAFETY_EVAL") != "1",
    reason="recomputing leave-one-author-out takes ~10 min: CAUSETTE_FULL_SAFETY_EVAL=1",
)
def test_leave_one_author_out_recomputed(rules: Rules, corpus: list[Conversation]) -> None:
    """Recomputed here, the figures are exactly the committed ones."""
    data = json.loads(LOAO.read_text(encoding="utf-8"))
    fresh = evaluation(rules, corpus)["figures"]
    assert fresh["loao"] == data["loao"]


def test_shipped_layer_was_trained_on_this_corpus(corpus: list[Conversation]) -> None:
    """The artefact in the package names this corpus's digest and every author."""
    layer = load_learned()
    assert layer is not None, "no learned layer shipped: run `causette safety train`"
    assert layer.meta["corpus_digest"] == corpus_digest(corpus), (
        "corpus changed since the artefact was trained: run `causette safety train`"
    )
    assert set(layer.meta["trained_on"]) == {c.author for c in corpus}
    assert layer.conversation is not None
    for t in (*layer.message_thresholds.values(), *layer.conversation_thresholds.values()):
        assert 0.5 <= t < 1.0


def test_training_is_deterministic(rules: Rules, corpus: list[Conversation]) -> None:
    """The same corpus trains the same bytes (on a slice of three authors, to stay fast)."""
    small = [c for c in corpus if c.author in ("a1", "a2", "a3") and int(c.cid[3:]) <= 40]
    first = train(rules, small).to_files()
    second = train(rules, small).to_files()
    assert first == second


def test_folds_deal_every_author_once() -> None:
    names = [f"a{i}" for i in range(1, 20)] + ["house"]
    folds = folds_of(names)
    assert len(set(folds.values())) == 4
    for a, fold in folds.items():
        assert a in fold
        assert sum(a in f for f in set(folds.values())) == 1


def test_nothing_is_fitted_on_the_author_being_scored(
    rules: Rules, corpus: list[Conversation], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cross-fitting by folds keeps leave-one-author-out honest: each author's traces (the
    conversation model's training data) come from a message model fitted without that
    author, and no model of the evaluation is fitted on every author."""
    small = [
        c for c in corpus if c.author in ("a1", "a2", "a3", "a4", "a5") and int(c.cid[3:]) <= 12
    ]
    without: dict[int, frozenset[str]] = {}
    real_fit, real_traced = training.fit_message, training.traced

    def fit(rows, exclude=()):  # type: ignore[no-untyped-def]
        model = real_fit(rows, exclude)
        without[id(model)] = frozenset(exclude)
        return model

    traced: list[tuple[str, frozenset[str]]] = []

    def trace(rules_, model, convs):  # type: ignore[no-untyped-def]
        traced.append((convs[0].author, without[id(model)]))
        return real_traced(rules_, model, convs)

    monkeypatch.setattr(training, "fit_message", fit)
    monkeypatch.setattr(training, "traced", trace)
    leave_one_author_out(rules, small)
    assert len(traced) == 5 * 4  # each held-out author: the four others traced
    for author, excluded in traced:
        assert author in excluded, (author, sorted(excluded))
        assert len(excluded) >= 2  # the held-out author too
    assert all(without.values()), "a model fitted on every author"
