"""Relayed messages on their way to the store, and replies that wait for them to get there.

Issue 4: "Writes of messages are batched for throughput but a message is durable before it is
echoed or acknowledged to its sender." The hot path only appends to :class:`HistoryQueue`;
the core writes the queue to the store in batches off that path. Each pushed message gets a
sequence number; a reply that acknowledges one (the echo, a labelled ``ACK``, or anything the
sender is told after it, such as a ``PONG``) is held on the sending session's gate until the
batch holding that number is committed. Other recipients are not held: a message reaches the
room at once, and only its sender's confirmation waits for the disk.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.message import Message
from chinwag.server.replies import settle
from chinwag.server.state import Session, User
from chinwag.storage.base import StoredMessage, conversation_key, to_stored


def identity(user: User) -> Folded:
    """Who ``user`` is for history: their account if logged in, else their nick (folded)."""
    return fold(user.account) if user.account else user.folded


def direct_key(sender: User, recipient: Folded) -> Folded:
    """The history target of a direct message from ``sender`` to identity ``recipient``."""
    return conversation_key(identity(sender), recipient)


class HistoryQueue:
    """Messages relayed but not yet stored, and the replies waiting for them.

    ``push`` only appends (the hot path) and returns the message's sequence number;
    :meth:`drain` hands out what was queued, and :meth:`committed` says everything up to a
    sequence number is durable, which releases the gates. ``on_first`` is called when a push
    finds the queue empty, so the owner schedules one write per burst instead of polling.
    """

    __slots__ = ("_gated", "_items", "committed_seq", "on_first", "pushed_seq")

    def __init__(self, on_first: Callable[[], None] | None = None) -> None:
        self._items: list[tuple[Folded, Message, bool, Folded | None]] = []
        self._gated: dict[int, Session] = {}
        self.on_first = on_first
        self.pushed_seq = 0
        """Sequence number of the last message pushed."""
        self.committed_seq = 0
        """Every message up to this sequence number is durable."""

    def push(
        self,
        target: Folded,
        message: Message,
        *,
        event: bool = False,
        offline_for: Folded | None = None,
    ) -> int:
        """Queue one relayed message to ``target``; return its sequence number."""
        first = not self._items
        self._items.append((target, message, event, offline_for))
        self.pushed_seq += 1
        if first and self.on_first is not None:
            self.on_first()
        return self.pushed_seq

    def drain(self) -> tuple[int, list[StoredMessage]]:
        """Take everything queued so far: the last sequence number taken, and the records."""
        items, self._items = self._items, []
        records = [
            to_stored(target, message, event=event, offline_for=offline_for)
            for target, message, event, offline_for in items
        ]
        return self.pushed_seq, records

    def hold(self, session: Session, seq: int, data: bytes | None) -> None:
        """Queue ``data`` for ``session`` until message ``seq`` (and all before it) is
        durable, behind whatever the session already has waiting. ``None`` stands for
        closing the connection: a session that leaves still gets what was held for it."""
        gate = session.gate
        if gate is None:
            gate = session.gate = deque()
            self._gated[session.id] = session
        if gate:
            seq = max(seq, gate[-1][0])
        gate.append((seq, data))

    def must_hold(self, session: Session, seq: int) -> bool:
        """Whether a reply to ``session`` acknowledging message ``seq`` must wait: it is not
        durable yet, or earlier replies to the session are still waiting."""
        return seq > self.committed_seq or bool(session.gate)

    def committed(self, seq: int) -> None:
        """Everything up to ``seq`` is durable: send the replies that waited for it."""
        self.committed_seq = max(self.committed_seq, seq)
        settle()  # what was relayed before these replies reaches everyone before them
        for session_id, session in list(self._gated.items()):
            gate = session.gate
            if gate is None:
                del self._gated[session_id]
                continue
            while gate and gate[0][0] <= self.committed_seq:
                data = gate.popleft()[1]
                if data is None:
                    session.outbox.close()
                elif data:
                    session.outbox.write(data)
            if not gate:
                session.gate = None
                del self._gated[session_id]

    def __len__(self) -> int:
        return len(self._items)
