"""The identifiers the server derives from what a client hands it: an IP address's unit, a
device's keyed hashes, a bearer secret's hash.

Rules:
- Pure functions of their arguments (the secret is passed in, never read from settings).
- What is kept or compared is a hash: the database and the logs never hold a device token,
  a bearer token or, keyed, anything that names a browser to someone without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress


def ip_prefix(address: str) -> str:
    """The unit a join rate applies to: one IPv4 address, or one IPv6 /64 (one household).
    Anything that is not an address is its own unit."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def device_hash(secret: bytes, device_token: str) -> str:
    """The browser's persistent cookie as the session and the device memory keep it."""
    return hmac.new(secret, device_token.encode(), hashlib.sha256).hexdigest()


def device_key(secret: bytes, device_token: str, ip_prefix: str) -> str:
    """One browser on one network: stable across pseudonyms, meaningless to anyone else
    (the safety engine's and the bans' notion of a device)."""
    digest = hmac.new(secret, f"{device_token}|{ip_prefix}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def token_hash(token: str) -> str:
    """What the database keeps of a bearer secret (a session, desk, appeal or follow token):
    its sha256, never the token, so a copy of the database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()
