"""What the sender of a masked, held or blocked message is told (server/safety_layer.py)."""

from __future__ import annotations

from causette.safety.policy import Reason
from causette.server.safety_gate import Verdict
from causette.server.safety_layer import sender_reason


def _verdict(action: str, *reasons: Reason) -> Verdict:
    return Verdict(
        action=action,
        text="…",
        reasons=reasons,
        labels=(),
        risk={"grooming": 0.0, "ambush": 0.0},
        escalated_now=False,
    )


def test_the_rule_broken_is_told_but_not_the_models_probability() -> None:
    """A masked slur names its rule; the conversation model's escalation, which carries a
    probability, is for moderators only."""
    slur = Reason("hate.slur", {"kind": "racist"}, "Insulte masquée.", "Slur: masked.")
    model = Reason("hate.learned_escalate", {"risk": "0.97"}, "Haine (0.97).", "Hate (0.97).")
    told = sender_reason(_verdict("mask", slur, model), "en")
    assert "Slur: masked." in told
    assert "0.97" not in told


def test_a_hold_is_told_neutrally() -> None:
    """Held, the sender reads a neutral sentence: no rule, no score."""
    held = Reason("threat.learned", {"p": "0.93"}, "Menace (0.93).", "Threat (0.93).")
    told = sender_reason(_verdict("hold", held), "fr")
    assert "0.93" not in told and "modération" in told


def test_an_alert_is_named_after_what_escalated() -> None:
    """The conversation model escalating hate names the alert 'hate', whatever label came
    first on the message (a phone number, say)."""
    from dataclasses import replace

    from causette.server.safety_layer import verdict_kind

    v = replace(_verdict("mask"), labels=("pii.phone",), escalated_for=("hate",))
    assert verdict_kind(v) == "hate"
    assert verdict_kind(replace(v, escalated_for=())) == "pii"
