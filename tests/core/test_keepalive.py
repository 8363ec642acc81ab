"""The keepalive rule: who is pinged, who is gone."""

from __future__ import annotations

from causette.core.keepalive import Verdict, verdict

INTERVAL = 30.0


def test_a_peer_heard_recently_is_left_alone() -> None:
    assert verdict(100.0, heard_at=80.0, pinged_at=None, interval_s=INTERVAL) is Verdict.ALIVE


def test_a_peer_silent_for_an_interval_is_pinged() -> None:
    assert verdict(110.0, heard_at=80.0, pinged_at=None, interval_s=INTERVAL) is Verdict.PING


def test_a_ping_gets_half_an_interval_to_be_answered() -> None:
    assert verdict(124.9, heard_at=80.0, pinged_at=110.0, interval_s=INTERVAL) is Verdict.ALIVE
    assert verdict(125.0, heard_at=80.0, pinged_at=110.0, interval_s=INTERVAL) is Verdict.GONE


def test_a_pinged_peer_is_never_pinged_twice() -> None:
    # Long silence and a ping outstanding: the answer is awaited, not asked again.
    assert verdict(111.0, heard_at=0.0, pinged_at=110.0, interval_s=INTERVAL) is Verdict.ALIVE
