"""How long history is kept (:mod:`chinwag.server.retention`): one pass deletes what the
``[history]`` limits no longer keep, and callers can wait for passes instead of polling."""

from __future__ import annotations

import asyncio

from chinwag.config import HistorySettings
from chinwag.protocol.casemap import fold
from chinwag.server.retention import Retention
from chinwag.storage.base import StoredMessage
from chinwag.storage.memory import MemoryStore

NOW = 1_800_000_000.0


async def stored(store: MemoryStore, *ages_in_days: float) -> None:
    lobby = fold("#lobby")
    await store.append(
        [
            StoredMessage(f"id{n}", lobby, "ana", NOW - age * 86400, f"line {n}")
            for n, age in enumerate(ages_in_days)
        ]
    )


async def test_a_pass_deletes_by_age_and_by_count() -> None:
    store = MemoryStore()
    await stored(store, 10, 5, 1, 0.5, 0.1)
    by_age = Retention(store, HistorySettings(max_age_days=2), clock=lambda: NOW)
    assert await by_age.prune_once() == 2
    by_count = Retention(store, HistorySettings(max_per_target=1), clock=lambda: NOW)
    assert await by_count.prune_once() == 2
    assert [m.msgid for m in await store.latest(fold("#lobby"), 10)] == ["id4"]


async def test_without_limits_retention_is_off() -> None:
    assert not Retention(MemoryStore(), HistorySettings()).enabled
    assert Retention(MemoryStore(), HistorySettings(max_per_target=5)).enabled


async def test_passed_waits_for_the_run_to_finish_a_pass() -> None:
    store = MemoryStore()
    await stored(store, 10, 0)
    retention = Retention(store, HistorySettings(max_age_days=2), clock=lambda: NOW)
    running = asyncio.create_task(retention.run())
    try:
        await asyncio.wait_for(retention.passed(), 5)
        assert retention.passes == 1
        assert [m.msgid for m in await store.latest(fold("#lobby"), 10)] == ["id1"]
    finally:
        running.cancel()
