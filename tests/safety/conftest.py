"""Shared fixtures for the safety engine tests: one engine's rules loaded once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from causette.safety.engine import SafetyEngine
from causette.safety.model import LearnedLayer, load_learned
from causette.safety.rules import Rules, load_rules

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def rules() -> Rules:
    """The packaged rules, validated."""
    return load_rules()


@pytest.fixture
def engine(rules: Rules) -> SafetyEngine:
    """A fresh engine (empty state) over the packaged rules."""
    return SafetyEngine(rules)


@pytest.fixture(scope="session")
def layer() -> LearnedLayer:
    """The shipped learned layer."""
    got = load_learned()
    assert got is not None, "no learned layer shipped: run `causette safety train`"
    return got


@pytest.fixture
def full(rules: Rules, layer: LearnedLayer) -> SafetyEngine:
    """A fresh engine with the rules and the learned layer, as the chat runs it."""
    return SafetyEngine(rules, layer)
