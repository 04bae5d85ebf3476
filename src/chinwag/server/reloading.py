"""What a re-read configuration (SIGHUP) changes, and what of that needs a restart.

The operator edits the file and sends SIGHUP; the server applies what it can while running
(the MOTD, operators, limits, account and history settings, the TLS certificate) and says
plainly which changes wait for a restart, instead of ignoring them: the listeners' addresses
(their sockets are open), the server's name and network (every client was told them at
registration), host cloaking (the cloaks users already have), where the data is kept, and
what counts as one address for the connection limits (the open connections are counted by
it), and the ``[cluster]`` section (a node does not move to another network while running).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chinwag.config import Config

NEEDS_RESTART = frozenset(
    {
        "server.name",
        "server.network",
        "server.cloak_hosts",
        "server.cloak_secret",
        "storage.backend",
        "storage.data_dir",
        "storage.path",
        "tls.handshake_timeout",
        "connections.ipv4_prefix",
        "connections.ipv6_prefix",
        "listeners",
        "cluster.redis",
        "cluster.network",
        "cluster.node",
        "cluster.lease",
    }
)
"""The settings a running server keeps until it is restarted."""


@dataclass(frozen=True, slots=True)
class ConfigChanges:
    """The settings that differ between two configurations, as ``section.key`` names
    (``listeners`` and ``operators`` as a whole), split by whether they apply live."""

    live: tuple[str, ...]
    restart: tuple[str, ...]

    @property
    def tls_files(self) -> bool:
        """Whether the TLS certificate or key file names changed (a renewal in place does
        not change them, and is re-read anyway)."""
        return "tls.cert" in self.live or "tls.key" in self.live


def _section_changes(name: str, old: Any, new: Any) -> list[str]:
    return [
        f"{name}.{field.name}"
        for field in dataclasses.fields(old)
        if getattr(old, field.name) != getattr(new, field.name)
    ]


def compare(old: Config, new: Config) -> ConfigChanges:
    """What changed from ``old`` to ``new`` (:class:`ConfigChanges`)."""
    changed: list[str] = []
    for field in dataclasses.fields(old):
        before, after = getattr(old, field.name), getattr(new, field.name)
        if before == after:
            continue
        if dataclasses.is_dataclass(before):
            changed.extend(_section_changes(field.name, before, after))
        else:
            changed.append(field.name)
    return ConfigChanges(
        live=tuple(name for name in changed if name not in NEEDS_RESTART),
        restart=tuple(name for name in changed if name in NEEDS_RESTART),
    )


def kept_until_restart(running: Config, wanted: Config) -> Config:
    """``wanted`` with every setting of :data:`NEEDS_RESTART` as ``running`` has it: the
    configuration the server actually works with after a reload."""
    server = dataclasses.replace(
        wanted.server,
        name=running.server.name,
        network=running.server.network,
        cloak_hosts=running.server.cloak_hosts,
        cloak_secret=running.server.cloak_secret,
    )
    tls = dataclasses.replace(wanted.tls, handshake_timeout=running.tls.handshake_timeout)
    connections = dataclasses.replace(
        wanted.connections,
        ipv4_prefix=running.connections.ipv4_prefix,
        ipv6_prefix=running.connections.ipv6_prefix,
    )
    return dataclasses.replace(
        wanted,
        server=server,
        storage=running.storage,
        listeners=running.listeners,
        tls=tls,
        connections=connections,
        cluster=running.cluster,
    )
