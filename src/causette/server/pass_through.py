"""The pass-through safety: what the chat does with a message when the safety engine is
off (``CAUSETTE_SAFETY_ENABLED=0``): nothing.

Plays the screening role of server/ports.py ``Screening`` that the safety layer plays
when on, so the chat service holds no ``safety is None`` branch: every name is fine,
every message goes as written with no verdict (so nothing runs after it), nobody is a
fresh account at its limit, an age answer changes nothing. The moderators' side (held
messages, alerts) has no pass-through: without the engine there are none, and the parts
that handle them are handed no safety layer at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from causette.server.chatter import Chatter
    from causette.server.safety_gate import Verdict


class PassThrough:
    async def start(self) -> None:
        """No engine state to load."""

    async def close(self) -> None:
        """No engine state to save."""

    def check_pseudonym(self, name: str) -> None:
        """Every name the core rules allow."""

    def fresh_at_pm_limit(self, chatter: Chatter) -> bool:
        return False

    async def screen(
        self,
        chatter: Chatter,
        channel: str,
        text: str,
        ref: str | None,
        recipient: Chatter | None = None,
    ) -> tuple[str | None, Verdict | None]:
        return text, None

    async def after(
        self,
        chatter: Chatter,
        channel: str,
        verdict: Verdict,
        recipient: Chatter | None,
        message_id: int | None = None,
    ) -> None:
        """Never called: a message with no verdict has nothing after it."""

    async def pursued(self, adult: Chatter, child: Chatter, text: str, channel: str | None) -> None:
        """No flag, no pursuit: nobody is out of reach without the engine."""

    async def on_age_answer(self, chatter: Chatter, *, under: bool) -> None:
        """No age check is ever asked without the engine."""
