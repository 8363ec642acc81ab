"""The safety engine: pure, no I/O; time is passed in.

Layout (one responsibility per module):

- ``rules``      load and validate ``data/*.yaml`` (lexicons FR/EN, policy, reasons)
- ``normalise``  raw text -> normal forms with a map back to raw positions
- ``detectors/`` per-message signals: ``hate`` (slurs, insults), ``cues`` (grooming,
                 ambush, threats, sexual, scams), ``pii``, ``spam`` (links), ``age``
- ``state``      per-conversation, per-user and per-device memory, bounded, serialisable
- ``policy``     action ladder, masking, personal-data rules
- ``engine``     the facade: ``SafetyEngine.load().evaluate(MessageContext, now)``
- ``score``      the ``causette safety score`` contract; ``explain``; ``cli``
"""

from causette.safety.engine import (
    AgeDisclosure,
    Card,
    Decision,
    MessageContext,
    SafetyEngine,
)
from causette.safety.policy import Reason
from causette.safety.rules import RulesError

__all__ = [
    "AgeDisclosure",
    "Card",
    "Decision",
    "MessageContext",
    "Reason",
    "RulesError",
    "SafetyEngine",
]
