"""Received multiline messages (IRCv3 ``draft/multiline``) put back together.

Spec: https://ircv3.net/specs/extensions/multiline ("When receiving a well-formed multiline
message batch, implementations MUST collect each PRIVMSG message content and wait until the
full batch has been received"). The facade (:class:`~chinwag.client.protocol.ClientProtocol`)
hands every ``BATCH`` line and every line tagged with a batch reference to
:class:`Assembler` first: the lines of a ``draft/multiline`` batch are kept, not shown one by
one, and its end gives one PRIVMSG (or NOTICE) whose text is the whole message, line feeds
included, with the tags of the opening ``BATCH`` (msgid, time, account, and the ``batch`` of
an enclosing history batch). The facade then handles it as any message, live or replayed.
Sans-I/O: no asyncio, no socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chinwag.protocol import multiline as ml
from chinwag.protocol.message import Message as IrcMessage

MAX_OPEN = 8
"""Multiline batches a server may keep open at once; a further one is not collected."""


@dataclass
class _Open:
    opening: IrcMessage
    lines: list[ml.Line] = field(default_factory=list)
    command: str = "PRIVMSG"
    source: str | None = None


class Assembler:
    """The multiline batches the server has opened and not yet closed, on one connection."""

    def __init__(self) -> None:
        self._open: dict[str, _Open] = {}

    def reset(self) -> None:
        """Forget the open batches (a new connection)."""
        self._open.clear()

    def take(self, message: IrcMessage) -> bool:
        """Whether ``message`` is a line of an open multiline batch (and was kept)."""
        batch = self._open.get(message.tags.get("batch", ""))
        if batch is None or message.command == "BATCH":
            return False
        if message.command in ml.COMMANDS and len(message.params) >= 2:
            if not batch.lines:
                batch.command, batch.source = message.command, message.source
            batch.lines.append(ml.Line(message.params[-1], ml.CONCAT_TAG in message.tags))
        return True

    def on_batch(self, message: IrcMessage) -> IrcMessage | bool:
        """A ``BATCH`` line: the whole message if it closed a multiline batch, ``True`` if
        it opened one (or closed one with no line worth showing), ``False`` for any other
        batch, which the caller handles."""
        marker = message.params[0] if message.params else ""
        ref = marker[1:]
        if marker.startswith("+"):
            kind = message.params[1] if len(message.params) > 1 else ""
            if kind != ml.BATCH_TYPE or len(self._open) >= MAX_OPEN:
                return False
            self._open[ref] = _Open(message)
            return True
        batch = self._open.pop(ref, None)
        if batch is None:
            return False
        opening = batch.opening
        target = opening.params[2] if len(opening.params) > 2 else ""
        if not target or not any(line.text for line in batch.lines):
            return True  # nothing to show: consumed all the same
        text = ml.combined(batch.lines).strip("\n")
        return IrcMessage(
            batch.command, (target, text), opening.source or batch.source, opening.tags
        )
