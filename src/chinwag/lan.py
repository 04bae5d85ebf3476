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
    """Lines telling a person what each friend types to join a server on ``listen_host:port``.

    One block per reachable address, one line per kind of friend: each stock client's own
    syntax (irssi and WeeChat differ), and ``./dev chat`` for someone with this repository,
    because ``chinwag`` itself is not on their PATH after ``./dev serve``.
    """
    if listen_host in ("0.0.0.0", "::", ""):
        hosts = lan_addresses() or ["127.0.0.1"]
    else:
        hosts = [listen_host]
    lines = []
    for host in hosts:
        # The port is always spelled out: a friend copying a line should not need to know
        # which port each client assumes, and WeeChat 4 assumes TLS unless told -notls.
        lines.append(f"  irssi:           /connect {host} {port}")
        lines.append(
            f"  WeeChat:         /server add chinwag {host}/{port} -notls   then   /connect chinwag"
        )
        lines.append(f'  HexChat:         Network List → Add → {host}/{port}, untick "Use SSL"')
        lines.append(f"  with this repo:  ./dev chat {host}:{port}")
    return lines
