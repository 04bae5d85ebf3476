"""The contract every Store implementation keeps; new backends join the parametrisation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.storage.base import HistoryQueue, Store, StoredMessage
from chinwag.storage.memory import MemoryStore
from chinwag.storage.sqlite import SqliteStore


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    made: Store
    if request.param == "memory":
        made = MemoryStore(per_target=5)
    else:
        made = await SqliteStore.open(tmp_path / "chinwag.db")
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


async def test_a_stored_message_comes_back_exactly_as_it_went_in(store: Store) -> None:
    sent = StoredMessage(
        "AbC-123", fold("#Café"), "Ana!~a@host", 1767323045.678901, "@time=x :Ana PRIVMSG #Café :hé"
    )
    await store.append([sent])
    assert await store.latest(fold("#café"), 1) == [sent]


async def test_messages_of_the_same_instant_keep_the_order_they_were_appended_in(
    store: Store,
) -> None:
    same = [StoredMessage(f"id{n}", fold("#a"), "ana", 1000.0, f"line {n}") for n in range(4)]
    await store.append(same[:2])
    await store.append(same[2:])
    assert [m.msgid for m in await store.latest(fold("#a"), 3)] == ["id1", "id2", "id3"]


async def test_messages_without_a_msgid_are_all_kept(store: Store) -> None:
    await store.append([StoredMessage("", fold("#a"), "ana", 1000.0 + n, str(n)) for n in (1, 2)])
    assert [(m.msgid, m.line) for m in await store.latest(fold("#a"), 5)] == [("", "1"), ("", "2")]


async def test_a_limit_of_zero_or_less_returns_nothing(store: Store) -> None:
    await store.append([message(1), message(2)])
    assert await store.latest(fold("#lobby"), 0) == []
    assert await store.latest(fold("#lobby"), -1) == []


async def test_an_empty_batch_is_fine(store: Store) -> None:
    await store.append([])
    assert await store.latest(fold("#lobby"), 5) == []


async def test_closing_again_does_nothing(store: Store) -> None:
    await store.close()
    await store.close()


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
