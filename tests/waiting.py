"""One way for a test to wait for something that offers no event to await: :func:`until`.

Real programs seen from outside (a tmux pane, WeeChat's logs, a Tk window, a Textual app)
cannot tell a test when they have drawn something; the test looks again until what it waits
for is there, and fails with a description of what it saw when it does not come in time.
Code that can offer a hook (a history write, a retention pass) is awaited instead.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

WAIT = 10.0
"""Seconds to wait before failing, unless a test says otherwise."""


async def until(
    check: Callable[[], T | Awaitable[T]],
    what: str,
    *,
    timeout: float = WAIT,
    step: Callable[[], Awaitable[object]] | None = None,
    describe: Callable[[], str] | None = None,
) -> T:
    """Call ``check`` (a plain or async function) until it returns something true, and
    return that; between looks, ``step()`` lets time pass (50 ms of the event loop unless
    given, such as a Textual pilot's pause). After ``timeout`` seconds, fail with ``what``
    and ``describe()``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if time.monotonic() > deadline:
            seen = f"\n{describe()}" if describe is not None else ""
            raise AssertionError(f"{what}: not seen in {timeout:g}s{seen}")
        await (step() if step is not None else asyncio.sleep(0.05))
