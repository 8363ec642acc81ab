"""The learned layer beside the rules: a message model and a per-speaker conversation model.

Owns: the features both models read, the shipped artefact's format and loading, and
inference. Training lives in ``train.py``; this module only applies what was trained.
Theory of operation:

- **Message model.** A message's normalised text (leetspeak read, spaced letters glued)
  becomes a bag of character n-grams (2–5, inside word boundaries), words and word pairs,
  plus a few shape marks (digits, ``@``, links, emoji). Each feature has one weight per
  *head* (``grooming``, ``ambush``, ``hate``…); a head's probability is the logistic of
  the L2-normalised sum. Only the features kept at training time are looked up, in one
  dict of cached per-word vectors. It recognises paraphrases the word lists never saw.
- **Conversation model.** For each speaker of a conversation (a private pair, or one
  speaker in a room), a decaying summary of what that speaker said lately — the strongest
  and second-strongest message score per head, how many messages crossed 0.5, the mean, the
  rules' signals, scores and alarms for that speaker, ages and the age gap, disclosed ages,
  the account's age, a device behind several pseudonyms, room or private — goes through
  a logistic regression per category: a calibrated probability that this speaker is doing
  that harm here, in the spirit of Roblox's Sentinel (risk per pair over time, not per
  message).
- Thresholds (per head for messages, per category for conversations) are chosen at
  training time on leave-one-author-out scores and ship with the weights.

Rules: pure (the artefact's bytes are read through ``importlib.resources``, never
fetched); deterministic; a missing artefact means "no learned layer" (the rules alone).
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import math
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from causette.safety.normalise import Normalised

MODEL_PACKAGE = "causette.safety.data"
MODEL_DIR = "model"
MESSAGE_HEADS = ("grooming", "ambush", "hate", "harassment", "threat", "sexual", "spam")
CONVERSATION_HEADS = ("grooming", "ambush", "hate", "harassment", "threat")
RULE_CATEGORIES = ("grooming", "ambush", "hate", "harassment", "threat", "pii", "spam", "sexual")
FEATURE_VERSION = 4

_LINK = re.compile(r"https?://|www\.|\.(?:com|fr|net|io|gg|ly|xyz|org)\b")
_LONG_DIGITS = re.compile(r"\d(?:[\s.\-]?\d){5,}")
_SYMBOL = re.compile("[\u2190-\U0010ffff]")  # arrows, symbols, emoji (and far scripts)
_AT = re.compile(r"@|\(at\)|\[at\]|\bat\b\s*\w+\s*(?:dot|point)")


@functools.lru_cache(maxsize=65536)
def word_terms(word: str) -> tuple[str, ...]:
    """A word's terms: its character n-grams (2–5, the word padded with spaces) and itself."""
    p = f" {word} "
    size = len(p)
    grams = {p[i : i + k] for k in (2, 3, 4, 5) for i in range(size - k + 1)}
    grams.add("w:" + word)
    return tuple(sorted(grams))


def rule_terms(signal_names: Iterable[str]) -> list[str]:
    """The word lists' findings on a message, as terms of the message model: what the
    lists know (a slur, a threat cue) becomes evidence the model weighs with the rest."""
    return sorted({"r:" + name for name in signal_names})


def message_terms(n: Normalised, rules: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """A message's words, and its terms that are not a single word's (pairs, shape marks,
    the rules' findings from :func:`rule_terms`)."""
    # Distinct words and pairs: saying a thing three times is not three times the evidence
    # (found when a picnic invitation pasted thrice scored as a threat).
    all_words = n.joined.text.split()
    words = list(dict.fromkeys(all_words))
    extra = list(dict.fromkeys(f"b:{a} {b}" for a, b in itertools.pairwise(all_words)))
    extra.extend(rules)
    folded = n.folded.text
    if _LONG_DIGITS.search(n.digits.text):
        extra.append("s:digits")
    if _AT.search(folded):
        extra.append("s:at")
    if _LINK.search(folded):
        extra.append("s:link")
    extra.extend(sorted({"e:" + ch for ch in _SYMBOL.findall(folded) if not ch.isalnum()}))
    if len(words) <= 2:
        extra.append("s:short")
    return words, extra


def term_norm(words: list[str], extra: list[str]) -> float:
    """The scale of a message's term counts: 1/sqrt(terms counted with repeats), so that a
    long message weighs no more than a short one; independent of the vocabulary kept."""
    total = sum(len(word_terms(w)) for w in words) + len(extra)
    return 1.0 / math.sqrt(total) if total else 0.0


def message_features(n: Normalised, rules: Sequence[str] = ()) -> tuple[dict[str, int], float]:
    """The message model's features (term -> count) of one normalised message, and the
    scale every count is multiplied by."""
    words, extra = message_terms(n, rules)
    feats: dict[str, int] = {}
    for term in itertools.chain(extra, *map(word_terms, words)):
        feats[term] = feats.get(term, 0) + 1
    return feats, term_norm(words, extra)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(slots=True)
class MessageModel:
    """Per-message head probabilities from the weight table."""

    vocab: dict[str, int]
    weights: npt.NDArray[np.float32]  # (features, heads)
    bias: npt.NDArray[np.float32]  # (heads,)
    heads: tuple[str, ...] = MESSAGE_HEADS
    _cache: dict[str, tuple[float, ...]] = field(default_factory=dict, repr=False)
    _bias: tuple[float, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        self._bias = tuple(float(b) for b in self.bias)

    def _vector(self, key: str, term_list: tuple[str, ...]) -> tuple[float, ...]:
        """The summed weights of some terms, cached under ``key`` (a word, or a term)."""
        vec = self._cache.get(key)
        if vec is None:
            get = self.vocab.get
            ids = [i for i in map(get, term_list) if i is not None]
            vec = tuple(self.weights.take(ids, axis=0).sum(axis=0, dtype=np.float64).tolist())
            if len(self._cache) >= 200_000:  # bounded: a flood of new words cannot grow it
                self._cache.clear()
            self._cache[key] = vec
        return vec

    def logits(self, n: Normalised, rules: Sequence[str] = ()) -> list[float]:
        """The raw score per head of one normalised message: the sum of its words' and
        other terms' cached weight vectors, scaled, plus the bias. Plain floats: for a dozen
        vectors of seven numbers, NumPy's per-call cost is larger than the work."""
        words, extra = message_terms(n, rules)
        parts = [self._vector(w, word_terms(w)) for w in words]
        get = self.vocab.get
        for t in extra:  # word pairs are mostly new: look them up, skip the unknown at once
            if get(t) is not None:
                parts.append(self._vector("\x00" + t, (t,)))
        if not parts:
            return list(self._bias)
        scale = term_norm(words, extra)
        return [
            b + scale * math.fsum(col)
            for b, col in zip(self._bias, zip(*parts, strict=True), strict=True)
        ]

    def score(self, n: Normalised, rules: Sequence[str] = ()) -> dict[str, float]:
        """Probability per head for one normalised message (``rules``: its rule terms)."""
        z = self.logits(n, rules)
        return {h: round(_sigmoid(v), 4) for h, v in zip(self.heads, z, strict=True)}


# -- the conversation model -------------------------------------------------------------
@dataclass(slots=True)
class SpeakerSummary:
    """What one speaker did in one conversation, as the conversation model reads it."""

    top: list[float] = field(default_factory=lambda: [0.0] * len(MESSAGE_HEADS))
    second: list[float] = field(default_factory=lambda: [0.0] * len(MESSAGE_HEADS))
    over: list[float] = field(default_factory=lambda: [0.0] * len(MESSAGE_HEADS))
    total: list[float] = field(default_factory=lambda: [0.0] * len(MESSAGE_HEADS))
    rule_hits: list[float] = field(default_factory=lambda: [0.0] * len(RULE_CATEGORIES))
    messages: float = 0.0  # decayed like the rest: "how many, lately"
    first_ts: float = 0.0
    last_ts: float = 0.0
    # Reactions to this speaker ("arrête", "leave me alone", "je vais te signaler") from
    # the others, decayed with the speaker's own messages: harassment and threats are
    # told less by their words, which vary from one writer to the next, than by what the
    # person on the other end answers (decision 011).
    pushback: float = 0.0

    def add(self, probs: dict[str, float], ts: float, labels: Iterable[str] = ()) -> None:
        """Fold one message's head probabilities and the rules' labels in.

        Everything decays by :data:`DECAY` per message of the speaker (half-life ≈ 23
        messages): the summary says what the speaker is doing *lately*, so that an
        evening of small talk in a room — hundreds of messages, some of which score high
        by chance — never adds up to the evidence of one short, pointed conversation.
        """
        if self.messages:
            for book in (self.top, self.second, self.over, self.total, self.rule_hits):
                for i in range(len(book)):
                    book[i] *= DECAY
            self.messages *= DECAY
            self.pushback *= DECAY
        else:
            self.first_ts = ts
        cats = {lab.split(".", 1)[0] for lab in labels}
        for i, cat in enumerate(RULE_CATEGORIES):
            if cat in cats:
                self.rule_hits[i] += 1.0
        self.messages += 1.0
        self.last_ts = ts
        for i, h in enumerate(MESSAGE_HEADS):
            p = probs.get(h, 0.0)
            if p > self.top[i]:
                self.second[i], self.top[i] = self.top[i], p
            elif p > self.second[i]:
                self.second[i] = p
            if p >= 0.5:
                self.over[i] += 1.0
            self.total[i] += p

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "top": self.top,
            "second": self.second,
            "over": self.over,
            "total": self.total,
            "rule_hits": self.rule_hits,
            "messages": self.messages,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "pushback": self.pushback,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SpeakerSummary:
        """Inverse of :meth:`to_dict`."""
        return cls(
            list(d["top"]),
            list(d["second"]),
            list(d["over"]),
            list(d.get("total", [0.0] * len(MESSAGE_HEADS))),
            list(d.get("rule_hits", [0.0] * len(RULE_CATEGORIES))),
            float(d["messages"]),
            float(d["first_ts"]),
            float(d["last_ts"]),
            float(d.get("pushback", 0.0)),
        )


@dataclass(frozen=True, slots=True)
class SpeakerContext:
    """The context of a speaker the rules know (ages, account, device, rule scores)."""

    declared_age: int | None
    other_age: int | None  # the other side's best-known age (declared or disclosed)
    self_disclosed_minor: bool
    self_disclosed_adult: bool
    other_possible_minor: bool
    other_disclosed_minor: bool
    account_age_s: float | None
    room: bool
    multi_pseudonym: bool
    rules_grooming: float  # the rules' raw score for this speaker
    rules_ambush: float
    rules_hostile: int  # hate/harassment/threat rule hits from this speaker here
    rule_flags: tuple[str, ...] = ()  # the rules' escalation verdicts on this speaker
    stages: int = 0  # distinct grooming/ambush cues the rules saw from this speaker
    others_hostile: float = 0.0  # the others' strongest hate/harassment/threat message
    hostile_company: int = 0  # how many others wrote a hate/harassment/threat-like message


def _log1p(x: float) -> float:
    return math.log1p(max(x, 0.0))


# Counts are capped at what the training conversations hold (at most 25 messages): a
# linear model extrapolates, and an evening of small talk in a busy room (hundreds of
# messages) must not read as hundreds of pieces of evidence. Found by a 40,000-message
# flood in the resume test: uncapped, "total" and "messages" drove an innocent speaker's
# grooming and threat risks to 1.0 within a hundred messages.
COUNT_CAP = 25.0
DECAY = 0.97  # per message of the speaker, in their summary (SpeakerSummary.add)


def _count(x: float) -> float:
    return math.log1p(min(max(x, 0.0), COUNT_CAP))


def conversation_features(s: SpeakerSummary, c: SpeakerContext) -> list[float]:
    """The conversation model's feature vector (names in :data:`CONVERSATION_FEATURES`)."""
    f: list[float] = []
    f.extend(s.top)
    f.extend(s.second)
    f.extend(_count(v) for v in s.over)
    n = max(s.messages, 1.0)
    f.extend(v / n for v in s.total)  # the mean: bounded, whatever the length
    adult = c.declared_age is not None and c.declared_age >= 18 and not c.self_disclosed_minor
    gap = 0.0
    if c.declared_age is not None and c.other_age is not None:
        gap = max(min((c.declared_age - c.other_age) / 10.0, 4.0), -4.0)
    f += [
        float(adult and c.other_possible_minor),
        float(c.other_possible_minor),
        float(c.other_disclosed_minor),
        float(c.self_disclosed_adult),
        gap,
        float(c.account_age_s is not None and c.account_age_s < 3600),
        float(c.account_age_s is not None and c.account_age_s < 86400),
        float(c.room),
        float(c.multi_pseudonym),
        _log1p(c.rules_grooming),
        _log1p(c.rules_ambush),
        _count(c.rules_hostile),
        _count(c.stages),
    ]
    f.extend(_count(v) for v in s.rule_hits)
    f.extend(float(h in c.rule_flags) for h in CONVERSATION_HEADS)
    f += [_count(s.pushback), c.others_hostile, _count(c.hostile_company)]
    return f


CONVERSATION_FEATURES = (
    *(f"top.{h}" for h in MESSAGE_HEADS),
    *(f"second.{h}" for h in MESSAGE_HEADS),
    *(f"over.{h}" for h in MESSAGE_HEADS),
    *(f"mean.{h}" for h in MESSAGE_HEADS),
    "adult_to_possible_minor",
    "other_possible_minor",
    "other_disclosed_minor",
    "self_disclosed_adult",
    "age_gap_decades",
    "account_under_1h",
    "account_under_1d",
    "room",
    "multi_pseudonym",
    "rules_grooming",
    "rules_ambush",
    "rules_hostile",
    "rules_stages",
    *(f"rule_hits.{c}" for c in RULE_CATEGORIES),
    *(f"rule_escalated.{h}" for h in CONVERSATION_HEADS),
    "pushback_drawn",
    "others_hostile",
    "hostile_company",
)


_WORDS = {
    "top": "its strongest {h}-like message",
    "second": "a second {h}-like message",
    "over": "several {h}-like messages",
    "mean": "{h}-like wording across its messages",
    "rule_hits": "the rules' {h} signals",
    "rule_escalated": "the rules' {h} alarm",
    "adult_to_possible_minor": "an adult writing to a possible minor",
    "other_possible_minor": "a possible minor on the other side",
    "other_disclosed_minor": "the other side said they are a minor",
    "self_disclosed_adult": "a declared teen who said they are an adult",
    "age_gap_decades": "the age gap",
    "account_under_1h": "an account under an hour old",
    "account_under_1d": "an account under a day old",
    "room": "a public room",
    "multi_pseudonym": "one device behind several pseudonyms",
    "rules_grooming": "the rules' grooming score",
    "rules_ambush": "the rules' ambush score",
    "rules_hostile": "hostile messages the rules saw",
    "rules_stages": "grooming and ambush stages the rules saw",
    "pushback_drawn": "others telling this speaker to stop",
    "others_hostile": "hostile messages from others here",
    "hostile_company": "others here writing hostile messages",
}


def describe(feature: str) -> str:
    """A conversation feature's name in words a moderator reads."""
    kind, _, head = feature.partition(".")
    return _WORDS.get(kind, feature).format(h=head)


@dataclass(frozen=True, slots=True)
class ConversationModel:
    """Logistic regression per category over :func:`conversation_features`."""

    coef: dict[str, tuple[float, ...]]
    intercept: dict[str, float]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    _folded: dict[str, tuple[float, list[float]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Fold the standardisation into the weights once: z = b' + sum(w' * x).
        folded = {}
        for head, w in self.coef.items():
            ws = [a / s for a, s in zip(w, self.scale, strict=True)]
            b = self.intercept[head] - sum(a * m for a, m in zip(ws, self.mean, strict=True))
            folded[head] = (b, ws)
        object.__setattr__(self, "_folded", folded)

    def probabilities(self, features: list[float]) -> dict[str, float]:
        """Probability per conversation head."""
        return {
            head: round(_sigmoid(b + sum(map(operator.mul, ws, features))), 4)
            for head, (b, ws) in self._folded.items()
        }

    def contributions(self, features: list[float], head: str) -> list[tuple[str, float]]:
        """Each feature's push on ``head``'s log-odds, strongest first (for explain)."""
        x = [(v - m) / s for v, m, s in zip(features, self.mean, self.scale, strict=True)]
        parts = [
            (n, w * v) for n, w, v in zip(CONVERSATION_FEATURES, self.coef[head], x, strict=True)
        ]
        return sorted(parts, key=lambda kv: -kv[1])


@dataclass(frozen=True, slots=True)
class LearnedLayer:
    """Both models and their thresholds, as shipped."""

    message: MessageModel
    conversation: ConversationModel | None
    message_thresholds: dict[str, float]
    conversation_thresholds: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_files(self) -> dict[str, bytes]:
        """The artefact's files: ``model.json`` (readable) and ``message_weights.npz``."""
        buf = io.BytesIO()
        order = sorted(self.message.vocab, key=self.message.vocab.__getitem__)
        np.savez_compressed(
            buf,
            vocab=np.frombuffer("\n".join(order).encode("utf-8"), dtype=np.uint8),
            weights=self.message.weights.astype(np.float16),
            bias=self.message.bias.astype(np.float32),
        )
        conv = self.conversation
        doc = {
            **self.meta,
            "feature_version": FEATURE_VERSION,
            "message_heads": list(self.message.heads),
            "message_thresholds": self.message_thresholds,
            "conversation_thresholds": self.conversation_thresholds,
            "conversation_model": None
            if conv is None
            else {
                "features": list(CONVERSATION_FEATURES),
                # Per category, each feature's weight by name: readable, and checked on load.
                "coef": {
                    h: dict(zip(CONVERSATION_FEATURES, w, strict=True))
                    for h, w in conv.coef.items()
                },
                "intercept": conv.intercept,
                "mean": list(conv.mean),
                "scale": list(conv.scale),
            },
        }
        text = json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        return {"model.json": text.encode("utf-8"), "message_weights.npz": buf.getvalue()}

    @classmethod
    def from_files(cls, model_json: bytes, weights_npz: bytes) -> LearnedLayer:
        """Inverse of :meth:`to_files`."""
        doc = json.loads(model_json)
        if doc.get("feature_version") != FEATURE_VERSION:
            raise ValueError(f"model feature version {doc.get('feature_version')} unsupported")
        with np.load(io.BytesIO(weights_npz)) as z:
            vocab_list = bytes(z["vocab"]).decode("utf-8").split("\n")
            weights = z["weights"].astype(np.float32)
            bias = z["bias"].astype(np.float32)
        heads = tuple(doc["message_heads"])
        message = MessageModel({f: i for i, f in enumerate(vocab_list)}, weights, bias, heads)
        cm = doc.get("conversation_model")
        conversation = None
        if cm is not None:
            if tuple(cm["features"]) != CONVERSATION_FEATURES:
                raise ValueError("conversation model features do not match this code")
            conversation = ConversationModel(
                {h: tuple(w[f] for f in CONVERSATION_FEATURES) for h, w in cm["coef"].items()},
                {h: float(v) for h, v in cm["intercept"].items()},
                tuple(cm["mean"]),
                tuple(cm["scale"]),
            )
        meta = {
            k: v
            for k, v in doc.items()
            if k
            not in (
                "feature_version",
                "message_heads",
                "message_thresholds",
                "conversation_thresholds",
                "conversation_model",
            )
        }
        return cls(
            message,
            conversation,
            {k: float(v) for k, v in doc["message_thresholds"].items()},
            {k: float(v) for k, v in doc["conversation_thresholds"].items()},
            meta,
        )


def load_learned() -> LearnedLayer | None:
    """The shipped learned layer, or None when the package carries none."""
    base = resources.files(MODEL_PACKAGE).joinpath(MODEL_DIR)
    mj, wz = base.joinpath("model.json"), base.joinpath("message_weights.npz")
    if not (mj.is_file() and wz.is_file()):
        return None
    return LearnedLayer.from_files(mj.read_bytes(), wz.read_bytes())
