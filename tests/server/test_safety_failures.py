"""A failure in the safety path is logged with the message it happened to, never lost."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from causette.server.keys import SERVICE


def _break(server: Any, monkeypatch: Any, step: str, why: str) -> None:
    """Make the safety layer's ``step`` raise (a store or Redis failure stands behind it)."""
    safety = server.app[SERVICE].safety
    assert safety is not None

    async def broken(*_args: Any) -> None:
        raise RuntimeError(why)

    monkeypatch.setattr(safety, step, broken)


async def test_a_failure_after_delivery_is_logged_with_the_message_id(
    make_client, server, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    _break(server, monkeypatch, "_after", "alerts unavailable")
    ana = await make_client("Ana")
    await ana.enter("general")
    with caplog.at_level(logging.ERROR):
        ack = await ana.post("general", "bonjour tout le monde")
        # The message was stored and acknowledged; what failed after it is reported.
        assert (await ana.expect("error"))["code"] == "internal"
    [logged] = [r for r in caplog.records if r.name == "causette.server.safety_layer"]
    assert f"room:general#{ack['id']}" in logged.getMessage()
    assert logged.exc_info is not None and isinstance(logged.exc_info[1], RuntimeError)


async def test_a_failure_while_screening_is_logged_with_the_message_ref(
    make_client, server, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    _break(server, monkeypatch, "_screen", "shared risk unreadable")
    ana = await make_client("Ana")
    await ana.enter("general")
    with caplog.at_level(logging.ERROR):
        await ana.send({"type": "post", "room": "general", "text": "bonjour", "ref": "r-77"})
        assert (await ana.expect("error", ref="r-77"))["code"] == "internal"
    [logged] = [r for r in caplog.records if r.name == "causette.server.safety_layer"]
    assert "ref=r-77 in room:general" in logged.getMessage()


async def test_an_engine_failure_holds_the_message_and_logs_why(
    make_client, server, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The engine's last resort: a message it could not judge is held, never delivered,
    and the traceback reaches the log (the engine itself does no I/O)."""
    safety = server.app[SERVICE].safety
    assert safety is not None
    engine = safety.gate.engine

    def broken(*_args: Any) -> None:
        raise ZeroDivisionError("a rule divided by zero")

    monkeypatch.setattr(engine, "_evaluate", broken)
    ana = await make_client("Ana")
    bob = await make_client("Bob")
    await ana.enter("general")
    await bob.enter("general")
    with caplog.at_level(logging.ERROR):
        await ana.send({"type": "post", "room": "general", "text": "bonjour", "ref": "r-9"})
        reply = await ana.expect("held", ref="r-9")
    assert reply["ref"] == "r-9"
    [logged] = [r for r in caplog.records if r.name == "causette.server.safety_gate"]
    assert "ZeroDivisionError: a rule divided by zero" in logged.getMessage()
    assert "general" in logged.getMessage()
