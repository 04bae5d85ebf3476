"""What the parts of the client core share: the connection and the handler tables.

:class:`~chinwag.client.protocol.ClientProtocol` is a facade over a few parts (negotiation,
roster, messages, history sync, queries). None of them reaches into another or into the
facade: each writes through one :class:`Connection` (the capabilities enabled on the connection, the
bytes queued for it, the events our intents produce, fresh labels) and registers its handlers
in a :class:`Handlers` table that the facade merges into its one dispatch table. The helpers
here read fields every part meets: the nick in a source, the ``time`` tag, numeric replies.

References: Modern IRC (https://modern.ircdocs.horse) for messages and numerics; IRCv3
message-tags, server-time and labeled-response (https://ircv3.net/irc) for the tags written
here. Sans-I/O: no asyncio, no socket.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Generic, TypeVar

from chinwag.client.events import Event, ServerReply
from chinwag.protocol import numerics as n
from chinwag.protocol.message import Message as IrcMessage

Handler = Callable[[IrcMessage], list[Event]]
"""Handles one message from the server; returns the events it completes, in order."""

_Part = TypeVar("_Part")
_H = TypeVar("_H", bound=Callable[..., list[Event]])

QUIET_NUMERICS = frozenset(
    {
        n.RPL_LUSERCLIENT,
        n.RPL_LUSEROP,
        n.RPL_LUSERUNKNOWN,
        n.RPL_LUSERCHANNELS,
        n.RPL_LUSERME,
        n.RPL_LOCALUSERS,
        n.RPL_GLOBALUSERS,
        n.RPL_TOPICWHOTIME,
        n.RPL_NOTOPIC,
        n.RPL_METADATASUBOK,
        n.RPL_METADATAUNSUBOK,
        n.RPL_METADATASUBS,
    }
)
"""Numerics that update state or need no showing; they produce no event."""


class Connection:
    """The current connection as the parts of the client core see it.

    It holds the capabilities negotiated on the connection (only the negotiation changes
    them; everyone reads :meth:`has_cap`), the bytes queued for the caller to write and the
    events our intents produce (our messages when the server does not echo them). The caller
    of :class:`~chinwag.client.protocol.ClientProtocol` takes both through the facade;
    :meth:`reset` starts a new connection and drops the bytes a lost one did not send.
    """

    def __init__(self) -> None:
        self.on_output: Callable[[], None] | None = None
        """Called when bytes or events are queued and none were waiting, so a driver (the
        runner) can schedule one write instead of wrapping every intent."""
        self._labels = itertools.count(1)
        self._events: list[Event] = []
        self.reset()

    def reset(self) -> None:
        """Forget the connection: its capabilities and the bytes not written to it."""
        self.caps_available: dict[str, str | None] = {}
        """Capabilities the server offers (``CAP LS``/``NEW``), with their values."""
        self.caps_enabled: set[str] = set()
        """Capabilities the server acknowledged (``CAP ACK``)."""
        self._out = bytearray()

    def has_cap(self, name: str) -> bool:
        """Whether capability ``name`` is enabled on this connection."""
        return name in self.caps_enabled

    def new_label(self) -> str:
        """A fresh ``label`` (IRCv3 labeled-response), unique across connections."""
        return f"cw{next(self._labels)}"

    def send(
        self,
        command: str,
        *params: str,
        tags: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> None:
        """Queue one message. Client-only tags (``+name``) go only with message-tags, the
        ``label`` only with labeled-response: a server without them would refuse the line.
        Raises ``ValueError`` if the message cannot be a line."""
        wire_tags = {
            key: value
            for key, value in (tags or {}).items()
            if not key.startswith("+") or self.has_cap("message-tags")
        }
        if label is not None and self.has_cap("labeled-response"):
            wire_tags["label"] = label
        self._notify_output()
        self._out += IrcMessage(command, params, None, wire_tags).to_bytes()

    def emit(self, event: Event) -> None:
        """Queue an event produced by an intent rather than by the server."""
        self._notify_output()
        self._events.append(event)

    def _notify_output(self) -> None:
        """Tell the driver output is coming, if none was waiting (call before queueing)."""
        if self.on_output is not None and not self._out and not self._events:
            self.on_output()

    def take_bytes(self) -> bytes:
        """The bytes queued since the last call; the caller writes them all."""
        data = bytes(self._out)
        self._out.clear()
        return data

    def take_events(self) -> list[Event]:
        """The events queued by intents since the last call."""
        events, self._events = self._events, []
        return events


class Handlers(Generic[_Part]):
    """The handlers of one part of the client core, by command (verb or numeric).

    A part declares a module-level table and decorates its handler methods with
    :meth:`on`; :meth:`bind` gives the facade the handlers of one instance, which it merges
    with :func:`merge_handlers`. One handler per command (design rule 3): a command claimed
    twice is a ``ValueError`` at import or when the facade is built.
    """

    def __init__(self) -> None:
        self._table: dict[str, Callable[[_Part, IrcMessage], list[Event]]] = {}

    def on(self, *commands: str) -> Callable[[_H], _H]:
        """Register the decorated method as the handler of ``commands``."""

        def register(handler: _H) -> _H:
            for command in commands:
                if command in self._table:
                    raise ValueError(f"two handlers for {command}")
                self._table[command] = handler
            return handler

        return register

    def bind(self, part: _Part) -> dict[str, Handler]:
        """The handlers as callables on ``part``, by command."""
        return {command: partial(handler, part) for command, handler in self._table.items()}


def merge_handlers(*tables: Mapping[str, Handler]) -> dict[str, Handler]:
    """One dispatch table from the tables of several parts; ``ValueError`` if two parts
    claim the same command."""
    merged: dict[str, Handler] = {}
    for table in tables:
        for command, handler in table.items():
            if command in merged:
                raise ValueError(f"two handlers for {command}")
            merged[command] = handler
    return merged


def nick_of(source: str | None) -> str:
    """The nick in ``nick!user@host`` (or the whole source, e.g. a server name)."""
    return (source or "").split("!", 1)[0].split("@", 1)[0]


def parse_server_time(value: str | None) -> datetime | None:
    """A ``time`` tag (https://ircv3.net/specs/extensions/server-time) as an aware datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return None  # "0001-01-01T00:00:00+01:00": no instant in UTC (docs/security.md)
    return moment


def format_server_time(moment: datetime) -> str:
    """``moment`` as a ``time`` tag writes it: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def time_of(message: IrcMessage, clock: Callable[[], datetime]) -> datetime:
    """When ``message`` happened: its ``time`` tag, else now by ``clock``."""
    return parse_server_time(message.tags.get("time")) or clock()


def numeric_reply(message: IrcMessage) -> list[Event]:
    """A numeric nobody collects, as a :class:`ServerReply` to show (none for the numerics
    in :data:`QUIET_NUMERICS`)."""
    code = message.command
    if code in QUIET_NUMERICS:
        return []
    params = message.params[1:]
    if not params:
        text = ""
    elif len(params) == 1:
        text = params[0]
    else:
        text = f"{' '.join(params[:-1])}: {params[-1]}"
    return [ServerReply(code, message.params, text, is_error=code[0] in "45")]
