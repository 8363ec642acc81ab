"""Who a chatter is: pseudonym rules, look-alike detection, age bands and spaces, genders.

Rules:
- A pseudonym is NFKC-normalised, 3–20 characters, letters, digits, ``-`` and ``_``.
- Two online chatters may not hold names with the same *skeleton*: the name folded for case,
  accents, confusable letters of other scripts (Cyrillic ``А``), and digits that pass for
  letters (``A1ice``). The skeleton errs on the side of collisions: refusing a name costs a
  chatter two seconds, an impersonation can cost far more.
- Invisible letters are no letters: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0)
  render as nothing, so a name holding one is refused (``Alice``+U+3164 is not a new name).
- A name is screened (``screen_pseudonym``) after look-alike folding: reserved words
  (admin, modérateur, causette…) and names that advertise a sexual interest in children or
  hate (pedo, lolita, nazi88…) are refused, and so is an age under 18 written in a name
  next to a word for a child (``jeune_fille_14``) when the declared age is 18 or more.
  Slurs are the safety engine's job: the server runs it on the name as well.
- Under 15 is refused; 15–17 is the teen space; 18 and over the adult space. The two spaces
  never meet.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from causette.core.errors import ChatError, ErrorCode
from causette.core.geography import department

PSEUDONYM_MIN = 3
PSEUDONYM_MAX = 20
MIN_AGE = 15
ADULT_AGE = 18
MAX_AGE = 120


class Space(StrEnum):
    TEEN = "teen"
    ADULT = "adult"


class Gender(StrEnum):
    FEMALE = "f"
    MALE = "m"
    OTHER = "x"


# Letters of other scripts that render like Latin ones (from Unicode's confusables data,
# the subset that fits a pseudonym), then digits and symbols that pass for letters.
_CONFUSABLE = str.maketrans(
    {
        **dict.fromkeys("АаАⅰ", "a"),
        "Α": "a",
        "α": "a",
        "В": "b",
        "Β": "b",
        "в": "b",
        "Ь": "b",
        "С": "c",
        "с": "c",
        "ϲ": "c",
        "Ϲ": "c",
        "Е": "e",
        "е": "e",
        "Ε": "e",
        "ё": "e",
        "Ё": "e",
        "Н": "h",
        "н": "h",
        "Η": "h",
        "һ": "h",
        "І": "l",
        "і": "l",
        "Ι": "l",
        "ι": "l",
        "ӏ": "l",
        "Ј": "j",
        "ј": "j",
        "К": "k",
        "к": "k",
        "Κ": "k",
        "κ": "k",
        "М": "m",
        "м": "m",
        "Μ": "m",
        "Ν": "n",
        "О": "o",
        "о": "o",
        "Ο": "o",
        "ο": "o",
        "σ": "o",
        "Р": "p",
        "р": "p",
        "Ρ": "p",
        "ρ": "p",
        "Ѕ": "s",
        "ѕ": "s",
        "Т": "t",
        "т": "t",
        "Τ": "t",
        "τ": "t",
        "Υ": "y",
        "у": "y",
        "У": "y",
        "γ": "y",
        "Х": "x",
        "х": "x",
        "Χ": "x",
        "χ": "x",
        "Ζ": "z",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ѡ": "w",
        "ν": "v",
        "ѵ": "v",
    }
)
_DIGIT_AS_LETTER = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "i": "l",
        "|": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "-": "_",
    }
)


# Hangul fillers: letters (category Lo) that render as nothing.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
# Fragments that are never part of a pseudonym, compared skeleton to skeleton (so "N4zi"
# and "nazi" meet): the service's own roles, and names that advertise an interest in
# children or hate. Words that are also parts of ordinary names ("staff", "support") are
# left out on purpose.
_RESERVED_WORDS = ("admin", "moderat", "modo", "causette")
_REFUSED_WORDS = (
    "pedo",
    "lolita",
    "cherche_ado",
    "cherche_jeune",
    "ado_cherche",
    "aime_les_ado",
    "nazi",
    "hitler",
    "1488",
    "sieg_heil",
)
# Words for a child: next to a number under 18 in the name of a declared adult, the name
# claims a child's age the account does not have.
_CHILD_WORDS = ("jeune", "fille", "gamin", "petit", "ado", "teen", "girl", "boy", "kid", "young")
_NUMBER = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


def normalise_pseudonym(raw: str) -> str:
    """The pseudonym as it will be shown, or ``pseudonym_invalid``."""
    if not isinstance(raw, str):
        raise ChatError(ErrorCode.PSEUDONYM_INVALID)
    name = unicodedata.normalize("NFKC", raw).strip()
    if not PSEUDONYM_MIN <= len(name) <= PSEUDONYM_MAX:
        raise ChatError(ErrorCode.PSEUDONYM_INVALID)
    if not all(ch.isalnum() or ch in "-_" for ch in name):
        raise ChatError(ErrorCode.PSEUDONYM_INVALID)
    if any(ch in _FILLERS for ch in name):
        raise ChatError(ErrorCode.PSEUDONYM_INVALID)
    # isalnum() accepts digits of other scripts and letter-like symbols; keep letters (L*)
    # and ASCII digits only.
    for ch in name:
        if ch.isalnum() and not (ch in "0123456789" or unicodedata.category(ch).startswith("L")):
            raise ChatError(ErrorCode.PSEUDONYM_INVALID)
    return name


def pseudonym_skeleton(name: str) -> str:
    """The key under which look-alike pseudonyms collide."""
    folded = name.translate(_CONFUSABLE)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    skeleton = stripped.casefold().translate(_CONFUSABLE).translate(_DIGIT_AS_LETTER)
    # Sequences that read as one letter at a glance.
    return skeleton.replace("rn", "m").replace("vv", "w").replace("cl", "d")


def screen_pseudonym(name: str, age: int) -> None:
    """Refuse (``pseudonym_refused``) a reserved name, a name that advertises harm, or a
    declared adult's name that claims a child's age; ``name`` is already normalised."""
    skeleton = pseudonym_skeleton(name)
    if any(word in skeleton for word in _refused_skeletons()):
        raise ChatError(ErrorCode.PSEUDONYM_REFUSED)
    if age >= ADULT_AGE and any(word in skeleton for word in _child_skeletons()):
        # Digits read from the name itself: the skeleton turned them into letters.
        for m in _NUMBER.finditer(name):
            if 10 <= int(m.group(1)) < ADULT_AGE:
                raise ChatError(ErrorCode.PSEUDONYM_REFUSED)


@functools.cache
def _refused_skeletons() -> tuple[str, ...]:
    return tuple(pseudonym_skeleton(w) for w in _RESERVED_WORDS + _REFUSED_WORDS)


@functools.cache
def _child_skeletons() -> tuple[str, ...]:
    return tuple(pseudonym_skeleton(w) for w in _CHILD_WORDS)


def space_for_age(age: object) -> Space:
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= MAX_AGE:
        raise ChatError(ErrorCode.AGE_INVALID)
    if age < MIN_AGE:
        raise ChatError(ErrorCode.AGE_TOO_YOUNG)
    return Space.TEEN if age < ADULT_AGE else Space.ADULT


def parse_gender(raw: object) -> Gender:
    try:
        return Gender(str(raw).lower())
    except ValueError:
        raise ChatError(ErrorCode.GENDER_INVALID) from None


@dataclass(frozen=True, slots=True)
class Profile:
    """What a chatter declared at join. Only ``public()`` ever reaches another chatter."""

    pseudonym: str
    age: int
    gender: Gender
    department: str
    region: str
    space: Space

    def public(self) -> dict[str, object]:
        return {
            "pseudonym": self.pseudonym,
            "age": self.age,
            "gender": self.gender.value,
            "region": self.region,
        }


def make_profile(pseudonym: str, age: object, gender: object, department_code: object) -> Profile:
    """Validate a join form into a profile, or raise the first ``ChatError`` found."""
    name = normalise_pseudonym(pseudonym)
    space = space_for_age(age)
    assert isinstance(age, int)
    screen_pseudonym(name, age)
    sex = parse_gender(gender)
    dept = department(department_code) if isinstance(department_code, str) else None
    if dept is None:
        raise ChatError(ErrorCode.DEPARTMENT_INVALID)
    return Profile(name, age, sex, dept.code, dept.region, space)
