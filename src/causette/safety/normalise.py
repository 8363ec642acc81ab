"""Normalisation: turn raw chat text into the forms the detectors match on.

Owns: case folding, NFKC, confusable letters, accents, leetspeak, spacing tricks, repeated
letters and numbers written in words. Rules:

- Every output form keeps an ``origin`` list mapping each output character back to the
  index of the raw character it came from, so a detector that matches on a normal form can
  mask the right span of the original text.
- Forms (all lower-case, accent-free, confusables mapped):
  ``folded``  punctuation kept (e-mails, handles, links, phone numbers);
  ``key``     punctuation -> one space, letter runs squeezed ("saaaale" -> "sale");
  ``deleet``  like ``key`` but leetspeak read inside words ("p3d3" -> "pede");
  ``joined``  ``deleet`` with runs of single letters glued ("s a l e" -> "sale");
  ``digits``  ``folded`` with number words read as digits ("zero six" -> "0 6").
- Word lists are squeezed the same way when loaded (``rules``), so "sale" matches
  "saaale"; the few words whose squeezed form is an ordinary word ("coon" -> "con") are
  written ``=word`` in the lexicon and matched on ``folded`` text instead.
- Pure and total: any string normalises without raising; the result is idempotent
  (normalising ``key`` gives ``key`` again).
"""

from __future__ import annotations

import operator
import re
import unicodedata
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from causette.safety.rules import NormaliseTables

_LETTER_RUN = re.compile(r"([a-z])\1+")
_SINGLE_PAIR = re.compile(r"(?<!\S)\S \S(?!\S)")  # two adjacent one-character tokens
_ALPHA = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_NON_WORD = re.compile(r"[\W_]+")
_ANY_LETTER_RUN = re.compile(r"([^\W\d_])\1+")


def squeeze_pattern(pattern: str) -> str:
    """Collapse runs of one repeated letter in a word-list entry, as ``key`` text does."""
    return _LETTER_RUN.sub(r"\1", pattern)


class Form:
    """One normal form of a text and, per character, its index in the raw text.

    The origin map is built lazily (most messages never need a span mapped back).
    """

    __slots__ = ("_build", "_ends", "_origin", "text")

    def __init__(
        self,
        text: str,
        origin: Sequence[int] | None = None,
        build: Callable[[], Sequence[int]] | None = None,
        ends: Sequence[int] | None = None,
    ) -> None:
        self.text = text
        self._origin = origin
        self._build = build
        # Per character, the raw index just past what it stands for, where one character
        # stands for a whole word ("8" for "huit"); None when each stands for itself.
        self._ends = ends

    @property
    def origin(self) -> Sequence[int]:
        """Per character of ``text``, the index of the raw character it came from."""
        if self._origin is None:
            assert self._build is not None
            self._origin = self._build()
            self._build = None
        return self._origin

    def __repr__(self) -> str:
        return f"Form({self.text!r})"

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The raw-text span ``[a, b)`` covered by ``text[start:end]``."""
        if not self.origin or end <= start:
            return (0, 0)
        if self._ends is not None:
            return (self.origin[start], self._ends[end - 1])
        return (self.origin[start], self.origin[end - 1] + 1)


@dataclass(frozen=True, slots=True)
class Normalised:
    """All normal forms of one message."""

    raw: str
    folded: Form
    key: Form
    deleet: Form
    joined: Form
    digits: Form
    words: frozenset[str]  # the words of ``key``, to skip word lists that cannot match


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """NFKC, lower-case and strip combining accents from one character."""
    out = unicodedata.normalize("NFKC", ch).lower()
    decomposed = unicodedata.normalize("NFD", out)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_ONE_LETTER_WORDS = frozenset({"a", "i", "y", "o"})


def _singles_ahead(tokens: list[str], start: int) -> int:
    """How many one-character tokens follow from ``start``."""
    n = 0
    while start + n < len(tokens) and len(tokens[start + n]) == 1:
        n += 1
    return n


_FIRST = operator.methodcaller("group", 1)  # a callable replacement: no template parsing
_WORD_RUN = re.compile(r"[^\W_]+")


def _key_origin(folded: Form) -> array[int]:
    """The origin map of the fast ``key``: words kept (letter runs squeezed), one space
    between words carrying the index of the first separator character."""
    src = folded.origin
    out: array[int] = array("I")
    prev_end = -1
    for m in _WORD_RUN.finditer(folded.text):
        start, word = m.start(), m.group()
        if prev_end >= 0:
            out.append(src[prev_end])
        if _ANY_LETTER_RUN.search(word) is None:
            out.extend(src[start : m.end()])
        else:
            for k, c in enumerate(word):
                if k and c == word[k - 1] and c.isalpha():
                    continue
                out.append(src[start + k])
        prev_end = m.end()
    return out


class Normaliser:
    """Builds :class:`Normalised` forms from the validated tables."""

    def __init__(self, tables: NormaliseTables) -> None:
        self._confusables = dict(tables.confusables)
        self._leet = dict(tables.leet)
        self._table: dict[int, str] = {}  # raw character -> folded text (grows, bounded by
        self._odd: set[str] = set()  # the alphabet); characters not folding to exactly one
        self._units = {squeeze_pattern(k): v for k, v in tables.number_words.units.items()}
        self._tens = {squeeze_pattern(k): v for k, v in tables.number_words.tens.items()}
        words = sorted({*self._units, *self._tens}, key=len, reverse=True)
        self._number_word = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")
        leet_chars = "".join(re.escape(c) for c in self._leet)
        self._has_leet = re.compile(rf"[a-z][{leet_chars}]|[{leet_chars}][a-z]")

    # -- forms ---------------------------------------------------------------------------
    def _fold_one(self, ch: str) -> str:
        """One raw character folded: lower-case, NFKC, no accents, confusables mapped."""
        out = ch.lower() if ch.isascii() else _fold_char(ch)
        return "".join(self._confusables.get(c, c) for c in out)

    def fold(self, raw: str) -> Form:
        """Lower-case, NFKC, accent-free, confusables mapped; punctuation kept.

        Each distinct character is folded once and cached in a translation table, so a
        message costs one ``str.translate``; only characters that fold to several or to
        no characters (ligatures, combining accents) need the per-character path.
        """
        table = self._table
        chars = set(raw)
        for ch in chars:
            if ord(ch) not in table:
                out = self._fold_one(ch)
                table[ord(ch)] = out
                if len(out) != 1:
                    self._odd.add(ch)
        if self._odd.isdisjoint(chars):
            return Form(raw.translate(table), range(len(raw)))
        out_chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(raw):
            for c in table[ord(ch)]:
                out_chars.append(c)
                origin.append(i)
        return Form("".join(out_chars), array("I", origin))

    def key(self, folded: Form, *, deleet: bool) -> Form:
        """Punctuation to single spaces, letter runs squeezed, optional leetspeak reading."""
        if deleet:
            return self._key(folded, deleet=True)
        text = _ANY_LETTER_RUN.sub(_FIRST, _NON_WORD.sub(" ", folded.text)).strip()
        return Form(text, build=lambda: _key_origin(folded))

    def _key(self, folded: Form, *, deleet: bool) -> Form:
        """The character-by-character ``key`` (the reference; builds the origin map)."""
        text = folded.text
        src_origin = folded.origin
        leet = self._leet
        chars: list[str] = []
        origin: list[int] = []
        n = len(text)
        i = 0
        while i < n:
            # one whitespace-delimited token at a time, so leet is read only inside words
            if text[i].isspace():
                i += 1
                continue
            j = i
            while j < n and not text[j].isspace():
                j += 1
            token = text[i:j]
            use_leet = deleet and any(c.isalpha() for c in token) and any(c in leet for c in token)
            if chars and chars[-1] != " ":
                chars.append(" ")
                origin.append(src_origin[i])
            for k in range(i, j):
                c = text[k]
                if use_leet and c in leet:
                    c = leet[c]
                if c.isalnum():
                    if c.isalpha() and chars and chars[-1] == c:
                        continue  # squeeze letter runs to one
                    chars.append(c)
                    origin.append(src_origin[k])
                elif chars and chars[-1] != " ":
                    chars.append(" ")
                    origin.append(src_origin[k])
            i = j
        while chars and chars[-1] == " ":
            chars.pop()
            origin.pop()
        return Form("".join(chars), array("I", origin))

    def joined(self, form: Form) -> Form:
        """Glue runs of single-character tokens ("s a l e" -> "sale", "p 3 d 3" -> "pede").

        Two single characters are glued when at most one raw character separated them;
        a wider gap ("s a l e   p d") stays a word break. Leetspeak is read in glued runs.
        """
        text = form.text
        if not _SINGLE_PAIR.search(text):
            return form
        tokens = text.split(" ")
        leet = self._leet
        chars: list[str] = []
        origin: list[int] = []
        pos = 0
        prev_single_end: int | None = None  # raw index of the previous single char
        prev_word_letter = False
        for idx, tok in enumerate(tokens):
            single = len(tok) == 1
            raw_at = form.origin[pos]
            glue = single and prev_single_end is not None and raw_at - prev_single_end <= 2
            if glue and prev_word_letter:
                glue = False  # "a f a g": the article stays a word, the rest is glued
            if idx > 0 and not glue:
                chars.append(" ")
                origin.append(form.origin[pos - 1])
            nxt_glues = (
                single
                and idx + 1 < len(tokens)
                and len(tokens[idx + 1]) == 1
                and form.origin[pos + 2] - raw_at <= 2
            )
            for k, c in enumerate(tok):
                if single and (glue or nxt_glues):
                    c = leet.get(c, c)
                chars.append(c)
                origin.append(form.origin[pos + k])
            # A run that opens with a one-letter word ("a", "i", "y") keeps that word apart
            # when three or more single letters follow it.
            prev_word_letter = (
                single
                and not glue
                and tok in _ONE_LETTER_WORDS
                and _singles_ahead(tokens, idx + 1) >= 3
            )
            prev_single_end = raw_at if single else None
            pos += len(tok) + 1
        return Form("".join(chars), array("I", origin))

    def digits(self, folded: Form) -> Form:
        """Read number words as digits ("zero six douze" -> "0 6 12"); the rest unchanged."""
        text = folded.text
        if not _ALPHA.search(text):
            return folded
        out: list[str] = []
        origin: list[int] = []
        ends: list[int] = []  # raw end of what each output character stands for
        for m in re.finditer(r"[a-z]+|[^a-z]+", text):
            tok = m.group()
            start = folded.origin[m.start()]  # raw index of the token
            stop = folded.origin[m.end() - 1] + 1  # raw index just past it
            at = m.start()
            value = self._units.get(squeeze_pattern(tok)) if tok[0].isalpha() else None
            tens = self._tens.get(squeeze_pattern(tok)) if tok[0].isalpha() else None
            if value is not None or tens is not None:
                number = value if value is not None else tens
                assert number is not None
                # French compounds: soixante(-)dix, quatre(-)vingt(s), vingt et un...
                if out and (out[-1].isdigit() or out[-1] == " "):
                    prev = self._prev_number(out)
                    if tens == 20 and prev == 4:
                        self._replace_prev(out, origin, ends, 80, start, stop)
                        continue
                    if (
                        value is not None
                        and prev is not None
                        and prev % 10 == 0
                        and 20 <= prev < 100
                        and 0 < value < 20
                        and prev + value < 100
                    ):
                        self._replace_prev(out, origin, ends, prev + value, start, stop)
                        continue
                digits = str(number)
                if out and out[-1] != " ":
                    out.append(" ")
                    origin.append(start)
                    ends.append(start + 1)
                for c in digits:
                    out.append(c)
                    origin.append(start)
                    ends.append(stop)
                out.append(" ")
                origin.append(start)
                ends.append(stop)
            elif tok in ("et", "and") or not any(c.isalnum() for c in tok):
                if out and out[-1] != " ":
                    out.append(" ")
                    origin.append(start)
                    ends.append(start + 1)
            else:
                for k, c in enumerate(tok):
                    out.append(c)
                    origin.append(folded.origin[at + k])
                    ends.append(folded.origin[at + k] + 1)
        return Form("".join(out), array("I", origin), ends=array("I", ends))

    @staticmethod
    def _prev_number(out: list[str]) -> int | None:
        """The number just written at the end of ``out`` (ignoring one trailing space)."""
        end = len(out)
        while end and out[end - 1] == " ":
            end -= 1
        start = end
        while start and out[start - 1].isdigit():
            start -= 1
        if start == end:
            return None
        return int("".join(out[start:end]))

    @staticmethod
    def _replace_prev(
        out: list[str],
        origin: list[int],
        ends: list[int],
        number: int,
        at: int,
        stop: int,
    ) -> None:
        """Replace the number at the end of ``out`` by ``number``, which now reaches the
        raw index ``stop`` ("soixante dix" ends where "dix" ends)."""
        while out and out[-1] == " ":
            out.pop()
            origin.pop()
            ends.pop()
        first = len(out)
        while first and out[first - 1].isdigit():
            first -= 1
        start_origin = origin[first] if first < len(origin) else at
        del out[first:]
        del origin[first:]
        del ends[first:]
        for c in str(number):
            out.append(c)
            origin.append(start_origin)
            ends.append(stop)
        out.append(" ")
        origin.append(at)
        ends.append(stop)

    def mentions_numbers(self, raw: str) -> bool:
        """True if ``raw`` has a digit or a number word (cheap pre-check for split text)."""
        if _DIGIT.search(raw):
            return True
        return bool(self._number_word.search(self.key(self.fold(raw), deleet=False).text))

    def normalise(self, raw: str) -> Normalised:
        """All forms of ``raw`` (a form identical to a simpler one is shared, not rebuilt)."""
        folded = self.fold(raw)
        key = self.key(folded, deleet=False)
        deleet = self.key(folded, deleet=True) if self._has_leet.search(folded.text) else key
        joined = self.joined(deleet)
        # Number words only matter when enough of them could spell a phone number.
        words = len(self._number_word.findall(key.text))
        digits = self.digits(folded) if words >= 3 else folded
        return Normalised(raw, folded, key, deleet, joined, digits, frozenset(key.text.split()))
