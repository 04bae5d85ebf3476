"""Input that walks a crowd, spaced out so that the rest of the server keeps its turn.

A JOIN to a room of thousands is told to every member and answered with every member's
name: milliseconds of loop time each, proportional to the room. When thousands of clients
join one room within seconds (a JOIN storm), handling each as it arrives would run them back
to back, and a message in another room would wait behind all those that arrived in the same
turn. :class:`CrowdPacer` lets one such line be handled at a time, and after one that took
*t* seconds, none other for another *t* (:data:`REST`): at most about half the loop goes to
the storm, and a message elsewhere waits behind at most one of its lines (issue 20).

The server core says which lines those are (:meth:`chinwag.server.core.ServerCore.crowd_work`);
each connection's :class:`~chinwag.transport.link.Link` asks before handing a line over, and
when the pacer says not yet, keeps that line and the ones after it, stops reading from its peer
and waits in line. Its other lines, and everyone else's, go on as before. The choice of when a
line is handed over is made before the core sees it, so the core stays a function of its
inputs (a cluster's nodes apply the same log whatever each one's pacer did).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Protocol

REST = 1.0
"""After crowd work of *t* seconds, the next waits this many times *t* more."""


class Waiter(Protocol):
    """A connection waiting for its turn at crowd work (a link)."""

    def crowd_turn(self) -> None:
        """It is this connection's turn: handle its crowd line now (the pacer admits it)."""


class CrowdPacer:
    """Admits crowd work one line at a time, first come first served; see the module."""

    __slots__ = ("_admitted", "_free_at", "_loop", "_timer", "_waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: deque[Waiter] = deque()
        self._free_at = 0.0
        """The loop time from which crowd work may start again."""
        self._timer: asyncio.TimerHandle | None = None
        self._admitted: Waiter | None = None
        """The waiter whose turn it is, until it asks."""

    def may_start(self, waiter: Waiter) -> bool:
        """Whether ``waiter`` may handle a crowd line now: it is its turn, or nobody waits and
        the last crowd work has had its rest."""
        if self._admitted is waiter:
            self._admitted = None
            return True
        return not self._waiting and self._admitted is None and self._loop.time() >= self._free_at

    def spent(self, seconds: float) -> None:
        """Crowd work just took ``seconds``: the next waits :data:`REST` times as long."""
        self._free_at = self._loop.time() + seconds * REST

    def wait(self, waiter: Waiter) -> None:
        """Queue ``waiter``; its :meth:`Waiter.crowd_turn` is called when its turn comes."""
        self._waiting.append(waiter)
        self._schedule()

    def forget(self, waiter: Waiter) -> None:
        """``waiter`` is gone (its connection closed): take it out of the line."""
        if self._admitted is waiter:
            self._admitted = None
            self._schedule()
        with contextlib.suppress(ValueError):
            self._waiting.remove(waiter)

    @property
    def waiting(self) -> int:
        """How many connections wait for their turn."""
        return len(self._waiting)

    def _schedule(self) -> None:
        if self._timer is None and self._waiting:
            self._timer = self._loop.call_at(self._free_at, self._next)

    def _next(self) -> None:
        self._timer = None
        if not self._waiting:
            return
        if self._loop.time() < self._free_at:
            self._schedule()  # crowd work ran meanwhile: its rest comes first
            return
        waiter = self._admitted = self._waiting.popleft()
        waiter.crowd_turn()
        if self._admitted is waiter:
            # It did not take its turn (it had nothing to do after all): no turn is lost.
            self._admitted = None
        self._schedule()
