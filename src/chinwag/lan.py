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


def reachable_hosts(listen_host: str) -> list[str]:
    """The addresses a friend can use for a listener on ``listen_host``: this machine's LAN
    addresses when it listens on every interface, else the address itself."""
    if listen_host in ("0.0.0.0", "::", ""):
        return lan_addresses() or ["127.0.0.1"]
    return [listen_host]


def join_hints(listen_host: str, port: int) -> list[str]:
    """Lines telling a person what each friend types to join a server's plain IRC port
    ``listen_host:port``.

    One block per reachable address, one line per kind of friend: each stock client's own
    syntax (irssi and WeeChat differ), and ``./dev chat`` for someone with this repository,
    because ``chinwag`` itself is not on their PATH after ``./dev serve``.
    """
    lines = []
    for host in reachable_hosts(listen_host):
        # The port is always spelled out: a friend copying a line should not need to know
        # which port each client assumes, and WeeChat 4 assumes TLS unless told -notls.
        lines.append(f"  irssi:           /connect {host} {port}")
        lines.append(
            f"  WeeChat:         /server add chinwag {host}/{port} -notls   then   /connect chinwag"
        )
        lines.append(f'  HexChat:         Network List → Add → {host}/{port}, untick "Use SSL"')
        lines.append(f"  with this repo:  ./dev chat {host}:{port}")
    return lines


def tls_join_hints(listen_host: str, port: int, fingerprint: str) -> list[str]:
    """Lines telling each friend how to join the IRC-over-TLS port ``listen_host:port`` and
    check the server's certificate ``fingerprint`` (``SHA256:AA:BB:...``) as they do.

    A self-signed certificate is checked by its fingerprint, not by a certificate authority:
    chinwag's own clients show it on first use and remember it; irssi and WeeChat are given
    it to pin (irssi takes it colon-separated, WeeChat as bare hex)."""
    pairs = fingerprint.removeprefix("SHA256:")
    bare = pairs.replace(":", "").lower()
    default = port == 6697  # chinwag chat tries TLS on 6697 first without a port
    lines = []
    for host in reachable_hosts(listen_host):
        where = host if default else f"{host}:{port} --tls"
        lines.append(f"  chinwag:         chinwag chat {where}")
        lines.append(f"  irssi:           /connect -tls -tls_pinned_cert {pairs} {host} {port}")
        lines.append(
            f"  WeeChat:         /server add chinwag {host}/{port} -tls "
            f"-tls_fingerprint={bare}   then   /connect chinwag"
        )
        lines.append(
            f"  HexChat:         Network List → Add → {host}/{port}, tick "
            '"Use SSL" and "Accept invalid SSL certificates"'
        )
        lines.append(f"  with this repo:  ./dev chat {where}")
    return lines


def web_hints(listen_host: str, port: int, secure: bool) -> list[str]:
    """The address a friend opens in a browser for an HTTP(S) listener."""
    scheme = "https" if secure else "http"
    return [
        f"  browser:         {scheme}://{_url_host(host)}:{port}/"
        for host in reachable_hosts(listen_host)
    ]


def _url_host(host: str) -> str:
    """``host`` as it goes in a URL: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host
