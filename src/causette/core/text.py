"""What any text a person types becomes before it is stored or shown to someone else: chat
messages, report texts, the reasons a moderator writes.

Rules: NFC; no control or format characters (``Cc``, ``Cf``: NUL, escapes, and the
direction controls such as U+202E that would reverse what the desk or a chatter sees, the
zero-width ones that hide a word) except the newline; trimmed. Pure.

``flood_key`` is what makes copies of one text "the same" for the moderators' queue: case,
accents, punctuation, spacing and the digits of a number (a bot's counter, a varied price)
do not tell two copies apart.
"""

from __future__ import annotations

import re
import unicodedata

from causette.core.errors import ChatError, ErrorCode

# Unicode categories a cleaned text never holds (but the newline); /openapi.json states it too.
DROPPED = ("Cc", "Cf")


def cleaned(raw: str) -> str:
    """The text without control or format characters (newlines kept), trimmed; may be ''."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in DROPPED)
    return text.strip()


def clean_text(raw: str, limit: int) -> str:
    """A posted text, cleaned: ``text_empty`` when nothing is left, ``text_too_long`` past
    ``limit`` characters."""
    text = cleaned(raw)
    if not text:
        raise ChatError(ErrorCode.TEXT_EMPTY)
    if len(text) > limit:
        raise ChatError(ErrorCode.TEXT_TOO_LONG, limit=limit)
    return text


_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def flood_key(text: str) -> str:
    """The text with case, accents, punctuation, spacing and the value of numbers folded
    away: two bots' copies of one spam share it, two people's different sentences do not."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _DIGITS.sub("0", _NON_WORD.sub(" ", bare)).strip()
