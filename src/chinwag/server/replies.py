"""A command's replies to its sender: labels, batches, and what a reply line may hold.

A command that carried a ``label`` gets its replies labelled: none gives ``ACK``, one gets the
tag, several are wrapped in a ``labeled-response`` batch
(https://ircv3.net/specs/extensions/labeled-response). Replies go out through the core's
:class:`~chinwag.server.delivery.Delivery`, which holds them while a message they acknowledge
is not yet durable.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import accumulate

from chinwag.protocol.caps import MULTILINE
from chinwag.protocol.message import Message
from chinwag.server.delivery import Delivery
from chinwag.server.state import Session
from chinwag.server.tags import new_batch_id, serialize_for

LIST_BUDGET = 400
"""Bytes of list items (names, channels, nicks, capabilities) per reply line, leaving room
for the prefix and the other parameters."""


def sendable(param: str) -> bool:
    """Whether ``param`` can be sent as a middle parameter: non-empty, no space, no leading
    ``:``."""
    return bool(param) and param[0] != ":" and " " not in param


def safe_param(param: str) -> str:
    """``param`` if it can be sent as a middle parameter, else ``*``.

    Replies often echo what the peer sent (a nick, a target, a server name); when that
    cannot be a middle parameter (empty, starting with ``:``, holding a space) the reply
    shows ``*`` in its place, as Ergo's ``SafeErrorParam`` does.
    """
    return param if sendable(param) else "*"


def pack(items: Iterable[str], budget: int = LIST_BUDGET) -> list[list[str]]:
    """``items`` in order, grouped so each group fits one reply line.

    Each item counts its length plus one for the separator; a group is closed when the next
    item would take it past ``budget``. An item longer than the budget gets a group of its
    own. No items give no groups (a caller that must still send one line adds it).
    """
    chosen = items if isinstance(items, list) else list(items)
    # Running totals, then one search per group rather than a step per item: NAMES of a room
    # of thousands is packed for every JOIN to it (issue 20).
    lengths = list(accumulate(map(len, chosen)))
    positions = range(len(chosen))

    def end(index: int) -> int:
        """Where item ``index`` ends in the whole list, separators counted."""
        return lengths[index] + index + 1

    groups: list[list[str]] = []
    start = 0
    used = 0
    while start < len(chosen):
        stop = max(bisect_right(positions, used + budget, lo=start, key=end), start + 1)
        groups.append(chosen[start:stop])
        used = end(stop - 1)
        start = stop
    return groups


class ReplyBuffer:
    """The replies a command produces for the session that sent it.

    Handlers append; the core calls :meth:`flush` once the handler returns, which is where
    the label and the labeled-response batch are applied.
    """

    __slots__ = ("delivery", "durable_seq", "label", "messages", "server_name", "session")

    def __init__(
        self, session: Session, delivery: Delivery, server_name: str, label: str | None
    ) -> None:
        self.session = session
        self.delivery = delivery
        self.server_name = server_name
        self.label = label if label and session.has("labeled-response") else None
        self.messages: list[Message] = []
        self.durable_seq = 0
        """The history sequence number these replies acknowledge: they are held until it is
        durable (see :mod:`chinwag.server.history`)."""

    def after_commit(self, seq: int) -> None:
        """Hold these replies until history message ``seq`` is durable."""
        self.durable_seq = max(self.durable_seq, seq)

    def add(self, message: Message) -> None:
        """Queue a message for this session as part of the command's response."""
        self.messages.append(message)

    def numeric(self, code: str, *params: str) -> None:
        """Queue a numeric reply addressed to this session's nick (or ``*``).

        Middle parameters that cannot be sent (see :func:`safe_param`) are shown as ``*``.
        """
        *middle, last = (self.session.target, *params)
        shown = (*(safe_param(param) for param in middle), last)
        self.messages.append(Message(code, shown, self.server_name))

    @contextmanager
    def batch(self, kind: str, *params: str, tags: dict[str, str] | None = None) -> Iterator[None]:
        """Make the messages added inside the ``with`` block one batch of type ``kind``
        (https://ircv3.net/specs/extensions/batch); a session without the batch capability
        gets them as they are. The batch is sent even when empty, as some specs require.
        ``tags`` go on the opening ``BATCH`` line (e.g. ``draft/chathistory-end``)."""
        start = len(self.messages)
        yield
        if not self.session.has("batch"):
            return
        ref = new_batch_id()
        inner = [
            message if "batch" in message.tags else message.with_tags({"batch": ref})
            for message in self.messages[start:]
        ]
        self.messages[start:] = [
            Message("BATCH", ("+" + ref, kind, *params), self.server_name).with_tags(tags or {}),
            *inner,
            Message("BATCH", ("-" + ref,), self.server_name),
        ]

    def flush(self) -> None:
        """Send what was queued, labelled as the labeled-response spec asks.

        Every message is serialized before any is written, so a message that cannot be sent
        raises ``ValueError`` with nothing sent (the caller answers the command with an error
        instead). Nothing is sent to a session that was closed meanwhile (its ``ERROR`` was
        the last word), nor made for one whose connection is on another node.
        """
        messages, self.messages = self.messages, []
        session = self.session
        if session.closed or session.remote:
            return  # its node sends it its replies (a cluster, docs/scaling.md)
        if self.label is not None:
            messages = self._labelled(messages)
        mask = session.tag_mask
        lines = [serialize_for(message, mask) for message in messages]
        self.delivery.reply(session, lines, self.durable_seq)

    def _labelled(self, messages: list[Message]) -> list[Message]:
        """``messages`` with the label applied: ACK, a tag, or a labeled-response batch."""
        label = {"label": self.label or ""}
        if not messages:
            return [Message("ACK", (), self.server_name, label)]
        if len(messages) == 1 or _one_multiline_batch(messages):
            # An echoed multiline message: the label on its opening BATCH alone
            # (https://ircv3.net/specs/extensions/multiline, "Labeled response").
            return [messages[0].with_tags(label), *messages[1:]]
        if not self.session.has("batch"):
            return messages
        ref = new_batch_id()
        return [
            Message("BATCH", ("+" + ref, "labeled-response"), self.server_name, label),
            # A message in a nested batch keeps its tag; the nested BATCH lines join ours.
            *(m if "batch" in m.tags else m.with_tags({"batch": ref}) for m in messages),
            Message("BATCH", ("-" + ref,), self.server_name),
        ]


def _one_multiline_batch(messages: list[Message]) -> bool:
    """Whether ``messages`` are exactly one ``draft/multiline`` batch, opening to end."""
    first, last = messages[0], messages[-1]
    if first.command != "BATCH" or len(first.params) < 2 or first.params[1] != MULTILINE:
        return False
    ref = first.params[0][1:]
    return (
        last.command == "BATCH"
        and last.params[:1] == ("-" + ref,)
        and all(message.tags.get("batch") == ref for message in messages[1:-1])
    )
