"""The ``Store`` interface the server persists through (design.md section 2, rule 8).

The server core never awaits storage: it appends :class:`StoredMessage` values to a
:class:`HistoryQueue` on the hot path, and the application writes the queue to the store in
batches off that path. Every implementation is tested by tests/storage/test_store_suite.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chinwag.protocol.casemap import Folded
from chinwag.protocol.message import Message


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One relayed PRIVMSG/NOTICE/TAGMSG as history keeps it.

    ``target`` is the folded channel name, or for a direct message the folded nick of the
    recipient; ``line`` is the full message as relayed (tags included), so a replay can be
    exact; ``time`` is the Unix time it was relayed.
    """

    msgid: str
    target: Folded
    sender: str
    time: float
    line: str


def to_stored(target: Folded, message: Message) -> StoredMessage:
    """The history record of a relayed ``message`` (which carries ``msgid`` and ``time``)."""
    tags = message.tags
    stamp = tags.get("time")
    when = datetime.fromisoformat(stamp).timestamp() if stamp else time.time()
    return StoredMessage(
        tags.get("msgid", ""), target, message.source or "", when, message.to_line()
    )


class StoreError(Exception):
    """A store that cannot be opened or used; the message names the file or server and why."""


class Store(Protocol):
    """Where history goes. Implementations: SQLite (default), memory (tests), later PostgreSQL."""

    async def append(self, messages: Sequence[StoredMessage]) -> None:
        """Persist ``messages`` (already in order); returns once they are durable.

        A batch is all or nothing: if the store refuses one message it raises and keeps none.
        """

    async def latest(self, target: Folded, limit: int) -> list[StoredMessage]:
        """The last ``limit`` messages to ``target``, oldest first."""

    async def close(self) -> None:
        """Release resources; only another ``close`` may follow, and it does nothing."""


class HistoryQueue:
    """Messages relayed but not yet handed to the store; filled without awaiting.

    ``push`` only appends (the hot path); ``drain`` turns what was queued into
    :class:`StoredMessage` values, off that path. ``on_first`` is called when a push finds the
    queue empty, so the owner can schedule one drain per burst instead of polling.
    """

    __slots__ = ("_items", "on_first")

    def __init__(self, on_first: Callable[[], None] | None = None) -> None:
        self._items: list[tuple[Folded, Message]] = []
        self.on_first = on_first

    def push(self, target: Folded, message: Message) -> None:
        """Queue one relayed message to ``target``."""
        if not self._items and self.on_first is not None:
            self.on_first()
        self._items.append((target, message))

    def drain(self) -> list[StoredMessage]:
        """Take everything queued so far, as values ready for :meth:`Store.append`."""
        items, self._items = self._items, []
        return [to_stored(target, message) for target, message in items]

    def __len__(self) -> int:
        return len(self._items)
