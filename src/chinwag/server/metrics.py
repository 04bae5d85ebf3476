"""What ``/metrics`` reports: plain counters the core moves, read by Prometheus at scrape time.

The hot paths (a fan-out moves ``deliveries`` once per member per message) only add to the
ints of one slotted :class:`Counters`: a ``prometheus_client`` counter takes a lock on every
``inc()``, which a room of thousands would pay thousands of times per line. A custom
collector (:class:`CountersCollector`) turns the ints into metric families when Prometheus
asks (https://prometheus.github.io/client_python/collector/custom/). Only what happens once
per history commit, not per message, uses a ``prometheus_client`` histogram directly.

Names follow the Prometheus naming guide (``chinwag_`` prefix, ``_total`` for counters,
base units: seconds); docs/metrics.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from chinwag.server.state import Network

BAD_INPUT_REASONS = (
    "http_bad_request",
    "http_not_found",
    "http_method",
    "http_forbidden",
    "http_timeout",
    "ws_origin",
    "ws_handshake",
    "ws_invalid_utf8",
    "ws_too_big",
    "ws_protocol",
)
"""The ``reason`` label values of ``chinwag_bad_input_total``, reported even at zero so a
dashboard's query has a series from the start."""


REFUSAL_REASONS = ("banned", "too_many", "throttled", "unreachable")
"""Why a connection is refused as soon as it is accepted (``[connections]``, ``UBAN``, a
cluster node that cannot reach its network's log)."""


class Counters:
    """The server's running totals, plain ints (and the loop lag): one per core, reached by
    handlers as ``deps.counters`` and by the transports through the core.

    Every field only grows, except :attr:`loop_lag_seconds`, which the application's lag
    task overwrites."""

    __slots__ = (
        "bad_input",
        "commands",
        "connections_refused",
        "deliveries",
        "excess_flood_disconnects",
        "handler_errors",
        "lines_delayed",
        "login_failures",
        "loop_lag_seconds",
        "messages_relayed",
        "registrations",
        "sendq_disconnects",
        "tls_handshakes_completed",
        "tls_handshakes_started",
    )

    def __init__(self) -> None:
        self.registrations = 0
        """Connections that completed registration (the welcome was sent)."""
        self.messages_relayed = 0
        """PRIVMSG, NOTICE and TAGMSG relayed to a channel or a user (once per target)."""
        self.deliveries = 0
        """Messages queued on another session's outbox by the fan-out (once per recipient)."""
        self.sendq_disconnects = 0
        """Sessions closed with ``SendQ exceeded``."""
        self.lines_delayed = 0
        """Times fakelag held a session's lines because it sent faster than its allowance."""
        self.excess_flood_disconnects = 0
        """Sessions closed with ``Excess Flood`` (fakelag's hard limit)."""
        self.login_failures = 0
        """Wrong passwords: SASL, NickServ, OPER and the server password."""
        self.handler_errors = 0
        """Unexpected exceptions in command handlers (the session got ERR_UNKNOWNERROR)."""
        self.loop_lag_seconds = 0.0
        """How late the event loop ran the last lag probe."""
        self.tls_handshakes_started = 0
        """Connections accepted on a TLS listener (their handshake began)."""
        self.tls_handshakes_completed = 0
        """TLS handshakes that succeeded. asyncio drops a failed one (plaintext sent to the
        TLS port, a bad or half-open handshake) before any of our code hears of it, so
        failures are the difference between the two, less handshakes still under way."""
        self.bad_input: dict[str, int] = dict.fromkeys(BAD_INPUT_REASONS, 0)
        """Refused HTTP requests and WebSocket handshakes or frames, by reason."""
        self.connections_refused: dict[str, int] = dict.fromkeys(REFUSAL_REASONS, 0)
        """Connections refused when accepted, by reason (:data:`REFUSAL_REASONS`)."""
        self.commands: dict[str, int] = {}
        """Known commands received, by name (``STATS m``); not exported to Prometheus."""

    def bad(self, reason: str) -> None:
        """Count one refused request or frame (``reason`` from :data:`BAD_INPUT_REASONS`)."""
        self.bad_input[reason] = self.bad_input.get(reason, 0) + 1


class CountersCollector(Collector):
    """The :class:`Counters`, the network's size and the open connections as metric
    families, read when Prometheus scrapes.

    ``connections`` returns the open connections by listener kind (the application counts
    its links).
    """

    def __init__(
        self,
        counters: Counters,
        network: Network,
        connections: Callable[[], Mapping[str, int]],
    ) -> None:
        self._counters = counters
        self._network = network
        self._connections = connections

    def collect(self) -> Iterator[Metric]:
        """The families of one scrape."""
        counters = self._counters
        open_ = GaugeMetricFamily(
            "chinwag_connections", "Open client connections by listener kind.", labels=["kind"]
        )
        for kind, count in sorted(self._connections().items()):
            open_.add_metric([kind], count)
        yield open_
        yield GaugeMetricFamily(
            "chinwag_users", "Registered users online.", value=len(self._network.users)
        )
        yield GaugeMetricFamily(
            "chinwag_channels", "Channels that exist.", value=len(self._network.channels)
        )
        always_on = [user for user in self._network.users.values() if user.always_on is not None]
        yield GaugeMetricFamily(
            "chinwag_always_on_users",
            "Users that stay when their last session ends (always-on accounts).",
            value=len(always_on),
        )
        yield GaugeMetricFamily(
            "chinwag_always_on_disconnected",
            "Always-on users with no session connected.",
            value=sum(1 for user in always_on if not user.sessions),
        )
        for name, help_text, value in (
            ("registrations", "Connections that completed registration.", counters.registrations),
            (
                "messages_relayed",
                "PRIVMSG, NOTICE and TAGMSG relayed, once per target.",
                counters.messages_relayed,
            ),
            (
                "deliveries",
                "Messages queued to other sessions by fan-out, once per recipient.",
                counters.deliveries,
            ),
            (
                "sendq_disconnects",
                "Sessions closed for SendQ exceeded.",
                counters.sendq_disconnects,
            ),
            (
                "fakelag_delays",
                "Times fakelag held a session's lines for sending too fast.",
                counters.lines_delayed,
            ),
            (
                "excess_flood_disconnects",
                "Sessions closed for Excess Flood.",
                counters.excess_flood_disconnects,
            ),
            ("login_failures", "Logins refused for a wrong password.", counters.login_failures),
            (
                "tls_handshakes_started",
                "Connections accepted on a TLS listener.",
                counters.tls_handshakes_started,
            ),
            (
                "tls_handshakes_completed",
                "TLS handshakes that succeeded (the rest failed or timed out).",
                counters.tls_handshakes_completed,
            ),
            (
                "handler_errors",
                "Unexpected errors in command handlers.",
                counters.handler_errors,
            ),
        ):
            yield CounterMetricFamily(f"chinwag_{name}", help_text, value=value)
        bad = CounterMetricFamily(
            "chinwag_bad_input",
            "Refused HTTP requests and WebSocket handshakes or frames.",
            labels=["reason"],
        )
        for reason, count in sorted(counters.bad_input.items()):
            bad.add_metric([reason], count)
        yield bad
        refused = CounterMetricFamily(
            "chinwag_connections_refused",
            "Connections refused when accepted: banned, too many open from one address, "
            "too many opened recently from one address.",
            labels=["reason"],
        )
        for reason, count in sorted(counters.connections_refused.items()):
            refused.add_metric([reason], count)
        yield refused
        yield GaugeMetricFamily(
            "chinwag_event_loop_lag_seconds",
            "How late the event loop ran its last periodic probe.",
            value=counters.loop_lag_seconds,
        )


class Metrics:
    """One server's metrics: its :class:`Counters`, the history commit histograms and the
    registry ``/metrics`` reads (the server's own, never ``prometheus_client``'s global one,
    so two servers in one process, as in the tests, report apart)."""

    __slots__ = ("commit_batch", "commit_seconds", "counters", "registry")

    def __init__(self, counters: Counters | None = None) -> None:
        self.counters = counters if counters is not None else Counters()
        self.registry = CollectorRegistry(auto_describe=False)
        self.commit_seconds = Histogram(
            "chinwag_history_commit_seconds",
            "Time to store one batch of history.",
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.commit_batch = Histogram(
            "chinwag_history_commit_batch_size",
            "Messages and changes in one history batch.",
            registry=self.registry,
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000),
        )

    def observe_commit(self, seconds: float, size: int) -> None:
        """One history commit took ``seconds`` for ``size`` messages and changes."""
        self.commit_seconds.observe(seconds)
        self.commit_batch.observe(size)

    def watch(self, network: Network, connections: Callable[[], Mapping[str, int]]) -> None:
        """Report the counters, ``network``'s size and ``connections`` too (call once)."""
        self.registry.register(CountersCollector(self.counters, network, connections))
