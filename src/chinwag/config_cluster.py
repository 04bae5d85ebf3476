"""The ``[cluster]`` section: several chinwag nodes making one IRC network over Redis (issue 18).

Kept apart from :mod:`chinwag.config` (which builds it into the one ``Config`` and re-exports
what is here) so that module stays one readable size. Nothing here connects to Redis: this
is the settings, their checks, and the name a node goes by.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

REDIS_SCHEMES = ("redis", "rediss")
"""The URL schemes ``[cluster] redis`` takes: ``redis://`` plain, ``rediss://`` over TLS."""

LEASE_RANGE = (1.0, 60.0)
"""The seconds ``[cluster] lease`` may be: below one a busy node loses its lease to a
stalled event loop; above a minute a dead node's users stay "online" that long."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
"""A network or node name: it goes into Redis keys, log lines and /metrics labels, so one
word of letters, digits, ``.``, ``_`` and ``-`` (at most 63 characters, as a server name)."""


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """The ``[cluster]`` section. Without ``redis`` the server is one node on its own, as it
    always was; with it, every node naming the same ``redis`` and ``network`` is one IRC
    network (and needs ``[storage] backend = "postgresql"``, as
    :func:`chinwag.config.cluster_problems` says)."""

    redis: str = ""
    """The Redis URL (``redis://host:port/db``, ``rediss://`` for TLS); empty: no cluster."""
    network: str = "chinwag"
    """The network's name in Redis keys: nodes with the same ``redis`` and ``network`` form
    one network, so two networks may share one Redis."""
    node: str = ""
    """This node's name in logs and ``/metrics``; empty: ``<hostname>-<pid>``
    (:func:`node_name`). ``chinwag serve --workers N`` names its workers ``<node>-<i>``."""
    lease: float = 10.0
    """Seconds a node's lease lasts without renewal: how long a node that died unannounced
    still counts as alive (:data:`LEASE_RANGE`)."""

    @property
    def enabled(self) -> bool:
        """Whether this server is a node of a cluster (``redis`` is set)."""
        return bool(self.redis)


def cluster_settings_problems(settings: ClusterSettings) -> list[str]:
    """What is wrong with ``settings``, one readable sentence each (empty when usable).

    A sentence never repeats the Redis URL: it may carry a password."""
    problems: list[str] = []
    if settings.redis:
        problems.extend(_redis_url_problems(settings.redis))
    if not _NAME.fullmatch(settings.network):
        problems.append(
            "[cluster] network: must be one word of letters, digits, '.', '_' and '-' "
            f"(at most 63 characters), got {settings.network!r}"
        )
    if settings.node and not _NAME.fullmatch(settings.node):
        problems.append(
            "[cluster] node: must be empty or one word of letters, digits, '.', '_' and '-' "
            f"(at most 63 characters), got {settings.node!r}"
        )
    low, high = LEASE_RANGE
    if not low <= settings.lease <= high:
        problems.append(
            f"[cluster] lease: must be {low:g} to {high:g} seconds, got {settings.lease:g}"
        )
    return problems


def _redis_url_problems(url: str) -> list[str]:
    """Why ``url`` is not a Redis URL chinwag can use (the URL itself is never repeated)."""
    expected = "expected redis://host:port/db (or rediss:// for TLS)"
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES:
        scheme = f"{parts.scheme}://" if parts.scheme else "no scheme"
        return [f"[cluster] redis: {expected}, got {scheme}"]
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
    except ValueError:
        return [f"[cluster] redis: {expected}; the port is not a number from 0 to 65535"]
    if not parts.hostname:
        return [f"[cluster] redis: {expected}; the host is missing"]
    database = parts.path.removeprefix("/")
    if database and not database.isdigit():
        return [f"[cluster] redis: {expected}; the database after the host must be a number"]
    return []


def node_name(
    settings: ClusterSettings, hostname: str | None = None, pid: int | None = None
) -> str:
    """The name this node goes by: ``[cluster] node``, or ``<hostname>-<pid>`` when that is
    empty (``hostname`` and ``pid`` default to this machine's and this process's). Callers
    ask once at start-up and keep the answer."""
    if settings.node:
        return settings.node
    host = hostname if hostname is not None else socket.gethostname()
    return f"{host or 'chinwag'}-{pid if pid is not None else os.getpid()}"
