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
    assert pii_reason("phone", room=False, fresh=False, age_line=False, ambush=False) is None


def test_handles_are_masked_where_moving_apps_is_the_first_step() -> None:
    """A Snapchat handle: masked in rooms, from fresh accounts and in the teen space; let
    through between adults in a private conversation."""
    handle = {"room": False, "fresh": False, "age_line": False, "ambush": False}
    assert pii_reason("handle", **handle) is None
    assert pii_reason("handle", **{**handle, "room": True}) == "public_room"
    assert pii_reason("handle", **{**handle, "fresh": True}) == "fresh_account"
    assert pii_reason("handle", **handle, minor=True) == "minor"
    # Between teens, only the handle: a phone number between two 16-year-olds is theirs.
    assert pii_reason("phone", **handle, minor=True) is None


def test_signal_proposals_follow_the_context() -> None:
    """Sexual talk is blocked with a minor, masked in a room, allowed between adults."""
    from causette.safety.detectors import Signal
    from causette.safety.policy import MessageFacts, signal_proposals

    def reason(code: str, **params: str) -> Reason:
        return Reason(code, params)

    sig = [Signal("sexual.solicitation", (0, 5), "x")]
    adults = MessageFacts(room=False, fresh=False, very_fresh=False, minor_involved=False)
    minor = MessageFacts(room=False, fresh=False, very_fresh=False, minor_involved=True)
    room = MessageFacts(room=True, fresh=False, very_fresh=False, minor_involved=False)
    assert strictest(signal_proposals(sig, adults, reason)[1]) == "allow"
    assert strictest(signal_proposals(sig, minor, reason)[1]) == "block"
    assert strictest(signal_proposals(sig, room, reason)[1]) == "mask"


def test_links_matter_only_from_new_accounts() -> None:
    """A link is held from a very new account, ignored from an established one."""
    from causette.safety.detectors import Signal
    from causette.safety.policy import MessageFacts, signal_proposals

    sig = [Signal("spam.link", (0, 5), "x")]
    new = MessageFacts(room=False, fresh=True, very_fresh=True, minor_involved=False)
    old = MessageFacts(room=False, fresh=False, very_fresh=False, minor_involved=False)
    assert strictest(signal_proposals(sig, new, lambda c, **p: Reason(c))[1]) == "hold"
    assert signal_proposals(sig, old, lambda c, **p: Reason(c)) == ([], [])
