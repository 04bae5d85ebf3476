"""The capability table: every IRCv3 capability the server offers, with its spec.

Capability negotiation itself is https://ircv3.net/specs/extensions/capability-negotiation;
this module is data, read by the ``CAP`` handler and by whatever needs to know what a session
has enabled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Capability:
    """One capability: its name, the spec that defines it and its ``CAP LS 302`` value."""

    name: str
    spec: str
    value: str | None = None

    def advertised(self, version: int) -> str:
        """The token for ``CAP LS``: with its value from version 302 on."""
        if self.value is not None and version >= 302:
            return f"{self.name}={self.value}"
        return self.name


_IRCV3 = "https://ircv3.net/specs/extensions/"

CAPABILITIES: tuple[Capability, ...] = (
    Capability("account-notify", _IRCV3 + "account-notify"),
    Capability("account-tag", _IRCV3 + "account-tag"),
    Capability("away-notify", _IRCV3 + "away-notify"),
    Capability("batch", _IRCV3 + "batch"),
    Capability("cap-notify", _IRCV3 + "capability-negotiation#cap-notify"),
    Capability("echo-message", _IRCV3 + "echo-message"),
    Capability("extended-join", _IRCV3 + "extended-join"),
    Capability("extended-monitor", _IRCV3 + "extended-monitor"),
    Capability("invite-notify", _IRCV3 + "invite-notify"),
    Capability("labeled-response", _IRCV3 + "labeled-response"),
    Capability("message-tags", _IRCV3 + "message-tags"),
    Capability("multi-prefix", _IRCV3 + "multi-prefix"),
    Capability("server-time", _IRCV3 + "server-time"),
    Capability("setname", _IRCV3 + "setname"),
    Capability("standard-replies", _IRCV3 + "standard-replies"),
    Capability("userhost-in-names", _IRCV3 + "userhost-in-names"),
)

BY_NAME: dict[str, Capability] = {cap.name: cap for cap in CAPABILITIES}

STICKY: frozenset[str] = frozenset({"cap-notify"})
"""Capabilities a client cannot disable once version 302 enabled them implicitly."""
