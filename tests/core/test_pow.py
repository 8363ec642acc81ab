"""Proof of work: signed stateless challenges, single use, expiry, tampering, difficulty."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causette.core import pow as pw
from causette.core.errors import ChatError, ErrorCode

KEY = b"k" * 32
NOW = 1_764_000_000.0
TTL = 120.0
DIFF = 8


def issue(difficulty: int = DIFF, *, now: float = NOW, salt: bytes = b"\x01" * 16) -> str:
    return pw.issue_challenge(KEY, difficulty=difficulty, now=now, ttl=TTL, salt=salt)


def check(
    challenge: object,
    nonce: object,
    *,
    now: float = NOW,
    min_difficulty: int = DIFF,
    spent: pw.SpentChallenges | None = None,
    key: bytes = KEY,
) -> None:
    pw.verify(
        key,
        challenge,
        nonce,
        now=now,
        min_difficulty=min_difficulty,
        spent=spent if spent is not None else pw.SpentChallenges(),
    )


def refused(**kwargs: object) -> ErrorCode:
    with pytest.raises(ChatError) as info:
        check(**kwargs)  # type: ignore[arg-type]
    return info.value.code


def bad_nonce(challenge: str, difficulty: int) -> str:
    """A nonce that does not meet the difficulty."""
    n = 0
    prefix = challenge.encode() + b":"
    while pw.leading_zero_bits(hashlib.sha256(prefix + str(n).encode()).digest()) >= difficulty:
        n += 1
    return str(n)


def test_challenge_format() -> None:
    """A challenge is v1.<difficulty>.<expires_at>.<salt hex>.<32 hex signature>."""
    parts = issue().split(".")
    assert parts[0] == "v1"
    assert parts[1] == str(DIFF)
    assert parts[2] == str(int(NOW + TTL))
    assert parts[3] == "01" * 16
    assert len(parts[4]) == 32 and all(c in "0123456789abcdef" for c in parts[4])


def test_different_salts_give_different_challenges() -> None:
    """Two challenges issued at the same time with different salts differ."""
    assert issue(salt=b"a" * 16) != issue(salt=b"b" * 16)


@pytest.mark.parametrize(
    ("digest", "bits"),
    [
        (b"\xff" + b"\x00" * 31, 0),
        (b"\x80" + b"\x00" * 31, 0),
        (b"\x7f" + b"\x00" * 31, 1),
        (b"\x01" + b"\x00" * 31, 7),
        (b"\x00\x01" + b"\x00" * 30, 15),
        (b"\x00\x00\x10" + b"\x00" * 29, 19),
        (b"\x00" * 32, 256),
    ],
)
def test_leading_zero_bits(digest: bytes, bits: int) -> None:
    """leading_zero_bits counts zero bits from the most significant bit of the first byte."""
    assert pw.leading_zero_bits(digest) == bits


@given(st.binary(min_size=1, max_size=32))
def test_leading_zero_bits_matches_integer_width(digest: bytes) -> None:
    """The count equals total bits minus the bit length of the digest as a big-endian integer."""
    expected = len(digest) * 8 - int.from_bytes(digest, "big").bit_length()
    assert pw.leading_zero_bits(digest) == expected


def test_solve_finds_a_nonce_meeting_difficulty() -> None:
    """solve returns a decimal nonce whose hash has at least the difficulty in zero bits."""
    challenge = issue(12)
    nonce = pw.solve(challenge, 12)
    assert nonce.isdigit()
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    assert pw.leading_zero_bits(digest) >= 12


def test_solved_challenge_verifies_once() -> None:
    """A solved challenge is accepted, and a second use of it is pow_invalid."""
    spent = pw.SpentChallenges()
    challenge = issue()
    nonce = pw.solve(challenge, DIFF)
    check(challenge, nonce, spent=spent)
    assert refused(challenge=challenge, nonce=nonce, spent=spent) is ErrorCode.POW_INVALID


def test_reuse_with_another_nonce_is_refused() -> None:
    """A spent challenge stays spent even with a different valid nonce."""
    spent = pw.SpentChallenges()
    challenge = issue(1)
    nonces = []
    n = 0
    while len(nonces) < 2:
        digest = hashlib.sha256(f"{challenge}:{n}".encode()).digest()
        if pw.leading_zero_bits(digest) >= 1:
            nonces.append(str(n))
        n += 1
    check(challenge, nonces[0], spent=spent, min_difficulty=1)
    code = refused(challenge=challenge, nonce=nonces[1], spent=spent, min_difficulty=1)
    assert code is ErrorCode.POW_INVALID


def test_a_failed_attempt_does_not_spend_the_challenge() -> None:
    """A wrong nonce leaves the challenge usable with the right one."""
    spent = pw.SpentChallenges()
    challenge = issue()
    assert refused(challenge=challenge, nonce=bad_nonce(challenge, DIFF), spent=spent) is (
        ErrorCode.POW_INVALID
    )
    check(challenge, pw.solve(challenge, DIFF), spent=spent)


def test_valid_until_expiry_then_expired() -> None:
    """A challenge is accepted at its expiry second and pow_expired just after."""
    challenge = issue()
    nonce = pw.solve(challenge, DIFF)
    expires = int(NOW + TTL)
    check(challenge, nonce, now=expires)
    assert refused(challenge=challenge, nonce=nonce, now=expires + 0.001) is ErrorCode.POW_EXPIRED


def test_replay_after_expiry_is_expired() -> None:
    """A spent challenge replayed after it expired answers pow_expired."""
    spent = pw.SpentChallenges()
    challenge = issue()
    nonce = pw.solve(challenge, DIFF)
    check(challenge, nonce, spent=spent)
    code = refused(challenge=challenge, nonce=nonce, spent=spent, now=NOW + TTL + 1)
    assert code is ErrorCode.POW_EXPIRED


def _replace_part(challenge: str, index: int, value: str) -> str:
    parts = challenge.split(".")
    parts[index] = value
    return ".".join(parts)


@pytest.mark.parametrize(
    ("index", "value"),
    [
        (1, "0"),  # difficulty lowered
        (1, "1"),
        (2, str(int(NOW + 10 * TTL))),  # expiry pushed back
        (3, "02" * 16),  # salt changed
        (4, "0" * 32),  # signature replaced
        (4, "f" * 32),
        (4, ""),  # signature removed
        (0, "v2"),  # version
    ],
)
def test_tampered_challenge_is_invalid(index: int, value: str) -> None:
    """Changing any part of a signed challenge makes it pow_invalid, even with difficulty 0."""
    forged = _replace_part(issue(), index, value)
    nonce = pw.solve(forged, DIFF)
    assert refused(challenge=forged, nonce=nonce, min_difficulty=0) is ErrorCode.POW_INVALID


def test_signature_is_bound_to_the_key() -> None:
    """A challenge signed with another key is pow_invalid."""
    forged = pw.issue_challenge(b"other", difficulty=DIFF, now=NOW, ttl=TTL, salt=b"\x01" * 16)
    assert refused(challenge=forged, nonce=pw.solve(forged, DIFF)) is ErrorCode.POW_INVALID


def test_expired_forgery_is_invalid_not_expired() -> None:
    """A forged challenge is refused as invalid before its expiry is even considered."""
    forged = _replace_part(issue(now=NOW - 10 * TTL), 4, "0" * 32)
    assert refused(challenge=forged, nonce="1") is ErrorCode.POW_INVALID


def test_wrong_nonce_is_invalid() -> None:
    """A nonce whose hash lacks the required zero bits is pow_invalid."""
    challenge = issue()
    assert refused(challenge=challenge, nonce=bad_nonce(challenge, DIFF)) is ErrorCode.POW_INVALID


def test_lower_difficulty_than_required_is_invalid() -> None:
    """A genuine challenge of difficulty below the server's minimum is pow_invalid."""
    challenge = issue(4)
    nonce = pw.solve(challenge, 4)
    check(challenge, nonce, min_difficulty=4)
    code = refused(challenge=challenge, nonce=nonce, min_difficulty=5)
    assert code is ErrorCode.POW_INVALID


@pytest.mark.parametrize(
    "nonce",
    ["", "-1", "+1", "1.0", "0x1f", " 1", "1 ", "abc", "١٢٣", "²", "１２", "1" * 33, None, 12, 1.0],
)
def test_non_decimal_nonce_is_invalid(nonce: object) -> None:
    """Empty, signed, spaced, non-ASCII-digit, too long or non-string nonces are pow_invalid."""
    assert refused(challenge=issue(0), nonce=nonce, min_difficulty=0) is ErrorCode.POW_INVALID


@pytest.mark.parametrize(
    "challenge",
    [
        None,
        42,
        "",
        "v1",
        "v1.8.1.ab",
        "v1.8.1.ab.cd.ef",
        "v1.8.1.ab.é" + "0" * 31,
        "v1.8.1.ab.\ud800",
        "v1.8.1.\ud800.00",
        "v1.x.y.ab." + "0" * 32,
        "v1." + "9" * 300,
    ],
)
def test_malformed_challenge_is_invalid_never_a_crash(challenge: object) -> None:
    """Garbage, non-ASCII or oversized challenges are pow_invalid, never another exception."""
    assert refused(challenge=challenge, nonce="1", min_difficulty=0) is ErrorCode.POW_INVALID


@settings(max_examples=200)
@given(st.text(max_size=60), st.text(max_size=40))
def test_verify_only_ever_raises_pow_codes(challenge: str, nonce: str) -> None:
    """On any text input, verify raises a ChatError with a PoW code and nothing else."""
    with pytest.raises(ChatError) as info:
        check(challenge, nonce, min_difficulty=0)
    assert info.value.code in (ErrorCode.POW_INVALID, ErrorCode.POW_EXPIRED)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=50), st.binary(min_size=1, max_size=32))
def test_forging_a_signature_fails(junk: str, salt: bytes) -> None:
    """Appending any signature other than the real one to a body is pow_invalid."""
    genuine = pw.issue_challenge(KEY, difficulty=0, now=NOW, ttl=TTL, salt=salt)
    body, real = genuine.rsplit(".", 1)
    if junk == real:
        return
    code = refused(challenge=f"{body}.{junk}", nonce="0", min_difficulty=0)
    assert code is ErrorCode.POW_INVALID


def test_spent_set_prunes_only_expired_entries() -> None:
    """Past 1024 entries, spend drops expired challenges and keeps live ones."""
    spent = pw.SpentChallenges()
    for i in range(1025):
        assert spent.spend(f"old{i}", expires_at=100.0, now=50.0)
    assert spent.spend("live", expires_at=1000.0, now=50.0)
    assert spent.spend("trigger", expires_at=1000.0, now=500.0)
    assert set(spent.expiry_by_challenge) == {"live", "trigger"}
    assert not spent.spend("live", expires_at=1000.0, now=600.0)


def test_spend_is_single_use() -> None:
    """spend accepts a challenge once and refuses it afterwards."""
    spent = pw.SpentChallenges()
    assert spent.spend("c", 10.0, 0.0)
    assert not spent.spend("c", 10.0, 1.0)
    assert spent.spend("d", 10.0, 1.0)


# -- the join storm ------------------------------------------------------------------------
def test_storm_difficulty_stays_at_base_while_calm() -> None:
    for rate in (0, 1, 119, 120):
        assert pw.storm_difficulty(18, rate, 120, 4) == 18


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(121, 19), (239, 19), (240, 20), (480, 21), (960, 22), (1920, 22), (10**6, 22)],
)
def test_storm_difficulty_adds_a_bit_per_doubling_up_to_the_cap(rate: int, expected: int) -> None:
    assert pw.storm_difficulty(18, rate, 120, 4) == expected


def test_storm_difficulty_off_switches_and_ceiling() -> None:
    assert pw.storm_difficulty(0, 10**6, 120, 4) == 0  # proof of work disabled
    assert pw.storm_difficulty(18, 10**6, 0, 4) == 18  # storm rule disabled
    assert pw.storm_difficulty(30, 10**6, 1, 14) == 32  # never past 32 bits


def test_join_storm_counts_the_last_minute_only() -> None:
    storm = pw.JoinStorm()
    for i in range(30):
        storm.record(NOW + i)  # 30 joins over 30 s
    assert storm.joins_last_minute(NOW + 30) == 30
    # Ten-second slots: the joins of the first slot leave once it is a minute old.
    assert storm.joins_last_minute(NOW + 65) < 30
    assert storm.joins_last_minute(NOW + 100) == 0
    assert len(storm.slots) <= pw.STORM_SLOTS


def test_join_storm_takes_the_larger_of_local_and_shared_for_one_window() -> None:
    storm = pw.JoinStorm()
    storm.record(NOW)
    storm.observe(500, NOW)  # the cluster's count: other processes see the storm too
    assert storm.joins_last_minute(NOW + 1) == 500
    assert storm.joins_last_minute(NOW + 61) == 0


def test_a_challenge_issued_before_the_storm_still_verifies() -> None:
    """Raising the price applies to new challenges: one issued at the calm difficulty is
    accepted at its own difficulty (the floor is the configured one)."""
    calm = issue(DIFF)
    nonce = pw.solve(calm, DIFF)
    pw.verify(KEY, calm, nonce, now=NOW, min_difficulty=DIFF, spent=pw.SpentChallenges())


def test_a_storm_of_live_challenges_is_swept_at_most_every_interval() -> None:
    """Issue 17: under a join storm every spent challenge is still live, and sweeping the
    set on each spend made a join cost the size of the set (quadratic in the storm). A sweep
    runs at most every SWEEP_EVERY_S; replays stay refused; expired entries still go."""
    spent = pw.SpentChallenges()
    # 5,000 proofs in 50 s (100 a second), each live for two minutes.
    for i in range(5000):
        assert spent.spend(f"c{i}", expires_at=NOW + i / 100 + TTL, now=NOW + i / 100)
    assert spent.sweeps <= 1 + 50 / pw.SWEEP_EVERY_S
    assert not spent.spend("c0", expires_at=NOW + TTL, now=NOW + 51)
    assert not spent.spend("c4999", expires_at=NOW + 50 + TTL, now=NOW + 51)
    # Once they have all expired, the next sweep leaves only what is live.
    later = NOW + 50 + TTL + pw.SWEEP_EVERY_S + 1
    assert spent.spend("late", expires_at=later + TTL, now=later)
    assert set(spent.expiry_by_challenge) == {"late"}
