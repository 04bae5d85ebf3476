"""An in-process :class:`~chinwag.storage.base.Store`: recent history per target, bounded.

Nothing survives a restart; it is the default until a persistent store is configured, and the
reference implementation for the shared store test suite.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from chinwag.protocol.casemap import Folded
from chinwag.storage.base import StoredMessage


class MemoryStore:
    """Keeps the last ``per_target`` messages of every channel and conversation."""

    def __init__(self, per_target: int = 1000) -> None:
        self.per_target = per_target
        self._history: dict[Folded, deque[StoredMessage]] = {}

    async def append(self, messages: Sequence[StoredMessage]) -> None:
        """Keep ``messages``, dropping the oldest of a target beyond ``per_target``."""
        for message in messages:
            history = self._history.get(message.target)
            if history is None:
                history = self._history[message.target] = deque(maxlen=self.per_target)
            history.append(message)

    async def latest(self, target: Folded, limit: int) -> list[StoredMessage]:
        """The last ``limit`` messages to ``target``, oldest first."""
        history = self._history.get(target)
        if not history or limit <= 0:
            return []
        return list(history)[-limit:]

    async def close(self) -> None:
        """Forget everything."""
        self._history.clear()
