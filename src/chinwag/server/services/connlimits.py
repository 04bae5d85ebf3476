"""Per-address connection limits (issue 17, "Connection limits"): how many connections one
address may hold open at once, and how many it may open within a window.

The shape follows Ergo's ``server.ip-limits`` (``max-concurrent-connections``,
``throttle``, ``cidr-len-ipv4``/``cidr-len-ipv6``, ``exempted``), configured in
``[connections]`` (:class:`~chinwag.config.ConnectionLimits`). The transports ask
:meth:`AddressLimiter.admit` when a connection is accepted, before they read a byte of it,
and call :meth:`AddressLimiter.release` when it is gone; a refused connection is told why in
``ERROR`` and closed. Nothing here does I/O: the clock is given.

Only the open count and the recent connection times of each address are kept, and an
address is forgotten once it has neither, so a scan from many addresses leaves nothing
behind.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from dataclasses import dataclass

from chinwag.config import ConnectionLimits

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def address_key(ip: str, ipv4_prefix: int = 32, ipv6_prefix: int = 64) -> str:
    """The address a connection from ``ip`` counts against: its IPv4 address cut to
    ``ipv4_prefix`` bits or its IPv6 address cut to ``ipv6_prefix`` (an IPv4-mapped IPv6
    address counts as the IPv4 address); anything that is not an IP counts as itself."""
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    prefix = ipv4_prefix if isinstance(parsed, ipaddress.IPv4Address) else ipv6_prefix
    return str(ipaddress.ip_network((parsed, prefix), strict=False))


def in_networks(ip: str, networks: tuple[Network, ...]) -> bool:
    """Whether ``ip`` lies in one of ``networks`` (an IPv4-mapped address as its IPv4)."""
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return any(parsed.version == net.version and parsed in net for net in networks)


@dataclass(slots=True)
class _Address:
    """What is known of one address: connections open now, and when recent ones opened."""

    open: int = 0
    recent: deque[float] | None = None


class AddressLimiter:
    """The open connections and recent connection times of every address, checked against
    ``[connections]`` (read anew on each call, so a reload applies at once)."""

    __slots__ = ("_addresses", "_exempt", "_exempt_from")

    def __init__(self) -> None:
        self._addresses: dict[str, _Address] = {}
        self._exempt: tuple[Network, ...] = ()
        self._exempt_from: tuple[str, ...] | None = None
        """The ``exempt`` setting :attr:`_exempt` was parsed from."""

    def _exempted(self, ip: str, settings: ConnectionLimits) -> bool:
        if settings.exempt != self._exempt_from:
            self._exempt = tuple(
                ipaddress.ip_network(each, strict=False) for each in settings.exempt
            )
            self._exempt_from = settings.exempt
        return in_networks(ip, self._exempt)

    def admit(
        self, ip: str, settings: ConnectionLimits, now: float, *, rate: bool = True
    ) -> tuple[str, str] | None:
        """Count a new connection from ``ip`` and return ``None``; or, if a limit is full,
        count nothing and return which (``too_many``, ``throttled``: the ``/metrics``
        label) and why in words, for the ``ERROR`` the client is sent. A connection
        admitted must be :meth:`release`\\ d when it ends (an exempt one too).

        ``rate=False`` leaves the connection out of the throttle (a web listener's
        connection, which may only fetch a file: :meth:`check_rate` counts it if it becomes
        an IRC session)."""
        key = address_key(ip, settings.ipv4_prefix, settings.ipv6_prefix)
        entry = self._addresses.get(key)
        if entry is None:
            entry = self._addresses[key] = _Address()
        if not self._exempted(ip, settings):
            if settings.max_per_address and entry.open >= settings.max_per_address:
                return "too_many", "Too many connections from your address"
            if rate:
                refused = self._rate(entry, settings, now)
                if refused is not None:
                    return refused
        entry.open += 1
        return None

    def check_rate(self, ip: str, settings: ConnectionLimits, now: float) -> tuple[str, str] | None:
        """Count one more session from ``ip`` against the throttle alone (a WebSocket
        opening on a connection :meth:`admit` let in with ``rate=False``); ``None``, or why
        not as :meth:`admit` says it."""
        if self._exempted(ip, settings):
            return None
        key = address_key(ip, settings.ipv4_prefix, settings.ipv6_prefix)
        entry = self._addresses.get(key)
        if entry is None:
            entry = self._addresses[key] = _Address()
        refused = self._rate(entry, settings, now)
        self._drop_if_idle(key, entry)
        return refused

    @staticmethod
    def _rate(entry: _Address, settings: ConnectionLimits, now: float) -> tuple[str, str] | None:
        """Refuse if the address opened ``throttle_connections`` within the window; else
        remember this one."""
        if not settings.throttle_connections:
            return None
        recent = entry.recent
        if recent is None:
            recent = entry.recent = deque()
        while recent and now - recent[0] >= settings.throttle_window:
            recent.popleft()
        if len(recent) >= settings.throttle_connections:
            wait = max(1, int(settings.throttle_window - (now - recent[0]) + 0.999))
            text = f"Too many connections from your address recently; wait {wait} seconds"
            return "throttled", text
        recent.append(now)
        return None

    def release(self, ip: str, settings: ConnectionLimits) -> None:
        """A connection :meth:`admit` counted has ended."""
        key = address_key(ip, settings.ipv4_prefix, settings.ipv6_prefix)
        entry = self._addresses.get(key)
        if entry is None:
            return
        entry.open = max(0, entry.open - 1)
        self._drop_if_idle(key, entry)

    def _drop_if_idle(self, key: str, entry: _Address) -> None:
        # Recent times are kept only while they can still refuse: an address with nothing
        # open keeps its entry as long as its throttle window remembers it.
        if entry.open == 0 and not entry.recent:
            del self._addresses[key]

    def prune(self, settings: ConnectionLimits, now: float) -> None:
        """Forget the connection times that have left the throttle window, and addresses
        with nothing left to remember (the ticker calls this)."""
        for key, entry in list(self._addresses.items()):
            recent = entry.recent
            while recent and now - recent[0] >= settings.throttle_window:
                recent.popleft()
            self._drop_if_idle(key, entry)

    def open_from(self, ip: str, settings: ConnectionLimits) -> int:
        """Connections open now from the address of ``ip`` (tests and operators)."""
        key = address_key(ip, settings.ipv4_prefix, settings.ipv6_prefix)
        entry = self._addresses.get(key)
        return 0 if entry is None else entry.open
