"""How the sans-I/O core gets work done that must wait: store queries, password hashing.

The core never awaits. A handler that needs the store (or a CPU-heavy hash) hands a coroutine
to :meth:`Effects.run` together with what to do with its outcome; the application's
:class:`AsyncioEffects` runs it as a task, and the in-memory test harness uses
:class:`ImmediateEffects`, which runs it to completion on the spot (everything it awaits is
already finished there: an in-memory store and hashing done in the caller's thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

Done = Callable[[Any, BaseException | None], None]
"""Called with the result and ``None``, or with ``None`` and the exception that ended it."""


class Effects(Protocol):
    """Runs the core's deferred work; see the module docstring."""

    def run(self, work: Coroutine[Any, Any, Any], done: Done) -> Awaitable[None] | None:
        """Start ``work``; call ``done`` with its outcome when it ends.

        Returns something the caller may await to wait for the end (the application's stop
        does), or ``None`` when the work already ended.
        """

    async def in_thread(self, function: Callable[..., T], *args: Any) -> T:
        """Run a blocking ``function`` (argon2 hashing) away from the event loop."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (between retries of a failed history write)."""

    async def next_turn(self) -> None:
        """Let the rest of this loop turn run first, so a burst is handled as one batch."""

    def call_later(self, seconds: float, callback: Callable[[], None]) -> None:
        """Call ``callback`` in about ``seconds`` (fakelag's release of held lines). Unlike
        :meth:`run`, nothing waits for it at stop: a timer of a closed session does nothing."""

    async def coalesce(self, seconds: float) -> None:
        """Wait up to ``seconds`` only so that more work joins a batch (spacing history
        commits); a caller must be correct whether or not any time passes."""


class AsyncioEffects:
    """Deferred work as asyncio tasks, blocking calls in the default thread pool."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def run(self, work: Coroutine[Any, Any, Any], done: Done) -> Awaitable[None] | None:
        """Start ``work`` as a task; ``done`` runs in the loop when it finishes."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # the loop keeps only weak references to tasks

        def finished(task: asyncio.Task[Any]) -> None:
            self._tasks.discard(task)
            if task.cancelled():
                done(None, asyncio.CancelledError())
            elif (error := task.exception()) is not None:
                done(None, error)
            else:
                done(task.result(), None)

        task.add_done_callback(finished)
        return task

    async def in_thread(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` with :func:`asyncio.to_thread`."""
        return await asyncio.to_thread(function, *args)

    async def sleep(self, seconds: float) -> None:
        """:func:`asyncio.sleep`."""
        await asyncio.sleep(seconds)

    async def next_turn(self) -> None:
        """Yield to the loop once."""
        await asyncio.sleep(0)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> None:
        """:meth:`asyncio.loop.call_later`."""
        asyncio.get_running_loop().call_later(seconds, callback)

    async def coalesce(self, seconds: float) -> None:
        """:func:`asyncio.sleep`."""
        await asyncio.sleep(seconds)

    async def wait_idle(self) -> None:
        """Wait until every task started so far (and any they start) has finished."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))


class ImmediateEffects:
    """Deferred work run to completion at once, for the in-memory harness and tools.

    Only work that never really suspends can run here (an in-memory store does not);
    anything that does is a mistake in the test and raises ``RuntimeError``.
    """

    def run(self, work: Coroutine[Any, Any, Any], done: Done) -> Awaitable[None] | None:
        """Run ``work`` now and call ``done`` before returning."""
        try:
            work.send(None)
        except StopIteration as stop:
            done(stop.value, None)
            return None
        except Exception as error:
            done(None, error)
            return None
        work.close()
        raise RuntimeError("ImmediateEffects cannot run work that waits for I/O")

    async def in_thread(self, function: Callable[..., T], *args: Any) -> T:
        """Call ``function`` in this thread."""
        return function(*args)

    async def sleep(self, seconds: float) -> None:
        """Refuse: there is no loop to wait in, and retrying at once would never end."""
        raise RuntimeError("ImmediateEffects cannot wait")

    async def next_turn(self) -> None:
        """Return at once."""

    def call_later(self, seconds: float, callback: Callable[[], None]) -> None:
        """Do nothing: there is no loop to wait in. The harness moves its clock and calls
        the core's ``tick``, which does what the timer would have."""

    async def coalesce(self, seconds: float) -> None:
        """Return at once: with nothing running in between, waiting would gather nothing."""
