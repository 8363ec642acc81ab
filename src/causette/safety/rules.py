"""Rules and word lists: load the data files, validate them, compile them.

Owns: the schema of ``safety/data/*.yaml`` (normalisation tables, the French and English
lexicons, the policy thresholds and weights, the reason texts). Rules:

- The files are read once, with :mod:`importlib.resources`, when an engine is built; any
  error (unknown key, bad regex, a weight for a cue nobody detects, a reason code without
  its French or English text) raises :class:`RulesError` naming the file and the entry.
- Lexicon entries are regular expressions over the ``key`` form (lower-case, no accents,
  punctuation as spaces, repeated letters squeezed); they are wrapped in word boundaries.
- Several lexicon files are merged: every language's lists apply to every message, so
  code-switching ("t ou ? send pic") is still read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

HATE_KINDS = ("homophobic", "racist", "sexist", "religious", "ableist", "transphobic")
M = TypeVar("M", bound="BaseModel")
CATEGORIES = ("grooming", "ambush", "hate", "harassment", "threat", "pii", "spam", "sexual")


class RulesError(ValueError):
    """A data file is missing, malformed or inconsistent."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NumberWords(_Strict):
    units: dict[str, int]
    tens: dict[str, int]


class NormaliseTables(_Strict):
    confusables: dict[str, str]
    leet: dict[str, str]
    number_words: NumberWords

    @field_validator("confusables", "leet")
    @classmethod
    def _single_chars(cls, value: dict[str, str]) -> dict[str, str]:
        for k in value:
            if len(k) != 1:
                raise ValueError(f"key {k!r} must be one character")
        return value


class Lexicon(_Strict):
    language: str
    identities: dict[str, list[str]] = Field(default_factory=dict)
    slurs: dict[str, list[str]] = Field(default_factory=dict)
    hate_templates: list[str] = Field(default_factory=list)
    insults: dict[Literal["strong", "mild"], list[str]] = Field(default_factory=dict)
    cues: dict[str, list[str]] = Field(default_factory=dict)
    frames: dict[str, list[str]] = Field(default_factory=dict)
    age: dict[str, list[str]] = Field(default_factory=dict)
    school_grades: dict[str, int] = Field(default_factory=dict)
    # What people answer to someone who hurts them ("arrête", "leave me alone", "je vais
    # te signaler"): not a harm, a reaction; the conversation model reads how much of it
    # a speaker draws (decision 011).
    pushback: list[str] = Field(default_factory=list)


class Thresholds(_Strict):
    warn: float
    escalate: float


class Policy(_Strict):
    fresh_account_s: float
    very_fresh_account_s: float
    state_window_s: float
    split_window_s: float
    flood_window_s: float
    flood_repeats: int
    max_participants: int
    max_recent: int
    max_recipients: int
    max_pseudonyms: int
    grooming: Thresholds
    ambush: Thresholds
    grooming_weights: dict[str, float]
    grooming_peer_weights: dict[str, float] = Field(default_factory=dict)
    grooming_access_stages: list[str] = Field(default_factory=list)
    ambush_weights: dict[str, float]
    grooming_context: dict[str, float]
    ambush_context: dict[str, float]
    repeat_bonus: float
    repeat_cap: int
    harassment_escalate: int
    hate_escalate: int
    multi_pseudonym_min: int
    multi_recipient_min: int


class Reasons(_Strict):
    reasons: dict[str, dict[Literal["fr", "en"], str]]


@dataclass(frozen=True, slots=True)
class CompiledGroup:
    """One named list of patterns, compiled into a single alternation.

    ``triggers`` is a set of words one of which every match must contain (worked out from
    the patterns when it can be); a message without any of them is not scanned at all.
    """

    name: str
    regex: re.Pattern[str]
    triggers: frozenset[str] | None = None

    def search(self, text: str, words: frozenset[str]) -> re.Match[str] | None:
        """The first match in ``text`` whose words are ``words``, or None."""
        if self.triggers is not None and self.triggers.isdisjoint(words):
            return None
        return self.regex.search(text)

    def finditer(self, text: str, words: frozenset[str]) -> list[re.Match[str]]:
        """Every match in ``text`` (empty without a trigger word)."""
        if self.triggers is not None and self.triggers.isdisjoint(words):
            return []
        return list(self.regex.finditer(text))


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything the engine reads from its data files, validated and compiled."""

    tables: NormaliseTables
    policy: Policy
    reasons: dict[str, dict[str, str]]
    slurs: re.Pattern[str]  # one named group per kind
    exact_slurs: re.Pattern[str]  # "=word" entries, matched on unsqueezed text
    identity_any: re.Pattern[str]  # any identity word: gate for the templates
    identity_words: frozenset[str]  # the same, as squeezed single words (fast gate)
    hate_any: re.Pattern[str]  # slurs (one group per kind), "strong" and "mild" insults
    hate_templates: dict[str, re.Pattern[str]]  # kind -> regex
    strong_insults: re.Pattern[str]
    mild_insults: re.Pattern[str]
    cues: tuple[CompiledGroup, ...]
    cue_index: dict[str, tuple[int, ...]]
    frames: tuple[CompiledGroup, ...]
    frame_index: dict[str, tuple[int, ...]]
    age: dict[str, CompiledGroup]
    school_grades: dict[str, int]
    pushback: re.Pattern[str] = re.compile(r"(?!x)x")  # reactions to being hurt


_LETTER_RUN = re.compile(r"([a-z])\1+")
_NEVER = re.compile(r"(?!x)x")


def _fold(pattern: str) -> str:
    """Lower-case, accent-free, apostrophes as spaces: like message text."""
    decomposed = unicodedata.normalize("NFD", pattern.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("'", " ").replace("’", " ")


def _squeeze(pattern: str) -> str:
    """A word-list key for dictionary look-ups: folded, every letter run squeezed to one."""
    return _LETTER_RUN.sub(r"\1", _fold(pattern))


def _compile(where: str, patterns: list[str], *, squeeze: bool = True) -> re.Pattern[str]:
    """One alternation of the (squeezed) patterns between word edges.

    The leading edge is a look-behind rather than ``\\b``: it lets the regex engine skip
    quickly to positions where an alternative can start. RulesError names a bad entry.
    """
    if not patterns:
        return _NEVER
    parts = []
    for p in patterns:
        sp = (_squeeze(p) if squeeze else _fold(p)).strip()
        try:
            re.compile(sp)
        except re.error as exc:
            raise RulesError(f"{where}: bad pattern {p!r}: {exc}") from exc
        parts.append(sp)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])")


def _read_yaml(package: str, name: str) -> Any:
    try:
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
        return yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{name}: cannot read: {exc}") from exc


def _model(model: type[M], name: str, data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RulesError(f"{name}: {exc}") from exc


_PLAIN = re.compile(r"[a-z0-9]+(?:[a-z]\?)?(?: [a-z0-9]+(?:[a-z]\?)?)*")
_OPTIONAL_EDGE = re.compile(r"^\([^()]*\)\?|\([^()]*\)\?$")
# Words too common to make a useful trigger (a list gated on them is scanned anyway).
_COMMON = frozenset(
    [
        "a",
        "ai",
        "as",
        "au",
        "c",
        "ca",
        "ce",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "es",
        "est",
        "et",
        "fais",
        "i",
        "il",
        "in",
        "is",
        "j",
        "je",
        "la",
        "le",
        "les",
        "m",
        "me",
        "moi",
        "my",
        "on",
        "pas",
        "que",
        "qui",
        "quoi",
        "s",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "the",
        "to",
        "toi",
        "ton",
        "tu",
        "u",
        "un",
        "une",
        "ur",
        "y",
        "you",
        "your",
        "are",
        "have",
        "do",
        "what",
        "be",
        "at",
        "for",
        "it",
    ]
)
_WORD_GROUP = re.compile(r"\(([a-z0-9 |?]+)\)")


def _plain(alt: str) -> set[str] | None:
    """The longest word of a plain alternative ("opening hours" -> opening; "pics?" -> both)."""
    if not _PLAIN.fullmatch(alt):
        return None
    word = max(alt.split(" "), key=lambda w: (w.rstrip("?") not in _COMMON, len(w)))
    if word.endswith("?"):
        return {word[:-2], word[:-1]}
    return {word}


def _split_top(pattern: str, sep: str) -> list[str] | None:
    """Split at ``sep`` outside parentheses, classes and escapes; None on odd syntax."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                return None
            cur.append(pattern[i : end + 1])
            i = end + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not (sep == " " and pattern[i + 1 : i + 2] == "?"):
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def triggers(pattern: str) -> frozenset[str] | None:
    """Words one of which any match of ``pattern`` must contain, or None if unknown.

    Looks at the pattern's space-separated slots: a plain word, or a group of plain
    alternatives ("(quel|kel)"), is a required slot; the most selective one is kept.
    """
    if _split_top(pattern, "|") != [pattern]:
        return None
    slots = _split_top(pattern, " ")
    if slots is None:
        return None
    best: frozenset[str] | None = None
    best_key = (0, 0, 0)
    for slot in slots:
        while True:
            trimmed = _OPTIONAL_EDGE.sub("", slot, count=1)
            if trimmed == slot or not trimmed:
                break
            slot = trimmed
        words: set[str] | None = _plain(slot) if " " not in slot else None
        if words is None:
            m = _WORD_GROUP.fullmatch(slot)
            if m is not None:
                words = set()
                for alt in m.group(1).split("|"):
                    got = _plain(alt.strip()) if alt.strip() == alt else None
                    if got is None:
                        words = None
                        break
                    words |= got
        if not words:
            continue
        key = (int(_COMMON.isdisjoint(words)), min(len(w) for w in words), -len(words))
        if key > best_key:
            best, best_key = frozenset(words), key
    return best


def _group(name: str, patterns: list[str]) -> CompiledGroup:
    """A compiled group with its trigger words (None if any pattern has none)."""
    regex = _compile(name, patterns)
    found: set[str] = set()
    for p in patterns:
        t = triggers(_squeeze(p).strip())
        if t is None:
            return CompiledGroup(name.split(".", 1)[1], regex, None)
        found |= t
    return CompiledGroup(name.split(".", 1)[1], regex, frozenset(found))


def trigger_index(groups: tuple[CompiledGroup, ...]) -> dict[str, tuple[int, ...]]:
    """Word -> indexes of the groups it can trigger; key ``""`` lists ungated groups."""
    index: dict[str, list[int]] = {"": []}
    for i, g in enumerate(groups):
        if g.triggers is None:
            index[""].append(i)
            continue
        for w in g.triggers:
            index.setdefault(w, []).append(i)
    return {k: tuple(v) for k, v in index.items()}


def candidates(index: dict[str, tuple[int, ...]], words: frozenset[str]) -> list[int]:
    """Indexes of the groups worth scanning for a message with these words, in order."""
    found = set(index[""])
    for w in words:
        hit = index.get(w)
        if hit is not None:
            found.update(hit)
    return sorted(found)


def _named(by_kind: dict[str, re.Pattern[str]]) -> re.Pattern[str]:
    """One regex with a named group per kind (``m.lastgroup`` tells the kind)."""
    parts = [f"(?P<{k}>{p.pattern})" for k, p in by_kind.items() if p is not _NEVER]
    return re.compile("|".join(parts)) if parts else _NEVER


DATA = "causette.safety.data"
LEXICON_FILES = ("lexicon/fr.yaml", "lexicon/en.yaml")


def load_rules(package: str = DATA, lexicon_files: tuple[str, ...] = LEXICON_FILES) -> Rules:
    """Read, validate and compile every data file; raise :class:`RulesError` on any fault."""
    tables = _model(NormaliseTables, "normalise.yaml", _read_yaml(package, "normalise.yaml"))
    policy = _model(Policy, "policy.yaml", _read_yaml(package, "policy.yaml"))
    reasons = _model(Reasons, "reasons.yaml", _read_yaml(package, "reasons.yaml")).reasons
    for code, texts in reasons.items():
        if set(texts) != {"fr", "en"}:
            raise RulesError(f"reasons.yaml: {code} needs both fr and en")
    lexicons = [_model(Lexicon, f, _read_yaml(package, f)) for f in lexicon_files]
    reason_texts: dict[str, dict[str, str]] = {
        code: {str(lang): t for lang, t in v.items()} for code, v in reasons.items()
    }
    return compile_rules(tables, policy, reason_texts, lexicons)


def compile_rules(
    tables: NormaliseTables,
    policy: Policy,
    reasons: dict[str, dict[str, str]],
    lexicons: list[Lexicon],
) -> Rules:
    """Merge the lexicons and compile them; cross-check them against the policy."""
    identities: dict[str, list[str]] = {}
    slurs: dict[str, list[str]] = {}
    templates: list[str] = []
    strong: list[str] = []
    mild: list[str] = []
    cues: dict[str, list[str]] = {}
    frames: dict[str, list[str]] = {}
    age: dict[str, list[str]] = {}
    grades: dict[str, int] = {}
    pushback: list[str] = []
    for lex in lexicons:
        for kind, words in lex.identities.items():
            identities.setdefault(kind, []).extend(words)
        for kind, words in lex.slurs.items():
            slurs.setdefault(kind, []).extend(words)
        templates.extend(lex.hate_templates)
        strong.extend(lex.insults.get("strong", []))
        mild.extend(lex.insults.get("mild", []))
        for name, pats in lex.cues.items():
            cues.setdefault(name, []).extend(pats)
        for name, pats in lex.frames.items():
            frames.setdefault(name, []).extend(pats)
        for name, pats in lex.age.items():
            age.setdefault(name, []).extend(pats)
        grades.update({_squeeze(k): v for k, v in lex.school_grades.items()})
        pushback.extend(lex.pushback)
    for kind in (*slurs, *identities):
        if kind not in HATE_KINDS:
            raise RulesError(f"lexicon: unknown hate kind {kind!r} (known: {HATE_KINDS})")
    for name in cues:
        cat = name.split(".", 1)[0]
        if "." not in name or (cat not in CATEGORIES and cat != "shared"):
            raise RulesError(f"lexicon: cue {name!r} must be '<category|shared>.<detail>'")
    if not policy.grooming.warn < policy.grooming.escalate:
        raise RulesError("policy.yaml: grooming.warn must be below grooming.escalate")
    if not policy.ambush.warn < policy.ambush.escalate:
        raise RulesError("policy.yaml: ambush.warn must be below ambush.escalate")
    hate_templates: dict[str, re.Pattern[str]] = {}
    for kind, words in identities.items():
        alt = "(?:" + "|".join(_squeeze(w) for w in words) + ")"
        expanded = [_squeeze(t).replace("{identity}", alt) for t in templates]
        hate_templates[kind] = _compile(f"hate_templates[{kind}]", expanded)
    compiled_cues = tuple(_group(f"cues.{n}", p) for n, p in sorted(cues.items()))
    compiled_frames = tuple(_group(f"frames.{n}", p) for n, p in sorted(frames.items()))
    for name in policy.grooming_weights:
        if name not in cues and not name.startswith("context."):
            raise RulesError(f"policy.yaml: grooming weight for unknown cue {name!r}")
    for name in policy.ambush_weights:
        if name not in cues and not name.startswith("context."):
            raise RulesError(f"policy.yaml: ambush weight for unknown cue {name!r}")
    return Rules(
        tables=tables,
        policy=policy,
        reasons=reasons,
        slurs=_named(
            {
                k: _compile(f"slurs.{k}", [w for w in v if not w.startswith("=")])
                for k, v in slurs.items()
            }
        ),
        exact_slurs=_named(
            {
                k: _compile(f"slurs.{k}", [w[1:] for w in v if w.startswith("=")], squeeze=False)
                for k, v in slurs.items()
            }
        ),
        identity_any=_compile("identities", [w for ws in identities.values() for w in ws]),
        identity_words=frozenset(
            _squeeze(w) for ws in identities.values() for w in ws if " " not in w
        ),
        hate_any=_named(
            {
                **{
                    k: _compile(f"slurs.{k}", [w for w in v if not w.startswith("=")])
                    for k, v in slurs.items()
                },
                "strong": _compile("insults.strong", strong),
                "mild": _compile("insults.mild", mild),
            }
        ),
        hate_templates=hate_templates,
        strong_insults=_compile("insults.strong", strong),
        mild_insults=_compile("insults.mild", mild),
        cues=compiled_cues,
        cue_index=trigger_index(compiled_cues),
        frames=compiled_frames,
        frame_index=trigger_index(compiled_frames),
        age={k: _group(f"age.{k}", v) for k, v in age.items()},
        school_grades=grades,
        pushback=_compile("pushback", pushback),
    )
