"""The values the chat model hands to a screen: lines, conversations, members, changes.

:class:`~chinwag.client.chat.ChatModel` files :class:`Line` values under :class:`Conversation`
values and answers every call with a :class:`Changes` saying what to redraw; a screen reads
them and draws them through :mod:`chinwag.client.presentation`. They carry no behaviour beyond
what a screen asks of them, import no UI toolkit, and every string in them that came from the
network has been through :func:`chinwag.client.text.clean` (the model cleans before it files).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum

from chinwag.client.text import clean
from chinwag.protocol.casemap import Folded, fold

SERVER_KEY = Folded("*")
"""Key of the server conversation (``*`` can be neither a nick nor a room)."""


class LineKind(StrEnum):
    """What a line in a conversation is; the UI styles each kind its own way."""

    MESSAGE = "message"
    ACTION = "action"
    NOTICE = "notice"
    JOIN = "join"
    PART = "part"
    QUIT = "quit"
    NICK = "nick"
    TOPIC = "topic"
    MODE = "mode"
    INFO = "info"
    ERROR = "error"
    DIVIDER = "divider"
    """``— new since 14:02 —`` or ``— missed while you were away —``: no nick, drawn apart."""


REDACTED_TEXT = "message deleted"
"""What a redacted message shows instead of its text."""

TALK = frozenset({LineKind.MESSAGE, LineKind.ACTION, LineKind.NOTICE})
"""Kinds that count as unread and can mention us."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a conversation, ready to show (``nick`` and ``text`` are cleaned).

    For talk (message, action, notice) ``nick`` is who said ``text``. For events (join,
    part, quit, nick, topic, mode) ``nick`` is who did it and ``text`` the rest of the
    sentence ("joined #lobby"). Info and error lines have no nick.
    """

    time: datetime
    kind: LineKind
    text: str
    nick: str | None = None
    is_self: bool = False
    mention: bool = False
    history: bool = False
    """Replayed from the server's history (chathistory), not said just now."""
    msgid: str | None = None
    """The server's id for the message, so history already shown is not shown twice."""
    missed: bool = False
    """A direct message that arrived while we were away, delivered on login (unread)."""
    pending: bool = False
    """Ours, typed while disconnected: not yet echoed by the server (sent once we are back)."""
    redacted: bool = False
    """Deleted by its sender or an operator (draft/message-redaction): :attr:`text` is
    :data:`REDACTED_TEXT` now."""
    bot: bool = False
    """Said by a bot (IRCv3 bot-mode: the ``bot`` message tag, or what we know of the
    sender): the screen shows a small marker by the nick."""
    monospace: tuple[tuple[int, int], ...] = ()
    """The parts of :attr:`text` sent as monospace (``(start, end)`` offsets, see
    :class:`~chinwag.client.text.Formatted`): drawn in a fixed-width font."""

    @property
    def clock(self) -> str:
        """``HH:MM`` in local time (design: times come from ``server-time``)."""
        return hhmm(self.time)


def hhmm(moment: datetime) -> str:
    """``HH:MM`` of ``moment`` in the local time zone."""
    return moment.astimezone().strftime("%H:%M")


class ConversationKind(Enum):
    """The server's own window, a room, or a direct conversation with one person."""

    SERVER = "server"
    ROOM = "room"
    DIRECT = "direct"


@dataclass
class Conversation:
    """A room, a direct conversation or the server window, with its recent lines."""

    name: str
    kind: ConversationKind
    lines: deque[Line]
    unread: int = 0
    mentioned: bool = False
    joined: bool = False
    """For a room: we are in it now (false while disconnected or after a kick)."""

    @property
    def key(self) -> Folded:
        """The conversation's key in :attr:`~chinwag.client.chat.ChatModel.conversations`."""
        return SERVER_KEY if self.kind is ConversationKind.SERVER else fold(self.name)


@dataclass(frozen=True, slots=True)
class MemberView:
    """A member of the current room as the member list shows them."""

    nick: str
    prefix: str
    away: bool
    color: str
    bot: bool = False
    """A bot (IRCv3 bot-mode, user mode ``+B``): the list shows a marker by the nick."""


@dataclass(frozen=True, slots=True)
class PasswordRequest:
    """The UI should ask for a password without echo, then call
    :meth:`~chinwag.client.chat.ChatModel.provide_password` (or
    :meth:`~chinwag.client.chat.ChatModel.cancel_password`).

    ``purpose`` is ``"login"`` or ``"register"``; ``account`` the account concerned;
    ``reason`` why it is asked again (the server's words after a failure), if it is.
    ``typed`` is False when the server asked (a protected nick) rather than the person: a UI
    that cannot pop up a prompt tells the person to type ``/login`` instead. ``min_length``
    is the shortest new password the server accepts, when it advertised one (chinwag's
    ``chinwag.im/min-password`` key of the ``draft/account-registration`` capability): the
    prompt shows :attr:`rule` and refuses what :meth:`too_short` finds fault with.
    """

    purpose: str
    account: str
    reason: str | None = None
    typed: bool = True
    min_length: int | None = None

    @property
    def confirm(self) -> bool:
        """A new password is typed twice."""
        return self.purpose == "register"

    @property
    def title(self) -> str:
        """What the prompt says it is for."""
        if self.purpose == "register":
            return f"Register the account {clean(self.account)}"
        return f"Log in as {clean(self.account)}"

    @property
    def rule(self) -> str | None:
        """The server's rule for a new password, in words to show by the field, or None."""
        if self.purpose != "register" or not self.min_length:
            return None
        return f"At least {self.min_length} characters"

    def too_short(self, password: str) -> str | None:
        """Why the server would refuse ``password`` as too short, in words, or None.

        Checked in the prompt so that the person can fix it there: the server would only
        refuse it (``FAIL REGISTER WEAK_PASSWORD``) after the prompt closed.
        """
        if self.purpose != "register" or not self.min_length:
            return None
        if len(password) >= self.min_length:
            return None
        return (
            f"Too short: this server wants at least {self.min_length} characters "
            f"(that was {len(password)})"
        )


class Link(Enum):
    """The state of the connection as a person sees it."""

    CONNECTING = "connecting"
    ONLINE = "online"
    DOWN = "down"
    CLOSED = "closed"


@dataclass
class Changes:
    """What one call changed, so a UI redraws only that."""

    lines: list[tuple[Conversation, Line]] = field(default_factory=list)
    conversations: bool = False
    """The list of conversations, their unread counts, or the current one changed."""
    members: bool = False
    """The member list of the current room (or colours shown in it) changed."""
    topic: bool = False
    status: bool = False
    """:attr:`~chinwag.client.chat.ChatModel.link` or the reconnection countdown changed."""
    quit: str | None = None
    """The person asked to leave; the UI calls ``runner.quit(quit or None)`` and exits."""
    nick: bool = False
    """Our own nick changed (or was refused)."""
    redraw: bool = False
    """Lines were put before others (history arriving after the join): redraw the log of
    the current conversation from :attr:`Conversation.lines` rather than append."""
    password: PasswordRequest | None = None
    """Ask the person for a password (see :class:`PasswordRequest`)."""
    typing: bool = False
    """Who is typing in the current conversation changed: draw the typing row again."""
    rooms: bool = False
    """The rooms to be in changed (we joined, left or were removed from one): a client
    that remembers them across launches saves :attr:`ChatModel.remembered_rooms`."""
    help: bool = False
    """The person asked for the command list (F1, ``@help``, ``/help``) and the model was made
    with ``help_overlay``: draw :data:`chinwag.client.commands.HELP` and its footer over the
    chat, closed with Escape. (Without ``help_overlay`` the list goes into the log instead.)"""

    def merge(self, other: Changes) -> None:
        """Fold ``other`` into this."""
        self.lines += other.lines
        self.conversations |= other.conversations
        self.members |= other.members
        self.topic |= other.topic
        self.status |= other.status
        self.nick |= other.nick
        self.rooms |= other.rooms
        self.redraw |= other.redraw
        self.typing |= other.typing
        self.help |= other.help
        if other.quit is not None:
            self.quit = other.quit
        if other.password is not None:
            self.password = other.password
