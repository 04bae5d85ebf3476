"""Messages in and out: PRIVMSG, NOTICE and CTCP ACTION as :class:`Message` events.

Incoming, live or replayed from history, a message becomes one :class:`Message` event that
says which conversation it belongs to (the room, or the other person of a direct
conversation), whether it is ours, an action, a notice or from the server; other CTCP
requests become :class:`Ctcp`. The time of each message is told to the
:class:`~chinwag.client.history.HistorySync`: gaps are filled from the newest one.

Outgoing, :meth:`Messages.say` cuts a text into lines that fit once the server has put our
prefix in front of them, and without echo-message leaves our own messages as local events.
A message to NickServ that carries a password is never shown with it.

References: Modern IRC, https://modern.ircdocs.horse (PRIVMSG, NOTICE, the 512-byte line);
CTCP ACTION (https://modern.ircdocs.horse/ctcp); IRCv3 echo-message, server-time,
message-tags, account-tag and msgid (https://ircv3.net/irc). Sans-I/O: no asyncio, no socket.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType

from chinwag.client.events import Ctcp, Event, Message, Redacted
from chinwag.client.history import HistorySync
from chinwag.client.negotiation import NICKSERV, SERVICE_NICKS, redact_service_command
from chinwag.client.state import Identity, World
from chinwag.client.wire import Connection, Handler, Handlers, nick_of, parse_server_time
from chinwag.protocol import multiline as ml
from chinwag.protocol.casemap import fold
from chinwag.protocol.framing import MAX_BODY_BYTES
from chinwag.protocol.message import Message as IrcMessage

_CTCP = "\x01"
_ACTION_OVERHEAD = len("\x01ACTION \x01")
_HOST_ALLOWANCE = 64
"""Bytes assumed for our host in the prefix the server adds when it relays our messages."""


def split_text(text: str, budget: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``budget`` UTF-8 bytes, at a space when one is
    near the end of a piece, never inside a character."""
    budget = max(budget, 8)
    pieces: list[str] = []
    while len(text.encode()) > budget:
        fits = len(text.encode()[:budget].decode("utf-8", "ignore"))
        space = text.rfind(" ", 0, fits + 1)
        if space > fits // 2:
            pieces.append(text[:space])
            text = text[space + 1 :]
        else:
            pieces.append(text[:fits])
            text = text[fits:]
    pieces.append(text)
    return pieces


_HANDLERS: Handlers[Messages] = Handlers()

BOT_TAG = "bot"
"""The tag a server adds to every message from a bot (IRCv3 bot-mode,
https://ircv3.net/specs/extensions/bot-mode)."""


class Messages:
    """Turns PRIVMSG and NOTICE lines into events, and texts we say into lines."""

    def __init__(
        self,
        link: Connection,
        world: World,
        me: Identity,
        history: HistorySync,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._link = link
        self._world = world
        self._me = me
        self._history = history
        self._clock = clock
        self._batches = 0
        """Multiline batches we opened: each gets a fresh reference."""

    def handlers(self) -> dict[str, Handler]:
        """This part's handlers, by command, for the facade's dispatch table."""
        return _HANDLERS.bind(self)

    # -- out -------------------------------------------------------------------------------

    def say(
        self,
        command: str,
        target: str,
        text: str,
        *,
        action: bool,
        label: str | None,
        tags: Mapping[str, str] | None,
    ) -> None:
        """Send ``text`` to ``target`` as ``command`` (PRIVMSG or NOTICE), one message per
        line of the text and per piece of a long line, the ``label`` on the first only.
        Without echo-message our messages are also queued as local events. The facade
        checks that we are registered."""
        budget = self._text_budget(command, target) - (_ACTION_OVERHEAD if action else 0)
        if not action and self._multiline(command, target, text, budget, label, tags):
            return
        pieces = [
            piece
            for line in text.replace("\0", "").splitlines()
            for piece in split_text(line, budget)
            if piece
        ]
        for index, piece in enumerate(pieces):
            wire = f"{_CTCP}ACTION {piece}{_CTCP}" if action else piece
            self._link.send(command, target, wire, tags=tags, label=label if index == 0 else None)
            if not self._link.has_cap("echo-message"):
                mine = self._message_event(
                    target, self._me.nick, piece, command, is_action=action, time=self._clock()
                )
                self._link.emit(mine)

    def _multiline(
        self,
        command: str,
        target: str,
        text: str,
        budget: int,
        label: str | None,
        tags: Mapping[str, str] | None,
    ) -> bool:
        """Send ``text`` as ``draft/multiline`` batches if it needs more than one line and
        the server takes them (https://ircv3.net/specs/extensions/multiline); whether it
        did. Long lines are cut with ``draft/multiline-concat``; more than ``max-bytes`` or
        ``max-lines`` allow goes as several batches (a batch of one line as a plain
        message). Client-only tags and the label go on the first opening ``BATCH``."""
        link = self._link
        if not (link.has_cap(ml.CAP) and link.has_cap("batch")):
            return False
        lines = ml.split_text(text.replace("\0", ""), budget)
        if len(lines) < 2:
            return False
        max_bytes, max_lines = ml.parse_cap_value(link.caps_available.get(ml.CAP))
        for index, group in enumerate(ml.batches(lines, max_bytes, max_lines)):
            first = index == 0
            if len(group) == 1:
                link.send(command, target, group[0].text, tags=tags if first else None,
                          label=label if first else None)  # fmt: skip
            else:
                self._batches += 1
                ref = f"ml{self._batches}"
                link.send("BATCH", "+" + ref, ml.BATCH_TYPE, target, tags=tags if first else None,
                          label=label if first else None)  # fmt: skip
                for line in group:
                    line_tags = {"batch": ref, ml.CONCAT_TAG: ""} if line.concat else {"batch": ref}
                    link.send(command, target, line.text, tags=line_tags)
                link.send("BATCH", "-" + ref)
            if not link.has_cap("echo-message"):
                link.emit(
                    self._message_event(
                        target, self._me.nick, ml.combined(group), command, time=self._clock()
                    )
                )
        return True

    def _text_budget(self, command: str, target: str) -> int:
        """Bytes of text that fit in one message as the server will relay it."""
        nick = self._me.nick
        me = self._world.users.get(fold(nick))
        user = me.user if me is not None and me.user else "~" + self._me.username
        host_bytes = len(me.host.encode()) if me is not None and me.host else _HOST_ALLOWANCE
        prefix = f":{nick}!{user}@ {command} {target} :"
        return MAX_BODY_BYTES - 2 - len(prefix.encode()) - host_bytes

    # -- in --------------------------------------------------------------------------------

    @_HANDLERS.on("PRIVMSG", "NOTICE")
    def _on_privmsg(self, message: IrcMessage) -> list[Event]:
        return self._on_message(message, history=False)

    @_HANDLERS.on("REDACT")
    def _on_redact(self, message: IrcMessage) -> list[Event]:
        """``REDACT <target> <msgid> [:<reason>]`` (draft/message-redaction): the message
        is gone; its conversation is worked out as a message's would be."""
        if len(message.params) < 2 or not message.source:
            return []
        target, msgid = message.params[0], message.params[1]
        reason = message.params[2] if len(message.params) > 2 else None
        sender = nick_of(message.source)
        if self._world.server.is_channel(target):
            channel = self._world.channels.get(fold(target))
            conversation = channel.name if channel is not None else target
        else:
            conversation = target if self._me.is_me(sender) else sender
        return [Redacted(conversation, sender, msgid, reason)]

    def replayed(self, message: IrcMessage, *, missed: bool) -> list[Event]:
        """A line of a history batch: messages are shown (marked ``history``, and
        ``missed`` when nobody asked for them); nothing else is, and nothing changes state."""
        if message.command in ("PRIVMSG", "NOTICE"):
            return self._on_message(message, history=True, missed=missed)
        return []

    def _on_message(
        self, message: IrcMessage, *, history: bool, missed: bool = False
    ) -> list[Event]:
        if len(message.params) < 2:
            return []
        target, text = message.params[0], message.params[-1]
        source = message.source
        sender = nick_of(source) if source else (self._world.server.name or "")
        if not history:
            self._world.learn_source(source)
        from_server = source is None or ("!" not in source and "." in source)
        if text.startswith(_CTCP):
            command, _, argument = text.strip(_CTCP).partition(" ")
            if command.upper() != "ACTION":
                return [Ctcp(target, sender, command.upper(), argument)]
            return [
                self._message_event(
                    target, sender, argument, message.command, is_action=True,
                    history=history, missed=missed, from_server=from_server, tags=message.tags,
                )
            ]  # fmt: skip
        return [
            self._message_event(
                target, sender, text, message.command,
                history=history, missed=missed, from_server=from_server, tags=message.tags,
            )
        ]  # fmt: skip

    def _learn_bot(
        self, sender: str, tags: Mapping[str, str], *, from_server: bool, history: bool
    ) -> bool:
        """Whether ``sender`` is a bot: the message has the ``bot`` tag (IRCv3 bot-mode), or
        we learned it before (a WHO, a WHOIS, an earlier message). A tag on a live message
        is remembered for the member list; one replayed from history marks only its line
        (whoever had the nick then may not have it now)."""
        if from_server:
            return False
        tagged = BOT_TAG in tags
        if tagged and not history:
            self._world.user(sender).bot = True
        known = self._world.users.get(fold(sender))
        return tagged or (not history and known is not None and known.bot)

    def _message_event(
        self,
        target: str,
        sender: str,
        text: str,
        command: str,
        *,
        is_action: bool = False,
        history: bool = False,
        missed: bool = False,
        from_server: bool = False,
        tags: Mapping[str, str] | None = None,
        time: datetime | None = None,
    ) -> Message:
        tags = tags or {}
        is_self = not from_server and self._me.is_me(sender)
        is_direct = not self._world.server.is_channel(target)
        if not is_direct:
            channel = self._world.channels.get(fold(target))
            conversation = channel.name if channel is not None else target
        else:
            conversation = target if is_self else sender
            if is_self and fold(target) == fold(NICKSERV):
                text = redact_service_command(text)  # our IDENTIFY, echoed or shown locally
        bot = self._learn_bot(sender, tags, from_server=from_server, history=history)
        stamp = parse_server_time(tags.get("time"))
        if (
            stamp is not None
            and not from_server
            and (not is_direct or command == "PRIVMSG")
            and fold(conversation) not in SERVICE_NICKS  # no history to fill there
        ):
            self._history.saw(conversation, stamp)
        return Message(
            target,
            sender,
            text,
            is_action=is_action,
            is_notice=command == "NOTICE",
            is_direct=is_direct,
            is_self=is_self,
            from_server=from_server,
            history=history,
            missed=missed,
            conversation=conversation,
            msgid=tags.get("msgid"),
            account=tags.get("account"),
            tags=MappingProxyType(dict(tags)),
            bot=bot,
            time=time or self._clock(),
        )
