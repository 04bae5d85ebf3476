"""The ``Bus`` interface: publish bytes on a topic, receive what every node publishes.

Topics name what a payload concerns (``channel:#lobby``, ``user:ana``, ``presence``); payloads
are serialized IRC lines or small records, so a node can hand them to its local sessions
without knowing who sent them. Every implementation is tested by tests/bus/test_bus_suite.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Subscriber = Callable[[str, bytes], None]
"""Called with (topic, payload) for each published payload, on the event loop, never awaited."""


class Bus(Protocol):
    """Fan-out between nodes; delivery to local sessions stays in the server core."""

    def subscribe(self, topic: str, subscriber: Subscriber) -> None:
        """Call ``subscriber`` for every payload later published on ``topic``."""

    def unsubscribe(self, topic: str, subscriber: Subscriber) -> None:
        """Stop calling ``subscriber`` for ``topic``."""

    async def publish(self, topic: str, payload: bytes) -> None:
        """Send ``payload`` to every subscriber of ``topic`` on every node."""

    async def close(self) -> None:
        """Stop delivering; no call follows."""
