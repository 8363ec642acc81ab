"""The client's address and scheme behind a load balancer.

Rule: ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only when the TCP peer is
a trusted proxy (``CAUSETTE_TRUSTED_PROXIES``, comma-separated addresses or networks); then
the address is the right-most one in the header that is not itself a trusted proxy.
Anyone else's headers are ignored, so a client cannot pick the address its join limit is
counted on.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip()
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: web.Request, trusted_proxies: str) -> str:
    peer = request.remote or "unknown"
    networks = _networks(trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, networks):
            return hop
    return peer


def is_https(request: web.Request, trusted_proxies: str) -> bool:
    """HTTPS end to end, or TLS ended by a trusted proxy that says so."""
    if request.secure:
        return True
    networks = _networks(trusted_proxies)
    if not networks or not _trusted(request.remote or "", networks):
        return False
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto == "https"
