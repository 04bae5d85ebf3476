"""What ``/metrics`` adds on a cluster node (docs/metrics.md, "Cluster"): how many nodes the
network has, how quickly the log answers and how far behind this node is. Read at scrape
time from the node, like the core's counters."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector


class ClusterFigures(Protocol):
    """What a cluster node knows of itself (:class:`~chinwag.server.replication.node
    .ReplicatedCore` has these)."""

    nodes_seen: int
    lease_rtt: float
    lease_renewed_at: float
    entries_applied: int
    log_reachable: bool

    @property
    def entries_waiting(self) -> int:
        """Entries this node made that the log has not taken yet."""
        ...


class ClusterCollector(Collector):
    """The cluster's figures as Prometheus metric families."""

    def __init__(self, node: ClusterFigures) -> None:
        self._node = node

    def collect(self) -> Iterator[Metric]:
        """One family per figure."""
        node = self._node
        yield GaugeMetricFamily(
            "chinwag_cluster_nodes", "Nodes holding a lease at the last look", node.nodes_seen
        )
        yield GaugeMetricFamily(
            "chinwag_cluster_lease_rtt_seconds",
            "Seconds the last lease renewal took (a round trip to the log's backend)",
            node.lease_rtt,
        )
        yield GaugeMetricFamily(
            "chinwag_cluster_lease_age_seconds",
            "Seconds since this node last renewed its lease",
            max(0.0, time.monotonic() - node.lease_renewed_at),
        )
        yield CounterMetricFamily(
            "chinwag_cluster_entries_applied",
            "Log entries this node has applied",
            node.entries_applied,
        )
        yield GaugeMetricFamily(
            "chinwag_cluster_entries_waiting",
            "Entries made on this node that the log has not taken yet",
            node.entries_waiting,
        )
        yield GaugeMetricFamily(
            "chinwag_cluster_log_reachable",
            "1 while the network log answers, 0 while it cannot be reached",
            1.0 if node.log_reachable else 0.0,
        )
