"""Deferred work in a cluster: run once, on the node it belongs to; its outcome reaches every
node through the log (docs/scaling.md "Deferred work").

The core hands work to :class:`~chinwag.server.effects.Effects` and continues, in a callback,
when it ends. On one node that callback runs when the task finishes. In a cluster every node
applies the same entry and so starts the same work at the same point; only the node the
entry came from (its *origin*) runs it, and it appends the outcome to the log as a ``done``
entry. Every node, the origin too, calls the callback when it applies that entry, so the
continuation changes every node's state at the same point of the log. Work is numbered in
the order it is started, which is the same on every node because every node applies the
same entries in the same order.

Timers (fakelag's release of held lines) go the same way: the origin waits, then appends a
``timer`` entry. Coroutines used *inside* work (``sleep``, ``in_thread``, ``next_turn``,
``coalesce``) run on the origin only, where the work runs, so they are the local ones.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from chinwag.server.effects import AsyncioEffects, Done
from chinwag.server.replication.codec import (
    NodeLostError,
    RemoteError,
    Resolve,
    decode_value,
    encode_value,
    portable_error,
)

log = logging.getLogger("chinwag.cluster")

T = TypeVar("T")

Publish = Callable[[tuple[Any, ...]], None]
"""Appends one entry to the log (in order with everything this node appends)."""


def _discard(work: Coroutine[Any, Any, Any]) -> None:
    """Drop work that is another node's to run, and the work it was handed (``history.after
    (query)`` holds ``query``): never started, so nothing of it runs, and Python does not
    warn that a coroutine was never awaited."""
    frame = getattr(work, "cr_frame", None)  # a coroutine object; other awaitables have none
    if frame is not None:
        for value in frame.f_locals.values():
            if inspect.iscoroutine(value):
                _discard(value)
    work.close()


class ReplicatedEffects:
    """:class:`~chinwag.server.effects.Effects` for a core that every node of a cluster
    runs; see the module docstring. ``local`` runs what is this node's to run; ``publish``
    appends an entry; ``node`` is this node's name and ``origin`` says whose entry is being
    applied now."""

    def __init__(
        self,
        local: AsyncioEffects,
        node: str,
        origin: Callable[[], str],
        publish: Publish,
    ) -> None:
        self._local = local
        self._node = node
        self._origin = origin
        self._publish = publish
        self._next = 0
        self._pending: dict[int, tuple[str, Done]] = {}
        """Work started and not yet ended, by number: its origin and its callback."""
        self._timers: dict[int, tuple[str, Callable[[], None]]] = {}

    @property
    def next_number(self) -> int:
        """The number the next piece of work (or timer) gets: part of a snapshot, so a node
        starting from one numbers work as the others do."""
        return self._next

    @next_number.setter
    def next_number(self, number: int) -> None:
        self._next = number

    @property
    def pending(self) -> int:
        """How much work (and how many timers) started and has not ended."""
        return len(self._pending) + len(self._timers)

    def run(self, work: Coroutine[Any, Any, Any], done: Done) -> Awaitable[None] | None:
        """Start ``work``: run it here if the entry being applied came from this node, and
        append its outcome; otherwise only remember ``done`` for when the outcome comes."""
        number = self._next
        self._next += 1
        origin = self._origin()
        self._pending[number] = (origin, done)
        if origin != self._node:
            _discard(work)
            return None

        def finished(result: object, error: BaseException | None) -> None:
            self._publish_outcome(number, result, error)

        return self._local.run(work, finished)

    def _publish_outcome(self, number: int, result: object, error: BaseException | None) -> None:
        if error is not None:
            self._publish(("done", number, None, portable_error(error)))
            return
        try:
            value = encode_value(result)
        except Exception as failure:  # a result that cannot travel
            log.exception("the outcome of deferred work %d cannot be shared", number)
            self._publish(("done", number, None, portable_error(failure)))
        else:
            self._publish(("done", number, value, None))

    def ended(
        self, number: int, value: bytes | None, error: BaseException | None, resolve: Resolve
    ) -> None:
        """Apply a ``done`` entry: call the work's callback with its outcome (``value``, made
        by :func:`~chinwag.server.replication.codec.encode_value`, its references found with
        ``resolve``)."""
        pending = self._pending.pop(number, None)
        if pending is None:
            log.warning("deferred work %d ended but was not started here", number)
            return
        result: object = None
        if error is None and value is not None:
            try:
                result = decode_value(value, resolve)
            except LookupError as gone:
                error = RemoteError(f"what the work was about is gone: {gone}")
        pending[1](result, error)

    async def in_thread(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` away from the loop (inside work, so on its origin)."""
        return await self._local.in_thread(function, *args)

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (inside work, so on its origin)."""
        await self._local.sleep(seconds)

    async def next_turn(self) -> None:
        """Yield to the loop once (inside work, so on its origin)."""
        await self._local.next_turn()

    async def coalesce(self, seconds: float) -> None:
        """Wait so more joins a batch (inside work, so on its origin)."""
        await self._local.coalesce(seconds)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> None:
        """Call ``callback`` on every node when the origin's timer goes off, at that point of
        the log."""
        number = self._next
        self._next += 1
        origin = self._origin()
        self._timers[number] = (origin, callback)
        if origin == self._node:
            self._local.call_later(seconds, lambda: self._publish(("timer", number)))

    def fired(self, number: int) -> None:
        """Apply a ``timer`` entry."""
        timer = self._timers.pop(number, None)
        if timer is not None:
            timer[1]()

    def node_lost(self, node: str) -> None:
        """``node`` left the network: its work will never end and its timers never go off.
        Each such piece of work fails with :class:`NodeLostError`, in the order it started."""
        for number in [key for key, (origin, _) in self._timers.items() if origin == node]:
            del self._timers[number]
        lost = [key for key, (origin, _) in self._pending.items() if origin == node]
        for number in lost:
            _, done = self._pending.pop(number)
            done(None, NodeLostError(f"node {node} left the network"))
