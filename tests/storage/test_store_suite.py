"""The contract every Store implementation keeps; new backends join the parametrisation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.storage.base import HistoryQueue, Store, StoredMessage
from chinwag.storage.memory import MemoryStore


@pytest.fixture(params=["memory"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    made: Store = MemoryStore(per_target=5)
    yield made
    await made.close()


def message(n: int, target: str = "#lobby") -> StoredMessage:
    return StoredMessage(f"id{n}", fold(target), "ana", 1000.0 + n, f"PRIVMSG {target} :{n}")


async def test_latest_returns_the_newest_oldest_first(store: Store) -> None:
    await store.append([message(1), message(2), message(3)])
    assert [m.msgid for m in await store.latest(fold("#LOBBY"), 2)] == ["id2", "id3"]


async def test_targets_are_kept_apart(store: Store) -> None:
    await store.append([message(1, "#a"), message(2, "#b")])
    assert [m.msgid for m in await store.latest(fold("#a"), 10)] == ["id1"]
    assert await store.latest(fold("#none"), 10) == []


async def test_history_queue_drains_in_order_and_wakes_its_owner_once_per_burst() -> None:
    wakes: list[int] = []
    queue = HistoryQueue(on_first=lambda: wakes.append(1))
    for n in (1, 2):
        tags = {"msgid": f"id{n}", "time": "2026-01-02T03:04:05.678Z"}
        queue.push(fold("#Lobby"), Message("PRIVMSG", ("#Lobby", str(n)), "ana!~a@h", tags))
    assert len(queue) == 2
    assert wakes == [1]
    drained = queue.drain()
    assert [m.msgid for m in drained] == ["id1", "id2"]
    assert drained[0].target == "#lobby"
    assert drained[0].sender == "ana!~a@h"
    assert drained[0].time == 1767323045.678
    assert drained[1].line.endswith("PRIVMSG #Lobby 2")
    assert len(queue) == 0


async def test_memory_store_is_bounded_per_target() -> None:
    bounded = MemoryStore(per_target=3)
    await bounded.append([message(n) for n in range(10)])
    assert [m.msgid for m in await bounded.latest(fold("#lobby"), 10)] == ["id7", "id8", "id9"]
