"""The client address behind a trusted load balancer, and only behind one."""

from __future__ import annotations

from aiohttp.test_utils import make_mocked_request

from causette.server.proxy import client_address, is_https


def _request(peer: str, forwarded: str | None, proto: str | None = None) -> object:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    if proto:
        headers["X-Forwarded-Proto"] = proto
    request = make_mocked_request("POST", "/api/join", headers=headers)
    request._transport_peername = (peer, 1234)  # type: ignore[attr-defined]
    return request


def test_forwarded_for_is_believed_from_a_trusted_proxy_only():
    """A trusted peer's header gives the right-most untrusted hop; others are ignored."""
    trusted = "10.0.0.0/8, 127.0.0.1"
    assert client_address(_request("10.0.0.5", "1.2.3.4"), trusted) == "1.2.3.4"
    assert client_address(_request("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9"), trusted) == (
        "1.2.3.4"
    )
    assert client_address(_request("8.8.8.8", "1.2.3.4"), trusted) == "8.8.8.8"
    assert client_address(_request("10.0.0.5", "1.2.3.4"), "") == "10.0.0.5"


def test_forwarded_proto_is_believed_from_a_trusted_proxy_only():
    """Cookies are Secure when a trusted proxy ended TLS, not when anyone claims it."""
    assert is_https(_request("10.0.0.5", None, "https"), "10.0.0.0/8")
    assert not is_https(_request("8.8.8.8", None, "https"), "10.0.0.0/8")
    assert not is_https(_request("10.0.0.5", None, "http"), "10.0.0.0/8")
