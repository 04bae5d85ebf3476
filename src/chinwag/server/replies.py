"""Getting messages to sessions: tags filtered by capability, labels, batches, server-time.

Everything that decides which tags a session sees lives here, once:
- ``time`` needs server-time, ``account`` needs account-tag, ``batch`` needs batch,
  ``label`` needs labeled-response, every other tag (``msgid``, ``bot``, client-only ``+tags``)
  needs message-tags (https://ircv3.net/specs/extensions/message-tags).
- a command that carried a ``label`` gets its replies labelled: none gives ``ACK``, one gets
  the tag, several are wrapped in a ``labeled-response`` batch
  (https://ircv3.net/specs/extensions/labeled-response).

:func:`deliver` is the fan-out primitive: it serializes a message once per distinct tag mask
and queues the bytes on each outbox without awaiting anyone (design.md rule 5).
:func:`deliver_to_channel` does the same for channel messages, and within a slice of input
collects consecutive messages to one channel into a run that each member gets in one write;
every other write settles the run first (:func:`settle`), so nobody can tell it was batched.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chinwag.protocol.message import Message
from chinwag.server.state import (
    TAG_ACCOUNT,
    TAG_BATCH,
    TAG_LABEL,
    TAG_MESSAGE_TAGS,
    TAG_SERVER_TIME,
    Session,
)

if TYPE_CHECKING:
    from chinwag.server.history import HistoryQueue

_TAG_BIT = {"time": TAG_SERVER_TIME, "account": TAG_ACCOUNT, "batch": TAG_BATCH, "label": TAG_LABEL}

_batch_ids = itertools.count(1)

LIST_BUDGET = 400
"""Bytes of list items (names, channels, nicks, capabilities) per reply line, leaving room
for the prefix and the other parameters."""


_last_stamp: list[object] = [-1, "", -1, ""]
"""The last (millisecond, text, second, text up to the seconds) :func:`server_time` made: a
burst in one millisecond formats the time once, and a steady stream formats the date and
time of day once a second and only the milliseconds per message."""


def server_time(timestamp: float | None = None) -> str:
    """A ``time`` tag value: UTC, millisecond precision (server-time spec)."""
    millis = int((time.time() if timestamp is None else timestamp) * 1000)
    stamp = _last_stamp
    if millis == stamp[0]:
        return str(stamp[1])
    seconds = millis // 1000
    if seconds != stamp[2]:
        moment = datetime.fromtimestamp(seconds, UTC)
        stamp[2], stamp[3] = seconds, moment.strftime("%Y-%m-%dT%H:%M:%S.")
    text = f"{stamp[3]}{millis % 1000:03d}Z"
    stamp[0], stamp[1] = millis, text
    return text


_MSGID_PREFIX = secrets.token_urlsafe(9)
"""72 random bits chosen at start-up; with a counter after it every msgid is unique without
asking the operating system for randomness per message (message-ids asks only for
uniqueness; history stores msgids UNIQUE across restarts, which the random part covers)."""

_msgid_counter = itertools.count(1)


def new_msgid() -> str:
    """A fresh message id, unique across servers and restarts (message-ids spec)."""
    return f"{_MSGID_PREFIX}{next(_msgid_counter):x}"


def new_batch_id() -> str:
    """A batch reference tag unique on this server."""
    return f"b{next(_batch_ids)}"


def event_tags(account: str | None = None) -> dict[str, str]:
    """The tags every relayed event carries: ``time``, ``msgid`` and ``account`` if any."""
    tags = {"time": server_time(), "msgid": new_msgid()}
    if account:
        tags["account"] = account
    return tags


def tag_mask_needed(message: Message) -> int:
    """Which tag-mask bits matter for this message: two sessions that agree on them get
    the same bytes."""
    needed = 0
    for key in message.tags:
        needed |= _TAG_BIT.get(key, TAG_MESSAGE_TAGS)
    return needed


def serialize_for(message: Message, mask: int) -> bytes:
    """The bytes of ``message`` for a session with tag mask ``mask``."""
    if not message.tags:
        return message.to_bytes()
    if not mask:
        return Message(message.command, message.params, message.source).to_bytes()
    kept = {
        key: value
        for key, value in message.tags.items()
        if mask & _TAG_BIT.get(key, TAG_MESSAGE_TAGS)
    }
    if len(kept) == len(message.tags):
        return message.to_bytes()
    return Message(message.command, message.params, message.source, kept).to_bytes()


def deliver(sessions: Iterable[Session], message: Message) -> None:
    """Queue ``message`` on every session, serialized once per distinct tag mask."""
    settle()
    _deliver(sessions, message, None)


def _deliver(sessions: Iterable[Session], message: Message, exclude: Session | None) -> None:
    needed = tag_mask_needed(message)
    cache: dict[int, bytes] = {}
    for session in sessions:
        if session is exclude:
            continue
        key = session.tag_mask & needed
        data = cache.get(key)
        if data is None:
            data = cache[key] = serialize_for(message, key)
        session.outbox.write(data)


def send(session: Session, message: Message) -> None:
    """Queue one message on one session."""
    settle()
    session.outbox.write(serialize_for(message, session.tag_mask))


class _ChannelRun:
    """Consecutive messages to one channel, collected within one batch (:func:`begin_batch`).

    ``sessions`` is the channel's member list (:attr:`Channel.all_sessions`) and each message
    is kept with the session that sent it, which does not hear it.
    """

    __slots__ = ("messages", "senders", "sessions")

    def __init__(self, sessions: list[Session], message: Message, sender: Session) -> None:
        self.sessions = sessions
        self.messages = [message]
        self.senders = [sender]

    def deliver(self) -> None:
        """Queue the run on every member: one write per member of the whole run."""
        messages, senders = self.messages, self.senders
        if len(messages) == 1:
            _deliver(self.sessions, messages[0], senders[0])
            return
        needs = [tag_mask_needed(message) for message in messages]
        caches: list[dict[int, bytes]] = [{} for _ in messages]
        by_mask: dict[int, list[bytes]] = {}
        joined: dict[int, bytes] = {}
        speakers = set(senders)

        def serialized(mask: int) -> list[bytes]:
            lines = by_mask.get(mask)
            if lines is None:
                lines = by_mask[mask] = []
                for message, needed, cache in zip(messages, needs, caches, strict=True):
                    key = mask & needed
                    data = cache.get(key)
                    if data is None:
                        data = cache[key] = serialize_for(message, key)
                    lines.append(data)
            return lines

        for session in self.sessions:
            mask = session.tag_mask
            if session in speakers:
                lines = zip(serialized(mask), senders, strict=True)
                data = b"".join([line for line, sender in lines if sender is not session])
                if not data:
                    continue
            else:
                whole = joined.get(mask)
                if whole is None:
                    whole = joined[mask] = b"".join(serialized(mask))
                data = whole
            session.outbox.write(data)


_run: _ChannelRun | None = None
"""The channel run being collected, if any."""

_batching = 0
"""How many batches (:func:`begin_batch`) are open."""


def deliver_to_channel(members: list[Session], message: Message, sender: Session) -> None:
    """Queue ``message`` from ``sender`` on every other session of ``members`` (a channel's
    :attr:`~chinwag.server.state.Channel.all_sessions`).

    Inside a batch (:func:`begin_batch`), consecutive messages to the same member list are
    collected and queued together when anything else is about to be written: a paste of
    fifty lines to a room of a hundred is a hundred writes of the fifty lines joined, not
    five thousand. What
    each member receives, and in which order, is the same as delivering each message at once:
    every other write to an outbox settles the run first (:func:`settle`).
    """
    global _run
    run = _run
    if run is not None:
        if run.sessions is members:
            run.messages.append(message)
            run.senders.append(sender)
            return
        settle()
    if _batching:
        _run = _ChannelRun(members, message, sender)
    else:
        _deliver(members, message, sender)


def settle() -> None:
    """Queue the channel run being collected, if any; call before any other outbox write."""
    global _run
    while _run is not None:
        run, _run = _run, None
        run.deliver()


def begin_batch() -> None:
    """Start collecting channel runs (:func:`deliver_to_channel`) until :func:`end_batch`.

    Plain functions rather than a context manager: the core opens a batch for every slice
    of input it receives, and a generator-based ``with`` costs a microsecond each time.
    """
    global _batching
    _batching += 1


def end_batch() -> None:
    """End a batch begun with :func:`begin_batch` and queue what it collected."""
    global _batching
    _batching -= 1
    settle()


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
    groups: list[list[str]] = []
    size = 0
    for item in items:
        if not groups or size + len(item) + 1 > budget:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += len(item) + 1
    return groups


class ReplyBuffer:
    """The replies a command produces for the session that sent it.

    Handlers append; the dispatcher calls :meth:`flush` once the handler returns, which is
    where the label and the labeled-response batch are applied.
    """

    __slots__ = ("durable_seq", "history", "label", "messages", "server_name", "session")

    def __init__(
        self,
        session: Session,
        server_name: str,
        label: str | None,
        history: HistoryQueue | None = None,
    ) -> None:
        self.session = session
        self.server_name = server_name
        self.label = label if label and session.has("labeled-response") else None
        self.messages: list[Message] = []
        self.history = history
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
    def batch(self, kind: str, *params: str) -> Iterator[None]:
        """Make the messages added inside the ``with`` block one batch of type ``kind``
        (https://ircv3.net/specs/extensions/batch); a session without the batch capability
        gets them as they are. The batch is sent even when empty, as some specs require."""
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
            Message("BATCH", ("+" + ref, kind, *params), self.server_name),
            *inner,
            Message("BATCH", ("-" + ref,), self.server_name),
        ]

    def flush(self) -> None:
        """Send what was queued, labelled as the labeled-response spec asks.

        Every message is serialized before any is written, so a message that cannot be sent
        raises ``ValueError`` with nothing sent (the caller answers the command with an error
        instead). Nothing is sent to a session that was closed meanwhile (its ``ERROR`` was
        the last word). Replies that acknowledge a message not yet durable, or that follow
        such replies, wait on the session's gate.
        """
        messages, self.messages = self.messages, []
        session = self.session
        if session.closed:
            return
        if self.label is not None:
            messages = self._labelled(messages)
        mask = session.tag_mask
        data = [serialize_for(message, mask) for message in messages]
        history = self.history
        if history is not None and history.must_hold(session, self.durable_seq):
            # Held even when empty, so that whatever the session is told next (a PONG) is
            # not an acknowledgement sent before the message is durable.
            history.hold(session, self.durable_seq, b"".join(data))
            return
        settle()
        for item in data:
            session.outbox.write(item)

    def _labelled(self, messages: list[Message]) -> list[Message]:
        """``messages`` with the label applied: ACK, a tag, or a labeled-response batch."""
        label = {"label": self.label or ""}
        if not messages:
            return [Message("ACK", (), self.server_name, label)]
        if len(messages) == 1:
            return [messages[0].with_tags(label)]
        if not self.session.has("batch"):
            return messages
        ref = new_batch_id()
        return [
            Message("BATCH", ("+" + ref, "labeled-response"), self.server_name, label),
            # A message in a nested batch keeps its tag; the nested BATCH lines join ours.
            *(m if "batch" in m.tags else m.with_tags({"batch": ref}) for m in messages),
            Message("BATCH", ("-" + ref,), self.server_name),
        ]
