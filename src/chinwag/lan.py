"""This machine's addresses on the local network, for the "a friend types this" hint.

The hobby chat servers printed ``localhost``, which is the one address a friend cannot use.
"""

from __future__ import annotations

import ipaddress

import ifaddr


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine's interfaces, private ranges first, loopback left out."""
    found: list[ipaddress.IPv4Address] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not ip.is_IPv4 or not isinstance(ip.ip, str):
                continue
            address = ipaddress.IPv4Address(ip.ip)
            if address.is_loopback or address.is_link_local or address in found:
                continue
            found.append(address)
    found.sort(key=lambda address: (not address.is_private, int(address)))
    return [str(address) for address in found]


def join_hints(listen_host: str, port: int) -> list[str]:
    """Lines telling a person how friends join a server listening on ``listen_host:port``."""
    if listen_host in ("0.0.0.0", "::", ""):
        hosts = lan_addresses() or ["127.0.0.1"]
    else:
        hosts = [listen_host]
    port_part = "" if port == 6667 else f" {port}"
    address_part = "" if port == 6667 else f":{port}"
    lines = []
    for host in hosts:
        lines.append(f"  chinwag:           chinwag chat {host}{address_part}")
        lines.append(f"  irssi or WeeChat:  /connect {host}{port_part}")
        lines.append(f"  HexChat:           server {host}, port {port}")
    return lines
