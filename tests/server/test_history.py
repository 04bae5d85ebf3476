"""The writer between relaying a message and storing it.

Issue 4: "a message is durable before it is echoed or acknowledged to its sender." Pushing is
the hot path; the writer drains in batches, stores each, and then tells the core's
:class:`~chinwag.server.delivery.Delivery` which sequence number is durable (the gates that
release are tested in tests/server/test_delivery.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any

from chinwag.protocol.casemap import fold
from chinwag.protocol.message import Message
from chinwag.server.delivery import Delivery
from chinwag.server.effects import AsyncioEffects, Done, Effects, ImmediateEffects
from chinwag.server.history import HistoryWriter, direct_key, identity, remember_conversation
from chinwag.server.state import User
from chinwag.storage.base import (
    HistoryChange,
    StoredMessage,
    account_identity,
    conversation_key,
    session_identity,
)
from chinwag.storage.memory import MemoryStore


class Runs(ImmediateEffects):
    """Deferred work that waits until the test runs it; counts how often work was started."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Coroutine[Any, Any, Any], Done]] = []

    def run(self, work: Coroutine[Any, Any, Any], done: Done) -> Awaitable[None] | None:
        self.waiting.append((work, done))
        return None

    def go(self) -> None:
        while self.waiting:
            super().run(*self.waiting.pop(0))

    def drop(self) -> None:
        """Forget the work never run (a test that looked only at the queue)."""
        for work, _ in self.waiting:
            work.close()
        self.waiting.clear()


class Recording(MemoryStore):
    """A memory store that keeps each batch it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    async def append(
        self, messages: Sequence[StoredMessage], changes: Sequence[HistoryChange] = ()
    ) -> None:
        self.batches.append([m.msgid for m in messages])
        await super().append(messages, changes)


def writer(
    store: MemoryStore | None = None, effects: Effects | None = None
) -> tuple[HistoryWriter, Delivery, list[int]]:
    """A writer on ``store`` and ``effects``; the list counts its after-commit calls."""
    delivery = Delivery()
    commits: list[int] = []
    history = HistoryWriter(
        store or MemoryStore(),
        effects or Runs(),
        delivery,
        lambda: 0.0,
        lambda: commits.append(delivery.committed_seq),
    )
    return history, delivery, commits


def privmsg(n: int, **tags: str) -> Message:
    stamped = {"msgid": f"id{n}", "time": "2026-01-02T03:04:05.678Z", **tags}
    return Message("PRIVMSG", ("#Lobby", str(n)), "ana!~a@h", stamped)


# -- queueing and draining ---------------------------------------------------------------------


def test_push_numbers_messages_and_drain_takes_them_in_order_as_history_records() -> None:
    runs = Runs()
    queue, _, _ = writer(effects=runs)
    assert queue.push(fold("#Lobby"), privmsg(1)) == 1
    assert queue.push(fold("#Lobby"), privmsg(2, account="Ana"), event=True) == 2
    assert queue.push(fold("ana bo"), privmsg(3), offline_for=fold("bo")) == 3
    assert len(queue) == 3

    last, records = queue.drain()

    assert last == 3
    assert len(queue) == 0
    assert [r.msgid for r in records] == ["id1", "id2", "id3"]
    first = records[0]
    assert (first.target, first.sender, first.time) == ("#lobby", "ana!~a@h", 1767323045.678)
    assert first.line.endswith("PRIVMSG #Lobby 1")
    assert (first.account, first.event, first.offline_for) == (None, False, None)
    assert (records[1].account, records[1].event) == ("Ana", True)
    assert (records[2].target, records[2].offline_for) == ("ana bo", "bo")
    runs.drop()


def test_sequence_numbers_go_on_across_drains() -> None:
    runs = Runs()
    queue, _, _ = writer(effects=runs)
    queue.push(fold("#a"), privmsg(1))
    queue.drain()
    assert queue.push(fold("#a"), privmsg(2)) == 2
    assert queue.drain()[0] == 2
    assert queue.drain() == (2, [])
    runs.drop()


def test_one_write_is_started_per_burst_and_stores_the_whole_burst() -> None:
    store = Recording()
    runs = Runs()
    history, delivery, commits = writer(store, runs)
    history.push(fold("#a"), privmsg(1))
    history.push(fold("#a"), privmsg(2))
    assert len(runs.waiting) == 1

    runs.go()

    assert store.batches == [["id1", "id2"]]
    assert delivery.committed_seq == history.committed_seq == 2
    assert commits == [2]
    history.push(fold("#a"), privmsg(3))
    assert len(runs.waiting) == 1  # a new burst, a new write
    runs.go()
    assert store.batches == [["id1", "id2"], ["id3"]]
    assert commits == [2, 3]


def test_a_batch_the_store_refuses_is_not_called_durable() -> None:
    class Failing(MemoryStore):
        async def append(
            self, messages: Sequence[StoredMessage], changes: Sequence[HistoryChange] = ()
        ) -> None:
            raise OSError("disk on fire")

    runs = Runs()
    history, delivery, commits = writer(Failing(), runs)
    history.push(fold("#a"), privmsg(1))
    runs.go()  # the retry wants to wait, which ImmediateEffects refuses: the write stops
    assert delivery.committed_seq == 0
    assert commits == []


async def test_stored_returns_once_everything_pushed_is_in_the_store() -> None:
    store = Recording()
    history, _, _ = writer(store, AsyncioEffects())
    for n in range(5):
        history.push(fold("#a"), privmsg(n))
    await history.stored()
    assert [msgid for batch in store.batches for msgid in batch] == [f"id{n}" for n in range(5)]
    assert await history.after(asyncio.sleep(0, "asked")) == "asked"


async def test_stored_returns_at_the_commit_it_waits_for_while_traffic_goes_on() -> None:
    """Issue 20: a JOIN's replay waits for what was said before it to be stored, not for a
    lull in the whole server's traffic (the writer never stops while messages keep coming)."""
    release = asyncio.Event()

    class Busy(Recording):
        async def append(
            self, messages: Sequence[StoredMessage], changes: Sequence[HistoryChange] = ()
        ) -> None:
            if not self.batches:
                history.push(fold("#b"), privmsg(2))  # traffic goes on during the commit
            else:
                await release.wait()  # ...and the next commit takes its time
            await super().append(messages, changes)

    store = Busy()
    history, _, _ = writer(store, AsyncioEffects())
    history.push(fold("#a"), privmsg(1))

    await asyncio.wait_for(history.stored(upto=1), 5)

    assert store.batches == [["id1"]]
    assert history.writing() is not None  # still storing message 2
    release.set()
    await history.stored()
    assert store.batches == [["id1"], ["id2"]]


# -- whose conversation ------------------------------------------------------------------------


def test_a_user_is_known_by_account_id_when_logged_in_and_by_a_token_of_their_own_otherwise() -> (
    None
):
    ana = User("Ana", "~a", "h", "Ana")
    again = User("Ana", "~a", "h", "Ana")
    assert identity(ana) == session_identity(ana.token)
    assert identity(ana) != identity(again)  # the nick is nobody's identity
    assert direct_key(ana, fold("a:1")) == conversation_key(fold("a:1"), identity(ana))
    ana.account, ana.account_id = "Zed", "1f2e"
    assert identity(ana) == account_identity("1f2e")
    assert direct_key(ana, fold("s:bo")) == "a:1f2e s:bo"


async def test_stored_waits_for_a_departed_users_conversations_to_be_deleted() -> None:
    store = Recording()
    history, _, _ = writer(store, AsyncioEffects())
    carol, dave = User("carol", "~c", "h", "C"), User("dave", "~d", "h", "D")
    key = direct_key(carol, identity(dave))
    history.push(key, privmsg(1))
    await history.stored()
    assert [m.msgid for m in await store.latest(key, 5)] == ["id1"]
    remember_conversation(carol, key)

    history.forget(carol)  # she quit: the stop waits for this before closing the store
    await history.stored()

    assert await store.latest(key, 5) == []
    assert carol.conversations is None
