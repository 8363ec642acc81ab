"""What a device is remembered for, and which space it may join (issue 13, item 13).

A device is the browser's persistent cookie, kept only as a keyed hash (``device_hash``):
never an address, never shown to anyone. Ages are self-declared, so a refusal or a move-out
that a new form could undo protects nobody. For ``period`` seconds (24 h by default,
``CAUSETTE_DEVICE_MEMORY_HOURS``) a device remembers:

- **an under-15 refusal** (at the join form, or a session ended because its chatter said
  they are under 15): no join at all from the device, whatever age the next form says;
- **a move-out** from a space (a moderator's ``move_out``, or a minor taken out of adults'
  reach in the adult space): not that space again — the other one stays open, that is
  where the person was sent;
- **the space it is in** (a session there, counted from its last activity): not the other
  space. A teen's computer cannot turn adult an hour later, nor an adult's turn teen.

Rules of reading:
- A device that was moved out of a space is no longer held in that space: it may go to the
  other one (a suspected adult taken out of the teen space may join the adult space).
- The memory never punishes: nothing is recorded against the person, no moderator alert,
  no sanction. The refusal says what was remembered, until when, and that another person
  sharing the device can use their own. Same-space joins are never refused.

Pure: the caller passes what the store remembers and the time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from causette.core.errors import ChatError, ErrorCode
from causette.core.identity import Space
from causette.core.sanctions import until_text

DEFAULT_PERIOD_S = 24 * 3600.0


class Remembered(StrEnum):
    """Why a device may not join (the ``reason`` field of ``device_paused``)."""

    UNDER_15 = "under_15"
    MOVED_OUT = "moved_out"
    OTHER_SPACE = "other_space"


@dataclass(frozen=True, slots=True)
class PastSession:
    """A session of this device, as the store remembers it."""

    space: Space
    last_active: float  # its last connection, disconnection or end
    moved_out_at: float | None = None  # when it was moved out of its space (None: never)
    moved_out_until: float | None = None  # a timed move-out's end, if later


@dataclass(frozen=True, slots=True)
class DeviceMemory:
    under_15_until: float | None
    sessions: tuple[PastSession, ...]


def other(space: Space) -> Space:
    return Space.ADULT if space is Space.TEEN else Space.TEEN


def _moved_out(sessions: Iterable[PastSession], period: float) -> dict[Space, float]:
    """Space -> until when the device may not come back to it."""
    until: dict[Space, float] = {}
    for s in sessions:
        if s.moved_out_at is None:
            continue
        end = max(s.moved_out_at + period, s.moved_out_until or 0.0)
        until[s.space] = max(until.get(s.space, 0.0), end)
    return until


def admission(memory: DeviceMemory, wanted: Space, now: float, period: float) -> ChatError | None:
    """The refusal (``device_paused``) of a join into ``wanted`` from this device, or None."""
    if memory.under_15_until is not None and memory.under_15_until > now:
        return paused(Remembered.UNDER_15, memory.under_15_until, now, period)
    moved = {s: t for s, t in _moved_out(memory.sessions, period).items() if t > now}
    if wanted in moved:
        return paused(Remembered.MOVED_OUT, moved[wanted], now, period, wanted)
    elsewhere = other(wanted)
    if elsewhere in moved:
        return None  # sent away from the other space: this one is where it belongs
    held = [s.last_active + period for s in memory.sessions if s.space is elsewhere]
    until = max(held, default=0.0)
    if until > now:
        return paused(Remembered.OTHER_SPACE, until, now, period, elsewhere)
    return None


_SPACE_NAMES = {
    Space.TEEN: ("l'espace ados (15-17 ans)", "the teen space (15 to 17)"),
    Space.ADULT: ("l'espace adultes", "the adult space"),
}
_UNDER_15 = (
    "Quelqu'un a indiqué avoir moins de 15 ans sur cet appareil il y a peu : causette est "
    "réservé aux 15 ans et plus, alors cet appareil ne peut pas entrer {until_fr}. "
    "Si quelqu'un te met mal à l'aise en ligne, appelle le 3018 (gratuit, anonyme).",
    "Someone on this device said they were under 15 a short while ago: causette is for "
    "people aged 15 and over, so this device cannot enter {until_en}. If someone "
    "online makes you feel unsafe, talk to an adult you trust.",
)
_MOVED_OUT = (
    "Cet appareil a été retiré de {space_fr} il y a peu : il ne peut pas y revenir "
    "{until_fr}. Ce n'est pas une sanction contre toi ; l'autre espace reste ouvert si c'est "
    "le tien.",
    "This device was moved out of {space_en} a short while ago: it cannot go back there "
    "{until_en}. This is not a sanction against you; the other space stays open if "
    "it is yours.",
)
_OTHER_SPACE = (
    "Cet appareil a servi dans {space_fr} il y a moins de {hours} h. Pour que les ados et "
    "les adultes restent séparés, il ne peut pas entrer dans l'autre espace "
    "{until_fr}. Tu peux revenir dans {space_fr} dès maintenant ; si vous partagez cet "
    "appareil, l'autre personne peut entrer depuis le sien.",
    "This device was used in {space_en} less than {hours} h ago. To keep teens and adults "
    "apart, it cannot enter the other space {until_en}. You can go back to "
    "{space_en} right now; if you share this device, the other person can join from "
    "their own.",
)


def paused(
    reason: Remembered, until: float, now: float, period: float, space: Space | None = None
) -> ChatError:
    """``device_paused``: the kind explanation, ``retry_after`` and the structured fields
    (``reason``, ``until``, ``space``) a client may show in its own words."""
    fr, en = {
        Remembered.UNDER_15: _UNDER_15,
        Remembered.MOVED_OUT: _MOVED_OUT,
        Remembered.OTHER_SPACE: _OTHER_SPACE,
    }[reason]
    names = _SPACE_NAMES[space] if space is not None else ("", "")
    params = {
        "until_fr": until_text(until, "fr"),
        "until_en": until_text(until, "en"),
        "space_fr": names[0],
        "space_en": names[1],
    }
    hours = max(1, round(period / 3600))
    error = ChatError(
        ErrorCode.DEVICE_PAUSED,
        retry_after=until - now,
        explanation_fr=fr.format(hours=hours, **params),
        explanation_en=en.format(hours=hours, **params),
    )
    error.extra.update(reason=reason.value, until=until)
    if space is not None:
        error.extra["space"] = space.value
    return error
