"""Server bans set by operators with ``UBAN`` (issue 17; Ergo's ``UBAN``, see docs/security.md
for why this and not ``KLINE``/``DLINE``): the list in memory and what each kind matches.
Closing the connections a new ban covers is :func:`chinwag.server.services.bans.enforce`.

A ban names (:data:`~chinwag.storage.base.BAN_KINDS`):

- ``ip``: an address or a CIDR range, refused when the connection is accepted, before the
  server reads anything from it (:meth:`BanList.for_address`);
- ``mask``: a ``nick!user@host`` wildcard mask, matched at registration against the nick, the
  user name and both the address and the host others see (:meth:`BanList.for_user`);
- ``account``: an account, refused when anyone logs in to it (:meth:`BanList.for_account`).

Each is checked again, against everyone connected, the moment it is added: those it covers
are closed with ``ERROR`` giving the reason, and whoever shares a channel with them sees them
``QUIT``. An expired ban is ignored at once and
forgotten at the next :meth:`BanList.prune`. The store keeps the list across restarts; the
application loads it before it listens.
"""

from __future__ import annotations

import ipaddress
import re

from chinwag.protocol.casemap import fold, is_valid_nick
from chinwag.protocol.masks import matches, normalize_ban_mask
from chinwag.server.state import Session
from chinwag.storage.base import ServerBan

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_ACCOUNT_LENGTH = 64
"""Longest account name a ban may name (longer than any nick the server allows)."""

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNITS = (86_400, 3_600, 60, 1)


def parse_duration(text: str) -> float | None:
    """Seconds in ``text``: a whole number of seconds, or units such as ``1d``, ``2h30m``,
    ``90s`` (Ergo's ``UBAN ... DURATION`` takes the same kind); ``None`` if it is neither
    or is zero."""
    text = text.strip().lower()
    if text.isdigit():
        seconds = int(text)
        return float(seconds) if seconds > 0 else None
    found = _DURATION.fullmatch(text)
    if not text or found is None:
        return None
    seconds = sum(
        int(part) * unit for part, unit in zip(found.groups(), _UNITS, strict=True) if part
    )
    return float(seconds) if seconds > 0 else None


def parse_target(text: str) -> tuple[str, str] | None:
    """The kind and normalised target a ``UBAN`` target names, or ``None`` if it names
    nothing: an address or CIDR range (``ip``, as a network), anything with ``!`` or ``@``
    (``mask``, completed to ``nick!user@host`` and folded), else an account name (``account``,
    folded)."""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        pass
    else:
        return "ip", str(network)
    if "!" in text or "@" in text:
        if " " in text or "," in text:
            return None
        # Folded, as masks match ignoring case: DEL and INFO find it in any case.
        return "mask", fold(normalize_ban_mask(text))
    if not is_valid_nick(text, MAX_ACCOUNT_LENGTH):
        return None
    return "account", fold(text)


def _network(target: str) -> Network | None:
    try:
        return ipaddress.ip_network(target, strict=False)
    except ValueError:
        return None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


class BanList:
    """The server bans in force, as loaded from the store and changed by ``UBAN``; every
    question takes the current Unix time, and an expired ban answers no."""

    __slots__ = ("bans", "networks")

    def __init__(self) -> None:
        self.bans: dict[tuple[str, str], ServerBan] = {}
        """Every ban by kind and target, in the order added."""
        self.networks: dict[str, Network] = {}
        """The parsed network of each ``ip`` ban, by target."""

    def load(self, bans: list[ServerBan]) -> None:
        """Start from ``bans`` (the store's), replacing what was here."""
        self.bans, self.networks = {}, {}
        for ban in bans:
            self.add(ban)

    def add(self, ban: ServerBan) -> None:
        """Put ``ban`` in force (in place of one of the same kind and target)."""
        self.bans[ban.kind, ban.target] = ban
        if ban.kind == "ip":
            network = _network(ban.target)
            if network is not None:
                self.networks[ban.target] = network

    def remove(self, kind: str, target: str) -> ServerBan | None:
        """Lift the ban of ``kind`` on ``target``; the ban, or ``None`` if there was none."""
        if kind == "ip":
            self.networks.pop(target, None)
        return self.bans.pop((kind, target), None)

    def get(self, kind: str, target: str, now: float) -> ServerBan | None:
        """The ban of ``kind`` on ``target`` if it is in force."""
        ban = self.bans.get((kind, target))
        return None if ban is None or ban.expired(now) else ban

    def active(self, now: float) -> list[ServerBan]:
        """Every ban in force, in the order they were added."""
        return [ban for ban in self.bans.values() if not ban.expired(now)]

    def prune(self, now: float) -> list[ServerBan]:
        """Forget the bans that have run out; returns them (the caller deletes them from
        the store)."""
        gone = [ban for ban in self.bans.values() if ban.expired(now)]
        for ban in gone:
            self.remove(ban.kind, ban.target)
        return gone

    def for_address(self, ip: str, now: float) -> ServerBan | None:
        """The first ban in force on an address or range that holds ``ip``."""
        if not self.networks:
            return None
        address = _ip(ip)
        if address is None:
            return None
        for target, network in self.networks.items():
            if address.version == network.version and address in network:
                ban = self.get("ip", target, now)
                if ban is not None:
                    return ban
        return None

    def for_account(self, account: str | None, now: float) -> ServerBan | None:
        """The ban in force on ``account``, if any."""
        return None if account is None else self.get("account", fold(account), now)

    def for_user(
        self, nick: str, username: str, ip: str, host: str, now: float
    ) -> ServerBan | None:
        """The first ban in force on a ``nick!user@host`` mask that matches, with the host
        either the address ``ip`` or the ``host`` others see."""
        sources = (f"{nick}!{username}@{ip}", f"{nick}!{username}@{host}")
        for ban in self.bans.values():
            if ban.kind != "mask" or ban.expired(now):
                continue
            if any(matches(ban.target, source) for source in sources):
                return ban
        return None

    def for_session(self, session: Session, now: float) -> ServerBan | None:
        """The first ban in force that covers ``session``: its address, its registered
        user's mask, or its account (logged in before or after registration)."""
        ban = self.for_address(session.ip, now)
        if ban is not None:
            return ban
        user = session.user
        if user is not None:
            ban = self.for_user(user.nick, user.username, session.ip, user.host, now)
            return ban or self.for_account(user.account, now)
        return self.for_account(session.account, now)
