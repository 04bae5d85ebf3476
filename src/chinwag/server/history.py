"""Relayed messages on their way to the store, written in batches off the hot path.

Issue 4: "Writes of messages are batched for throughput but a message is durable before it is
echoed or acknowledged to its sender." The hot path only appends (:meth:`HistoryWriter.push`)
and gets the message's sequence number; the writer hands what queued up to the store in
batches and then tells :class:`~chinwag.server.delivery.Delivery` which sequence number is
durable, which releases the replies held on their senders' gates. Other recipients are not
held: a message reaches the room at once, and only its sender's confirmation waits for the
disk.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message
from chinwag.server.delivery import Delivery
from chinwag.server.effects import Effects
from chinwag.server.state import User
from chinwag.storage.base import Store, StoredMessage, conversation_key, to_stored

log = logging.getLogger("chinwag.server")

T = TypeVar("T")

RETRY_MAX = 30.0
"""Longest pause, in seconds, between attempts to store a batch the store refused."""

COMMIT_SPACING = 0.01
"""Seconds from the start of one history commit to the start of the next, at most one
commit per this while messages keep coming. A lone message is committed at once (the last
commit is long past); under sustained traffic each commit carries every message of its
spacing instead of one or two, which at 1000 messages/s cut the writer's system calls and
thread hand-offs from about 700 commits/s to 100, at the cost of up to this much more wait
for an echo that must be durable first."""


def identity(user: User) -> Folded:
    """Who ``user`` is for history: their account if logged in, else their nick (folded)."""
    return fold(user.account) if user.account else user.folded


def direct_key(sender: User, recipient: Folded) -> Folded:
    """The history target of a direct message from ``sender`` to identity ``recipient``."""
    return conversation_key(identity(sender), recipient)


class HistoryWriter:
    """Messages relayed but not yet stored, and the task that stores them.

    :meth:`push` only appends (the hot path) and returns the message's sequence number. The
    first push after the queue ran dry starts one write for the whole burst; the write
    spaces its commits by :data:`COMMIT_SPACING`, retries a batch the store refuses, and
    after each commit tells ``delivery`` and then calls ``committed`` (the core closes any
    session whose released replies overflowed it).
    """

    __slots__ = (
        "_busy",
        "_clock",
        "_committed",
        "_delivery",
        "_effects",
        "_items",
        "_last_commit",
        "_store",
        "_task",
        "pushed_seq",
    )

    def __init__(
        self,
        store: Store,
        effects: Effects,
        delivery: Delivery,
        clock: Callable[[], float],
        committed: Callable[[], None],
    ) -> None:
        self._store = store
        self._effects = effects
        self._delivery = delivery
        self._clock = clock
        self._committed = committed
        self._items: list[tuple[Folded, Message, bool, Folded | None]] = []
        self._busy = False
        self._task: Awaitable[None] | None = None
        self._last_commit = float("-inf")
        self.pushed_seq = 0
        """Sequence number of the last message pushed."""

    @property
    def committed_seq(self) -> int:
        """Every message up to this sequence number is durable."""
        return self._delivery.committed_seq

    def __len__(self) -> int:
        return len(self._items)

    def push(
        self,
        target: Folded,
        message: Message,
        *,
        event: bool = False,
        offline_for: Folded | None = None,
    ) -> int:
        """Queue one relayed message to ``target``; return its sequence number."""
        self._items.append((target, message, event, offline_for))
        self.pushed_seq += 1
        if not self._busy:
            self._start()
        return self.pushed_seq

    def drain(self) -> tuple[int, list[StoredMessage]]:
        """Take everything queued so far: the last sequence number taken, and the records."""
        items, self._items = self._items, []
        records = [
            to_stored(target, message, event=event, offline_for=offline_for)
            for target, message, event, offline_for in items
        ]
        return self.pushed_seq, records

    def _start(self) -> None:
        self._busy = True
        self._task = self._effects.run(self._write(), self._written)

    async def _write(self) -> None:
        """Hand queued messages to the store in batches until the queue stays empty.

        A batch the store refuses is tried again, with growing pauses, until it is taken:
        its senders' echoes wait meanwhile, because telling them it was kept would be a lie.
        """
        # Let the current burst of lines finish queuing first: one write per burst.
        await self._effects.next_turn()
        while self._items:
            wait = self._last_commit + COMMIT_SPACING - self._clock()
            if wait > 0:
                await self._effects.coalesce(wait)
            self._last_commit = self._clock()
            seq, batch = self.drain()
            pause = 0.5
            while True:
                try:
                    await self._store.append(batch)
                    break
                except Exception:
                    log.exception("could not store %d messages; trying again", len(batch))
                    await self._effects.sleep(pause)
                    pause = min(pause * 2, RETRY_MAX)
            self._delivery.committed(seq)
            self._committed()

    def _written(self, result: object, error: BaseException | None) -> None:
        self._busy = False
        self._task = None
        if isinstance(error, Exception):  # not a cancellation at shutdown
            log.error("history writer stopped: %r", error)
        elif self._items:
            self._start()

    def writing(self) -> Awaitable[None] | None:
        """The write in progress (started if messages are waiting), or ``None`` when
        everything relayed is stored."""
        if not self._busy and self._items:
            self._start()
        return self._task if self._busy else None

    async def stored(self, upto: int | None = None) -> None:
        """Return once everything relayed before this call (or up to sequence number
        ``upto``) is in the store. The application's stop waits here before closing the
        store; tests await it instead of polling the store."""
        target = self.pushed_seq if upto is None else upto
        while self.committed_seq < target:
            writing = self.writing()
            if writing is None:
                break
            await writing
            await self._effects.next_turn()

    async def after(self, work: Awaitable[T], upto: int | None = None) -> T:
        """``work``'s result, once everything relayed before this call (or up to ``upto``)
        is stored: a history query then sees the messages its sender has just said."""
        await self.stored(upto)
        return await work
