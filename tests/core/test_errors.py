"""Error codes: stable values, a readable message in both languages, retry_after rounding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from causette.core.errors import _MESSAGES, LANGUAGES, ChatError, ErrorCode, bad_field

# Placeholders each template may use, with a sample value.
_PARAMS = {
    "detail": "age",
    "limit": 500,
    "reason_fr": "Insulte.",
    "reason_en": "Insult.",
    "reason": "harcèlement",
    "until_fr": "jusqu'au 2030-01-01 00:00 UTC",
    "until_en": "until 2030-01-01 00:00 UTC",
    "explanation_fr": "Cet appareil ne peut pas entrer pour l'instant.",
    "explanation_en": "This device cannot enter for now.",
}


def test_every_code_has_a_message_in_each_language() -> None:
    """Each ErrorCode has a French and an English template, none empty."""
    assert set(_MESSAGES) == set(ErrorCode)
    for fr, en in _MESSAGES.values():
        assert fr.strip() and en.strip()


@pytest.mark.parametrize("code", list(ErrorCode))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_formats(code: ErrorCode, lang: str) -> None:
    """Every template formats with its parameters and leaves no placeholder behind."""
    text = ChatError(code, retry_after=3, **_PARAMS).message(lang)
    assert text and "{" not in text and "}" not in text


def test_codes_are_stable_snake_case_values() -> None:
    """Code values are lowercase snake_case, unique, and equal to the protocol strings."""
    values = [c.value for c in ErrorCode]
    assert len(values) == len(set(values))
    assert all(v.replace("_", "").isalpha() and v == v.lower() for v in values)
    assert ErrorCode.AGE_TOO_YOUNG == "age_too_young"
    assert ErrorCode.PM_PENDING == "pm_pending"


def test_french_is_the_default_and_english_differs() -> None:
    """message() defaults to French, an unknown language also falls back to French."""
    err = ChatError(ErrorCode.ROOM_UNKNOWN)
    assert err.message() == "Salon inconnu."
    assert err.message("en") == "Unknown room."
    assert err.message("de") == err.message("fr")


def test_exception_carries_the_code() -> None:
    """A ChatError is an Exception whose str() is the stable code."""
    err = ChatError(ErrorCode.PM_REFUSED)
    assert isinstance(err, Exception)
    assert str(err) == "pm_refused"
    assert err.code is ErrorCode.PM_REFUSED


def test_as_dict_without_retry_after() -> None:
    """as_dict has code and message only when there is no retry_after."""
    body = ChatError(ErrorCode.TEXT_EMPTY).as_dict("en")
    assert body == {"code": "text_empty", "message": "Empty message."}


def test_as_dict_with_retry_after_rounds_up() -> None:
    """retry_after is an integer rounded up, shown in the message too."""
    body = ChatError(ErrorCode.RATE_LIMITED, retry_after=2.2).as_dict("en")
    assert body["retry_after"] == 3
    assert body["message"] == "Too many messages: wait 3 s."


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_retry_after_is_at_least_one_and_never_below_the_wait(wait: float) -> None:
    """retry_after is a whole number ≥ 1, never more than a few ms below the real wait."""
    got = ChatError(ErrorCode.RATE_LIMITED, retry_after=wait).retry_after
    assert isinstance(got, int)
    assert got >= 1
    assert got >= wait - 0.002
    assert got < wait + 1.5


def test_bad_field_names_the_field() -> None:
    """bad_field builds a bad_field error whose message names the field."""
    err = bad_field("room")
    assert err.code is ErrorCode.BAD_FIELD
    assert "room" in err.message("fr") and "room" in err.message("en")
