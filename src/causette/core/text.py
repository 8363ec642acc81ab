"""What any text a person types becomes before it is stored or shown to someone else: chat
messages, report texts, the reasons a moderator writes.

Rules: NFC; no control or format characters (``Cc``, ``Cf``: NUL, escapes, and the
direction controls such as U+202E that would reverse what the desk or a chatter sees, the
zero-width ones that hide a word) except the newline; trimmed. Pure.
"""

from __future__ import annotations

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
