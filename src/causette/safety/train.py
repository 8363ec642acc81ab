"""Training and honest evaluation of the learned layer (``causette safety train`` / ``evaluate``).

Owns: turning the multi-author corpus into training rows, fitting the message model and
the conversation model, choosing thresholds, and leave-one-author-out evaluation. Rules:

- **Nothing is fitted on the author being scored.** For the shipped artefact, every
  conversation feature and threshold comes from *cross-fitted* message scores (each
  author scored by a message model trained without them); for the evaluation, the same
  is done one level deeper (author A held out, and inside the rest each author B scored
  by a model trained without A and B).
- Labels: a message is a positive for head ``h`` when its author marked it ``act`` in a
  conversation labelled ``h``; every message of a benign conversation is a negative. The
  project's older corpus (author ``house``) has no per-message labels: only its benign
  conversations are used for training, all of it is scored.
- Thresholds: per message head, the benign messages' cross-fitted score quantile
  (``MESSAGE_BENIGN_RATE`` of benign messages may cross one head); per conversation head,
  the benign conversations' highest score over time (``CONVERSATION_BENIGN_RATE``). Never
  below 0.5.
- Deterministic (fixed seeds, sorted inputs), CPU only; scikit-learn is needed here only
  (``pip install -e '.[train]'``), never by the chat.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from causette.safety.corpus import Conversation
from causette.safety.detectors import detect
from causette.safety.engine import SafetyEngine, TraceRow
from causette.safety.model import (
    CONVERSATION_HEADS,
    MESSAGE_HEADS,
    ConversationModel,
    LearnedLayer,
    MessageModel,
    message_features,
    rule_terms,
)
from causette.safety.normalise import Normaliser
from causette.safety.report import Figures, figures, table
from causette.safety.rules import Rules
from causette.safety.score import Scored, run_contexts

# Benign share (per author, averaged) allowed to cross each threshold. A message head
# that holds (hate…) gets a tiny share; a head that shows a card (grooming, ambush) more;
# the conversation heads share the 3% budget of escalated benign conversations, with
# room left for the rules' own masks and holds.
MESSAGE_RATES = {
    "grooming": 0.01,
    "ambush": 0.01,
    "hate": 0.0015,
    "harassment": 0.0015,
    "threat": 0.0015,
    "sexual": 0.0015,
    "spam": 0.0015,
}
CONVERSATION_RATES = {
    "grooming": 0.005,
    "ambush": 0.005,
    "hate": 0.005,
    "harassment": 0.004,
    "threat": 0.004,
}
MESSAGE_C = 4.0
CONVERSATION_C = 0.5
MIN_DF = 2
MAX_FEATURES = 120_000
SEED = 20261202
FIT_JOBS = 2  # heads fitted in parallel (this machine has two cores); results do not depend on it
HOUSE = "house"  # the project's own older corpus: the rules were written on it
# Cross-fitting folds: the conversation model and the thresholds are fitted on message
# scores of each training author from a message model that did not see that author's fold
# (authors dealt round-robin into the folds). Four folds rather than one model per author:
# with twenty authors, cross-fitting over pairs cost 210 message-model fits per evaluation
# (over an hour on two loaded cores); folds cost 100. The outer loop is still one author
# held out at a time, and nothing is fitted on the held-out author.
CROSS_FOLDS = 4


@dataclass
class Rows:
    """Every corpus message as model input."""

    features: list[dict[str, int]] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    y: list[list[int]] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    usable: list[bool] = field(default_factory=list)  # has a label (act, or benign conv)
    benign: list[bool] = field(default_factory=list)
    design: tuple[list[str], Any] | None = None  # every row over every term, built once


def message_rows(convs: Sequence[Conversation], rules: Rules) -> Rows:
    """Features and head labels of every message, in corpus order."""
    rows = Rows()
    normaliser = Normaliser(rules.tables)
    for c in convs:
        for m in c.lines:
            n = normaliser.normalise(m.text)
            signals, _ = detect(n, rules)
            feats, value = message_features(n, rule_terms(s.name for s in signals if s.active))
            rows.features.append(feats)
            rows.values.append(value)
            act = bool(m.act)
            rows.y.append([int(act and h in c.categories) for h in MESSAGE_HEADS])
            rows.author.append(c.author)
            rows.usable.append(c.benign or m.act is not None)
            rows.benign.append(c.benign)
    return rows


def _design(rows: Rows) -> tuple[list[str], Any]:
    """Every row over every term (count times scale), built once: each fit then only
    slices it, keeping the terms its own training rows use at least ``MIN_DF`` times."""
    from scipy.sparse import csr_matrix

    if rows.design is None:
        index: dict[str, int] = {}
        data: list[float] = []
        cols: list[int] = []
        ptr = [0]
        for feats, value in zip(rows.features, rows.values, strict=True):
            js = sorted((index.setdefault(f, len(index)), n) for f, n in feats.items())
            cols.extend(j for j, _ in js)
            data.extend(n * value for _, n in js)
            ptr.append(len(cols))
        terms = [""] * len(index)
        for f, j in index.items():
            terms[j] = f
        x = csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(cols, dtype=np.int64), ptr),
            shape=(len(rows.features), len(index)),
        )
        rows.design = (terms, x)
    return rows.design


def _fit_head(x: Any, y: npt.NDArray[np.int8]) -> tuple[npt.NDArray[np.float64], float]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(
        C=MESSAGE_C,
        solver="liblinear",
        dual=True,  # more terms than rows: the dual problem is the smaller one
        tol=1e-3,
        class_weight="balanced",
        max_iter=1000,
        random_state=SEED,
    )
    clf.fit(x, y)
    return clf.coef_[0], float(clf.intercept_[0])


def fit_message(rows: Rows, exclude: Iterable[str] = ()) -> MessageModel:
    """The message model fitted on every usable row whose author is not excluded."""
    from joblib import Parallel, delayed

    out = set(exclude)
    idx = [i for i, a in enumerate(rows.author) if a not in out and rows.usable[i]]
    terms, full = _design(rows)
    x = full[idx]
    df = np.asarray((x > 0).sum(axis=0)).ravel()
    cols = np.flatnonzero(df >= MIN_DF)
    x = x[:, cols].tocsr()
    y = np.asarray([rows.y[i] for i in idx], dtype=np.int8)
    heads = [h for h in range(len(MESSAGE_HEADS)) if y[:, h].sum() >= 3]
    fitted = Parallel(n_jobs=FIT_JOBS)(delayed(_fit_head)(x, y[:, h]) for h in heads)
    weights = np.zeros((len(cols), len(MESSAGE_HEADS)), dtype=np.float64)
    bias = np.full(len(MESSAGE_HEADS), -8.0)  # a head with too few examples never fires
    for h, (coef, intercept) in zip(heads, fitted, strict=True):
        weights[:, h] = coef
        bias[h] = intercept
    # Keep the terms that matter most: the artefact stays small and the lookup fast.
    strength = np.abs(weights).max(axis=1)
    keep = np.sort(np.argsort(-strength, kind="stable")[:MAX_FEATURES])
    keep = keep[strength[keep] > 1e-3]
    kept_vocab = {terms[cols[j]]: k for k, j in enumerate(keep)}
    return MessageModel(
        kept_vocab,
        weights[keep].astype(np.float16).astype(np.float32),
        bias.astype(np.float32),
    )


def fit_conversation(x: npt.NDArray[np.float64], y: npt.NDArray[np.int8]) -> ConversationModel:
    """One standardised logistic regression per conversation head."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    xs = (x - mean) / scale
    coef: dict[str, tuple[float, ...]] = {}
    intercept: dict[str, float] = {}
    for h, head in enumerate(CONVERSATION_HEADS):
        if y[:, h].sum() < 3:
            coef[head] = tuple(0.0 for _ in range(x.shape[1]))
            intercept[head] = -8.0
            continue
        # Unweighted: the probabilities stay close to calibrated, and weighting the rare
        # harms up ranked held-out authors' benign talk higher (measured: hate 0.70 → 0.80,
        # threats 0.52 → 0.66 escalated at the same benign budget).
        clf = LogisticRegression(C=CONVERSATION_C, max_iter=3000, random_state=SEED)
        clf.fit(xs, y[:, h])
        coef[head] = tuple(round(float(v), 6) for v in clf.coef_[0])
        intercept[head] = round(float(clf.intercept_[0]), 6)
    return ConversationModel(
        coef,
        intercept,
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
    )


# -- running the engine -------------------------------------------------------------------
def run_engine(
    rules: Rules, layer: LearnedLayer | None, convs: Sequence[Conversation], *, trace: bool = False
) -> tuple[list[Scored], SafetyEngine]:
    """Score the conversations in order with one fresh engine (optionally tracing)."""
    engine = SafetyEngine(rules, layer)
    if trace:
        engine.trace = []
    scored = list(run_contexts(((m, ts) for c in convs for m, ts in c.contexts()), engine))
    return scored, engine


def traced(rules: Rules, model: MessageModel, convs: Sequence[Conversation]) -> list[TraceRow]:
    """Run the rules and a message model (no conversation model); return every message's
    learned-layer inputs."""
    layer = LearnedLayer(model, None, {h: 1.1 for h in MESSAGE_HEADS}, {})
    _, engine = run_engine(rules, layer, convs, trace=True)
    return engine.trace or []


def speaker_labels(c: Conversation) -> dict[str, list[int]] | None:
    """Per speaker, 1 for each conversation head the speaker is doing; None if unknown."""
    if c.benign:
        return {s: [0] * len(CONVERSATION_HEADS) for s in c.participants}
    if any(m.act is None for m in c.lines):
        return None
    doers = {m.sender for m in c.lines if m.act}
    return {
        s: [int(s in doers and h in c.categories) for h in CONVERSATION_HEADS]
        for s in c.participants
    }


def calibrate(groups: Sequence[Sequence[float]], rate: float) -> float:
    """The smallest threshold (0.5 at least) at which the share of values reaching it,
    averaged over groups (authors) with equal weight, stays within ``rate``.

    Equal weight per author: a threshold that suits one prolific author's benign text but
    alarms another's is not a good threshold for text nobody has seen yet."""
    arrays = [np.sort(np.asarray(g, dtype=np.float64)) for g in groups if len(g)]
    if not arrays:
        return 0.5
    candidates = np.unique(np.concatenate([a[a >= 0.5] for a in arrays] + [np.array([0.5, 1.0])]))
    share = np.zeros(len(candidates))
    for a in arrays:  # the share of this author's values at or above each candidate
        share += (len(a) - np.searchsorted(a, candidates, side="left")) / len(a)
    share /= len(arrays)
    ok = candidates[share <= rate]
    best = float(ok.min()) if len(ok) else 1.0
    return round(min(best, 0.9999), 4)


def folds_of(authors: Sequence[str], k: int = CROSS_FOLDS) -> dict[str, tuple[str, ...]]:
    """Each author's cross-fitting fold (the authors dealt round-robin, sorted first)."""
    ordered = sorted(authors)
    folds = [tuple(ordered[i::k]) for i in range(k)]
    return {a: folds[i % k] for i, a in enumerate(ordered)}


def fit_layer(
    rules: Rules,
    by_author: dict[str, list[Conversation]],
    authors: Sequence[str],
    models: Callable[[str], MessageModel],
    final: MessageModel,
    meta: dict[str, Any] | None = None,
) -> LearnedLayer:
    """Fit the conversation model and thresholds on ``authors``.

    ``models(b)`` is a message model trained without author ``b``'s fold (and without
    whoever is held out above): its scores of ``b`` are the cross-fitted scores everything
    here is fit on. ``final`` is the message model the layer ships with.
    """
    traces = {b: traced(rules, models(b), by_author[b]) for b in authors}
    return fit_from_traces(traces, by_author, final, meta)


def fit_from_traces(
    traces: dict[str, list[TraceRow]],
    by_author: dict[str, list[Conversation]],
    final: MessageModel,
    meta: dict[str, Any] | None = None,
) -> LearnedLayer:
    """The conversation model and the thresholds from each author's cross-fitted trace."""
    xs: list[list[float]] = []
    ys: list[list[int]] = []
    # per author: benign messages' head probabilities where the head could act
    benign_msg: dict[str, dict[str, list[float]]] = {}
    # per author: each benign conversation's trace rows
    benign_convs: dict[str, list[list[TraceRow]]] = {}
    for b, rows in traces.items():
        by_conv: dict[str, list[TraceRow]] = {}
        for r in rows:
            by_conv.setdefault(r.conversation, []).append(r)
        mine = benign_msg.setdefault(b, {h: [] for h in MESSAGE_HEADS})
        for c in by_author[b]:
            crows = by_conv.get(c.cid, [])
            if c.benign:
                benign_convs.setdefault(b, []).append(crows)
                for r in crows:
                    for h in MESSAGE_HEADS:
                        mine[h].append(r.probs[h] if _head_can_act(h, r) else 0.0)
            labels = speaker_labels(c)
            if labels is None:
                continue
            last: dict[str, list[float]] = {}
            for r in crows:
                last[r.sender] = r.features
            for sender, lab in labels.items():
                if sender in last:
                    xs.append(last[sender])
                    ys.append(lab)
    conv_model = fit_conversation(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.int8))
    msg_thresholds = {
        h: calibrate([benign_msg[a][h] for a in benign_msg], MESSAGE_RATES[h])
        for h in MESSAGE_HEADS
    }
    peaks: dict[str, list[list[float]]] = {h: [] for h in CONVERSATION_HEADS}
    for convs_rows in benign_convs.values():
        per_head: dict[str, list[float]] = {h: [] for h in CONVERSATION_HEADS}
        for crows in convs_rows:
            top = dict.fromkeys(CONVERSATION_HEADS, 0.0)
            for r in crows:
                p = conv_model.probabilities(r.features)
                for h in CONVERSATION_HEADS:
                    if h == "grooming" and r.room and not r.minor_near:
                        continue  # as engine._learned: no grooming escalation there
                    top[h] = max(top[h], p[h])
            for h in CONVERSATION_HEADS:
                per_head[h].append(top[h])
        for h in CONVERSATION_HEADS:
            peaks[h].append(per_head[h])
    conv_thresholds = {h: calibrate(peaks[h], CONVERSATION_RATES[h]) for h in CONVERSATION_HEADS}
    return LearnedLayer(final, conv_model, msg_thresholds, conv_thresholds, meta or {})


def _head_can_act(head: str, r: TraceRow) -> bool:
    """Whether the message head would act in this context (as ``engine._learned`` does)."""
    if head == "ambush":
        return not r.room
    if head == "sexual":
        return r.age_line or r.room
    return True


def group(convs: Sequence[Conversation]) -> dict[str, list[Conversation]]:
    """Conversations per author, authors sorted."""
    out: dict[str, list[Conversation]] = {}
    for c in convs:
        out.setdefault(c.author, []).append(c)
    return dict(sorted(out.items()))


def corpus_digest(convs: Sequence[Conversation]) -> str:
    """A fingerprint of the corpus (ids, texts and labels) for the model card."""
    h = hashlib.sha256()
    for c in convs:
        h.update(f"{c.cid}|{c.benign}|{','.join(c.categories)}".encode())
        for m in c.lines:
            h.update(f"|{m.sender}|{m.text}|{m.act}|{m.push}".encode())
    return h.hexdigest()[:16]


def source_digest() -> str:
    """A fingerprint of everything leave-one-author-out figures depend on besides the
    corpus: the safety package's code and rule files (not the shipped artefact, which the
    evaluation never reads). A test refuses committed figures whose fingerprint is stale."""
    from importlib import resources

    root = resources.files("causette.safety")
    h = hashlib.sha256()
    for path in sorted(_files(root), key=lambda p: p[0]):
        name, data = path
        h.update(name.encode() + b"\0" + data + b"\0")
    return h.hexdigest()[:16]


def _files(root: Any, prefix: str = "") -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for entry in root.iterdir():
        name = prefix + entry.name
        if entry.is_dir():
            if entry.name not in ("model", "__pycache__"):
                out.extend(_files(entry, name + "/"))
        elif entry.name.endswith((".py", ".yaml")):
            out.append((name, entry.read_bytes()))
    return out


def train(
    rules: Rules, convs: Sequence[Conversation], log: Callable[[str], None] = lambda s: None
) -> LearnedLayer:
    """The shippable learned layer fitted on the whole corpus (cross-fitted inside)."""
    by_author = group(convs)
    rows = message_rows(convs, rules)
    authors = list(by_author)
    log(f"{len(convs)} conversations by {len(authors)} authors, {len(rows.y)} messages")
    final = fit_message(rows)
    log(f"message model: {len(final.vocab)} features")
    without: dict[tuple[str, ...], MessageModel] = {}
    fold = folds_of(authors)

    def model_without(b: str) -> MessageModel:
        key = fold[b]
        if key not in without:
            log(f"cross-fit: message model without {', '.join(key)}")
            without[key] = fit_message(rows, exclude=key)
        return without[key]

    meta = {
        "trained_on": {a: len(v) for a, v in by_author.items()},
        "corpus_digest": corpus_digest(convs),
        "seed": SEED,
    }
    return fit_layer(rules, by_author, authors, model_without, final, meta)


def score_authors(
    rules: Rules, layer: LearnedLayer | None, convs: Sequence[Conversation]
) -> dict[str, Figures]:
    """Figures per author of one fixed engine (the rules alone, or a shipped layer)."""
    out = {}
    for a, mine in group(convs).items():
        scored, engine = run_engine(rules, layer, mine)
        out[a] = figures(mine, scored, dict(engine.conversations))
    return out


def leave_one_author_out(
    rules: Rules, convs: Sequence[Conversation], log: Callable[[str], None] = lambda s: None
) -> dict[str, Figures]:
    """Figures per author of a layer fitted without that author."""
    by_author = group(convs)
    rows = message_rows(convs, rules)
    authors = list(by_author)
    pair_models: dict[frozenset[str], MessageModel] = {}

    def without(*names: str) -> MessageModel:
        key = frozenset(names)
        if key not in pair_models:
            log(f"message model without {', '.join(sorted(key))}")
            pair_models[key] = fit_message(rows, exclude=key)
        return pair_models[key]

    out: dict[str, Figures] = {}
    for a in authors:
        rest = [b for b in authors if b != a]
        fold = folds_of(rest)

        def inner(b: str, a: str = a, fold: dict[str, tuple[str, ...]] = fold) -> MessageModel:
            return without(a, *fold[b])

        layer = fit_layer(rules, by_author, rest, inner, without(a))
        log(f"held out {a}: thresholds {layer.message_thresholds} {layer.conversation_thresholds}")
        scored, engine = run_engine(rules, layer, by_author[a])
        out[a] = figures(by_author[a], scored, dict(engine.conversations))
    return out


def pooled(per_author: dict[str, Figures], skip: Iterable[str] = ()) -> Figures:
    """The authors' figures summed (``skip``: authors left out of the pool)."""
    out = Figures()
    for a, f in per_author.items():
        if a not in set(skip):
            out = out.merge(f)
    return out


def evaluation(
    rules: Rules, convs: Sequence[Conversation], log: Callable[[str], None] = lambda s: None
) -> dict[str, Any]:
    """Rules alone and leave-one-author-out, per author and pooled, as Markdown and data.

    The pool leaves out ``house``: the rules were written by that hand, so its figures say
    how well the lists know their author (shown per author, for reference).
    """
    base = score_authors(rules, None, convs)
    loao = leave_one_author_out(rules, convs, log)
    outside = [a for a in loao if a != HOUSE]
    cols = {
        "rules alone, pooled": pooled(base, [HOUSE]),
        "rules + learned, pooled": pooled(loao, [HOUSE]),
    }
    per_author = {a: loao[a] for a in outside}
    per_author[f"{HOUSE} (rules' author)"] = loao[HOUSE]
    md = [
        f"Corpus: {len(convs)} conversations by {len(loao)} authors "
        f"(corpus digest {corpus_digest(convs)}, code digest {source_digest()}).",
        "",
        "#### Pooled (every author but house), leave-one-author-out",
        "",
        table(cols),
        "",
        "#### Per author, leave-one-author-out (rules + learned layer)",
        "",
        table(per_author),
    ]
    data = {
        "digest": corpus_digest(convs),
        "source": source_digest(),
        "rules_pooled": cols["rules alone, pooled"].counts,
        "loao_pooled": cols["rules + learned, pooled"].counts,
        "loao": {a: f.counts for a, f in loao.items()},
        "rules": {a: f.counts for a, f in base.items()},
    }
    return {"markdown": "\n".join(md), "figures": data}
