"""The network log several nodes of one chinwag network share (issue 18).

Every node runs the same deterministic core and applies one totally ordered log of everything
that changes the network; this package is that log and nothing more: entries are opaque bytes.
:mod:`chinwag.cluster.base` is the interface, :mod:`chinwag.cluster.local` the in-process
implementation (tests, in-process multi-node harnesses), :mod:`chinwag.cluster.redis` the one on
Redis Streams. tests/cluster/test_log_suite.py holds both to the same contract.
"""

from __future__ import annotations

import secrets

from chinwag.cluster.base import NetworkLog
from chinwag.config_cluster import ClusterSettings, node_name


def open_network_log(settings: ClusterSettings) -> NetworkLog:
    """The network log ``[cluster]`` names, not yet joined. The node's name in it is
    ``[cluster] node`` (or ``host-pid``) with a random suffix: a node started again is a new
    member, never mistaken for its earlier life, which the network may still be declaring
    lost."""
    from chinwag.cluster.redis import RedisLog

    node = f"{node_name(settings)}~{secrets.token_hex(3)}"
    return RedisLog(settings.redis, settings.network, node, lease=settings.lease)
