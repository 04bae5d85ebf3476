"""Host cloaking: the host others see is a keyed hash of a user's address, never the address.

Each address gets ``<address hash>.<network hash>.cloak``: an HMAC-SHA256 of the address
under the server's secret key, then of its network (a /24 for IPv4, a /48 for IPv6), so a
cloak says nothing about the address to anyone without the key, stays the same for the same
address (bans keep working), and a ban on ``*.<network hash>.cloak`` covers a network as a
ban on ``*.203.0.113.*`` did. Operators see real addresses in WHOIS (RPL_WHOISACTUALLY).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

IPV4_NETWORK = 24
IPV6_NETWORK = 48
"""Prefix lengths of the network part: a home or small office behind one router."""

CLOAK_SUFFIX = "cloak"


def _digest(key: bytes, kind: bytes, value: str, length: int) -> str:
    """The first ``length`` hex digits of the HMAC of ``value``; ``kind`` keeps an address
    and a network with the same text apart."""
    mac = hmac.new(key, kind + b"\0" + value.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:length]


def cloak_host(ip: str, key: bytes) -> str:
    """The host shown for a connection from ``ip`` (IPv4 or IPv6; an IPv4-mapped IPv6
    address counts as the IPv4 one), keyed with the server's secret ``key``."""
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(
            ip.partition("%")[0]  # a link-local scope is not part of who the peer is
        )
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address is None:  # not an IP address (a test transport, a Unix socket)
        return f"{_digest(key, b'host', ip, 10)}.{CLOAK_SUFFIX}"
    prefix = IPV4_NETWORK if address.version == 4 else IPV6_NETWORK
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    # 40 bits for the address: distinct for any realistic number of users at once.
    own = _digest(key, b"address", str(address), 10)
    shared = _digest(key, b"network", str(network), 6)
    return f"{own}.{shared}.{CLOAK_SUFFIX}"
