"""Tests for causette.safety.policy: the action ladder and masking."""

from __future__ import annotations

from causette.safety.policy import Proposal, Reason, mask_text, pii_reason, strictest


def test_strictest_wins() -> None:
    """block beats hold beats mask beats warn beats allow."""
    r = Reason("x")
    assert strictest([]) == "allow"
    assert strictest([Proposal("warn", r), Proposal("mask", r)]) == "mask"
    assert strictest([Proposal("block", r), Proposal("hold", r)]) == "block"


def test_mask_keeps_length_and_spaces() -> None:
    """Masked text keeps its length and its spaces."""
    assert mask_text("appelle le 06 12", [(11, 16)]) == "appelle le ** **"


def test_pii_reasons() -> None:
    """Personal data is masked across the age line, from fresh accounts, in rooms."""
    assert pii_reason("phone", room=False, fresh=False, age_line=True, ambush=False) == "minor"
    assert pii_reason("phone", room=False, fresh=True, age_line=False, ambush=False)
    assert pii_reason("phone", room=True, fresh=False, age_line=False, ambush=False)
    assert pii_reason("handle", room=False, fresh=True, age_line=False, ambush=False) is None
    assert pii_reason("phone", room=False, fresh=False, age_line=False, ambush=False) is None
