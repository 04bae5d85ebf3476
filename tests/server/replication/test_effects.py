"""Deferred work on a node it is not for (chinwag.server.replication.effects): not run, and
dropped quietly, the work it was handed included."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Awaitable
from typing import Any

from chinwag.server.effects import AsyncioEffects
from chinwag.server.replication.effects import ReplicatedEffects


async def test_work_of_another_node_is_not_run_and_what_it_would_await_is_closed() -> None:
    ran: list[str] = []

    async def query() -> str:
        ran.append("query")
        return "rows"

    async def after(work: Awaitable[str]) -> str:  # as HistoryWriter.after wraps a query
        ran.append("after")
        return await work

    published: list[tuple[Any, ...]] = []
    effects = ReplicatedEffects(AsyncioEffects(), "b", lambda: "a", published.append)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        started = effects.run(after(query()), lambda result, error: None)
        gc.collect()
    # Only this test's own: the collection may also find other tests' unclosed sockets.
    assert [str(each.message) for each in warned if "never awaited" in str(each.message)] == []
    assert started is None
    assert ran == []
    assert published == []
    assert effects.pending == 1  # its outcome comes from node a, through the log
