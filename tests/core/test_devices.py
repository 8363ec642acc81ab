"""Device memory: which space a remembered device may join, and for how long."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from causette.core.devices import DeviceMemory, PastSession, Remembered, admission
from causette.core.errors import ErrorCode
from causette.core.identity import Space

DAY = 86400.0
NOW = 2_000_000_000.0


def memory(*sessions: PastSession, under_15_until: float | None = None) -> DeviceMemory:
    return DeviceMemory(under_15_until, sessions)


def reason(mem: DeviceMemory, wanted: Space, now: float = NOW) -> str | None:
    refusal = admission(mem, wanted, now, DAY)
    if refusal is None:
        return None
    assert refusal.code is ErrorCode.DEVICE_PAUSED
    return str(refusal.extra["reason"])


def test_a_new_device_may_join_either_space() -> None:
    """Nothing remembered: nothing refused."""
    assert reason(memory(), Space.TEEN) is None
    assert reason(memory(), Space.ADULT) is None


def test_under_15_refuses_everything_until_it_passes() -> None:
    """An under-15 refusal closes both spaces until its end, then nothing."""
    mem = memory(under_15_until=NOW + 10)
    assert reason(mem, Space.TEEN) == Remembered.UNDER_15
    assert reason(mem, Space.ADULT) == Remembered.UNDER_15
    assert reason(mem, Space.ADULT, NOW + 10) is None


def test_the_space_a_device_is_in_closes_the_other_for_the_period() -> None:
    """Active in the teen space an hour ago: adult refused for 23 more hours, teen open."""
    mem = memory(PastSession(Space.TEEN, NOW - 3600))
    assert reason(mem, Space.TEEN) is None
    refusal = admission(mem, Space.ADULT, NOW, DAY)
    assert refusal is not None and refusal.extra["space"] == "teen"
    assert refusal.retry_after == 23 * 3600
    assert reason(mem, Space.ADULT, NOW - 3600 + DAY) is None


def test_a_move_out_closes_that_space_and_opens_the_other() -> None:
    """Moved out of the teen space: teen refused; the adult space is where it was sent,
    even though the device was in the teen space."""
    mem = memory(PastSession(Space.TEEN, NOW - 60), PastSession(Space.TEEN, NOW - 60, NOW - 60))
    assert reason(mem, Space.TEEN) == Remembered.MOVED_OUT
    assert reason(mem, Space.ADULT) is None


def test_a_timed_move_out_lasts_as_long_as_it_is_in_force() -> None:
    """A seven-day move-out keeps the device out for seven days, not one."""
    mem = memory(PastSession(Space.TEEN, NOW - 2 * DAY, NOW - 2 * DAY, NOW + 5 * DAY))
    assert reason(mem, Space.TEEN) == Remembered.MOVED_OUT
    assert reason(mem, Space.TEEN, NOW + 5 * DAY) is None


def test_the_explanation_is_kind_and_in_both_languages() -> None:
    """The message says what was remembered and until when, in French and in English."""
    refusal = admission(memory(PastSession(Space.ADULT, NOW)), Space.TEEN, NOW, DAY)
    assert refusal is not None
    assert "UTC" in refusal.message("fr") and "espace adultes" in refusal.message("fr")
    assert "adult space" in refusal.message("en") and "24 h" in refusal.message("en")
    assert refusal.as_dict("en")["reason"] == "other_space"


spaces = st.sampled_from(list(Space))
times = st.floats(min_value=NOW - 3 * DAY, max_value=NOW + DAY)
sessions = st.builds(
    PastSession,
    spaces,
    times,
    st.one_of(st.none(), times),
    st.one_of(st.none(), times),
)


@given(st.lists(sessions, max_size=6), st.one_of(st.none(), times), spaces, times)
def test_everything_is_forgotten_after_the_period(
    past: list[PastSession], under_15: float | None, wanted: Space, now: float
) -> None:
    """Past every fact's end (the period after it, or a timed move-out's end), any join is
    admitted."""
    mem = DeviceMemory(under_15, tuple(past))
    last = max(
        [s.last_active + DAY for s in past]
        + [max((s.moved_out_at or 0) + DAY, s.moved_out_until or 0) for s in past]
        + [under_15 or 0],
        default=0,
    )
    assert admission(mem, wanted, max(now, last), DAY) is None


@given(st.lists(sessions, max_size=6), spaces, times)
def test_without_under_15_or_move_out_the_own_space_is_always_open(
    past: list[PastSession], wanted: Space, now: float
) -> None:
    """Only an under-15 refusal or a move-out can refuse a device its own space."""
    plain = tuple(PastSession(s.space, s.last_active) for s in past if s.space is wanted)
    assert admission(DeviceMemory(None, plain), wanted, now, DAY) is None
