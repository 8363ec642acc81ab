"""Derived identifiers: an address's rate unit, a device's keyed hashes, a bearer token's
hash. Their values are pinned: sessions, device memories and bans stored in the database
are compared against them, so a change would silently forget every one."""

from __future__ import annotations

from causette.core.keys import device_hash, device_key, ip_prefix, token_hash

SECRET = b"s" * 32


def test_an_ipv4_address_is_its_own_unit() -> None:
    assert ip_prefix("203.0.113.7") == "203.0.113.7"


def test_an_ipv6_address_counts_as_its_64() -> None:
    household = {ip_prefix("2001:db8:1:2::1"), ip_prefix("2001:db8:1:2:ffff:0:0:9")}
    assert household == {"2001:db8:1:2::/64"}
    assert ip_prefix("2001:db8:1:3::1") == "2001:db8:1:3::/64"


def test_what_is_not_an_address_is_kept_as_it_is() -> None:
    assert ip_prefix("unix-socket") == "unix-socket"


def test_a_device_key_is_one_browser_on_one_network() -> None:
    key = device_key(SECRET, "tok", "203.0.113.7")
    assert key == "fb0eacfe52d6828486dc1c2a8fe3fb56"
    assert device_key(SECRET, "tok", "203.0.113.8") != key
    assert device_key(SECRET, "other", "203.0.113.7") != key
    assert device_key(b"t" * 32, "tok", "203.0.113.7") != key


def test_a_device_hash_is_keyed_and_never_the_token() -> None:
    digest = device_hash(SECRET, "tok")
    assert digest == "c92dd50f2ecd4b25e3145bb35ce43b4075dfee30727c0d25b7a24e806a19063a"
    assert device_hash(b"t" * 32, "tok") != digest


def test_a_token_is_kept_as_its_sha256() -> None:
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
