"""The single-node :class:`~chinwag.bus.base.Bus`: subscribers in this process only."""

from __future__ import annotations

from chinwag.bus.base import Subscriber


class LocalBus:
    """Delivers each published payload to this process's subscribers, in subscription order."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Subscriber]] = {}
        self._closed = False

    def subscribe(self, topic: str, subscriber: Subscriber) -> None:
        """Call ``subscriber`` for every payload later published on ``topic``."""
        self._subscribers.setdefault(topic, []).append(subscriber)

    def unsubscribe(self, topic: str, subscriber: Subscriber) -> None:
        """Stop calling ``subscriber`` for ``topic``; unknown pairs are ignored."""
        subscribers = self._subscribers.get(topic)
        if subscribers and subscriber in subscribers:
            subscribers.remove(subscriber)
            if not subscribers:
                del self._subscribers[topic]

    async def publish(self, topic: str, payload: bytes) -> None:
        """Deliver ``payload`` to the current subscribers of ``topic``."""
        if self._closed:
            raise RuntimeError("publish on a closed bus")
        for subscriber in list(self._subscribers.get(topic, ())):
            subscriber(topic, payload)

    async def close(self) -> None:
        """Drop every subscription."""
        self._closed = True
        self._subscribers.clear()
