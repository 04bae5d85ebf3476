"""The chat model every first-party client shows: conversations, their lines, who is online.

:class:`ChatModel` sits between the client core and a screen. It turns the core's events
(:mod:`chinwag.client.events`) into :class:`Line` values filed under conversations (the
server, each room, each direct conversation), keeps unread counts and mention highlights,
and runs what the person types (:mod:`chinwag.client.commands`, design.md section 6) as
intents on the :class:`~chinwag.client.protocol.ClientProtocol`. It does no I/O and imports
no UI toolkit: the terminal client, plain mode and the GUI each draw the same model.

Every string that came from the network is passed through :func:`chinwag.client.text.clean`
before it is stored in a :class:`Line`, a topic or a member list, so a UI may show them as
literal text without further checks (it must still not interpret them as markup).

After each call that changes something (:meth:`ChatModel.handle`, :meth:`ChatModel.submit`,
:meth:`ChatModel.select`) the model returns a :class:`Changes` saying what to redraw. When it
says a password is wanted (``/register``, ``/login``, a protected nick), the UI asks for it
without echo and passes it to :meth:`ChatModel.provide_password`; the model never keeps it.

Accounts and history: a room's history on join gets a ``— new since HH:MM —`` divider before
the first line newer than the room's read marker (draft/read-marker, shared by all our
devices); direct messages that arrived while we were away come after a ``— missed while you
were away —`` divider, marked ``missed`` and counted unread. The conversation on screen is
marked read on the server (``MARKREAD``) as lines arrive, at most once a second: the UI calls
:meth:`ChatModel.tick` now and then so a postponed mark is sent.
"""

from __future__ import annotations

import math
import re
import time as _time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum

from chinwag.client import commands as cmd
from chinwag.client import events as ev
from chinwag.client.colors import PALETTE, ColorError, color_name, nick_color, parse_color
from chinwag.client.history import HISTORY_BATCHES, READ_MARKER_CAP
from chinwag.client.options import OptionError, check_password
from chinwag.client.protocol import ClientProtocol, NotRegistered
from chinwag.client.text import clean
from chinwag.protocol.caps import METADATA as METADATA_CAP
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.metadata import COLOR_KEY

SERVER_KEY = Folded("*")
"""Key of the server conversation (``*`` can be neither a nick nor a room)."""

DEFAULT_SCROLLBACK = 2000
"""Lines kept per conversation."""

BANNER_DOWN = "Server is down — reconnecting in {seconds}s (press Ctrl-C to quit)"
BANNER_NOW = "Server is down — reconnecting now (press Ctrl-C to quit)"

NEW_SINCE = "— new since {time} —"
"""The divider before the first line of a conversation newer than its read marker."""

MISSED = "— missed while you were away —"
"""The divider before direct messages delivered on login."""

MARK_READ_INTERVAL = 1.0
"""Seconds between two ``MARKREAD`` of the same conversation."""


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


EVENT_MARKS: dict[LineKind, str] = {
    LineKind.JOIN: "→",
    LineKind.PART: "←",
    LineKind.QUIT: "←",
    LineKind.NICK: "~",
    LineKind.TOPIC: "~",
    LineKind.MODE: "~",
}
"""The mark every client shows before an event line (joins in, leaves out, changes)."""


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
        """The conversation's key in :attr:`ChatModel.conversations`."""
        return SERVER_KEY if self.kind is ConversationKind.SERVER else fold(self.name)


@dataclass(frozen=True, slots=True)
class MemberView:
    """A member of the current room as the member list shows them."""

    nick: str
    prefix: str
    away: bool
    color: str


@dataclass(frozen=True, slots=True)
class PasswordRequest:
    """The UI should ask for a password without echo, then call
    :meth:`ChatModel.provide_password` (or :meth:`ChatModel.cancel_password`).

    ``purpose`` is ``"login"`` or ``"register"``; ``account`` the account concerned;
    ``reason`` why it is asked again (the server's words after a failure), if it is.
    ``typed`` is False when the server asked (a protected nick) rather than the person: a UI
    that cannot pop up a prompt tells the person to type ``/login`` instead.
    """

    purpose: str
    account: str
    reason: str | None = None
    typed: bool = True

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
    """:attr:`ChatModel.link` or the reconnection countdown changed."""
    quit: str | None = None
    """The person asked to leave; the UI calls ``runner.quit(quit or None)`` and exits."""
    nick: bool = False
    """Our own nick changed (or was refused)."""
    redraw: bool = False
    """Lines were put before others (history arriving after the join): redraw the log of
    the current conversation from :attr:`Conversation.lines` rather than append."""
    password: PasswordRequest | None = None
    """Ask the person for a password (see :class:`PasswordRequest`)."""

    def merge(self, other: Changes) -> None:
        """Fold ``other`` into this."""
        self.lines += other.lines
        self.conversations |= other.conversations
        self.members |= other.members
        self.topic |= other.topic
        self.status |= other.status
        self.nick |= other.nick
        self.redraw |= other.redraw
        if other.quit is not None:
            self.quit = other.quit
        if other.password is not None:
            self.password = other.password


class ChatModel:
    """The conversations one person sees on one server, fed by a client core's events.

    ``room`` is where the person lands (design: ``#lobby``); ``clock`` is a monotonic clock
    for the reconnection countdown (tests pass their own).
    """

    def __init__(
        self,
        protocol: ClientProtocol,
        *,
        server_name: str = "server",
        scrollback: int = DEFAULT_SCROLLBACK,
        clock: Callable[[], float] = _time.monotonic,
    ) -> None:
        self.protocol = protocol
        self.scrollback = scrollback
        self._clock = clock
        server = Conversation(server_name, ConversationKind.SERVER, deque(maxlen=scrollback))
        self.conversations: dict[Folded, Conversation] = {SERVER_KEY: server}
        self.current: Folded = SERVER_KEY
        self.link = Link.CONNECTING
        self.reconnect_at: float | None = None
        self.down_reason: str | None = None
        self.ever_online = False
        self._show_who: set[Folded] = set()
        self._show_list = False
        self._select_on_join: set[Folded] = set()
        self._known_colors: dict[Folded, str] = {}
        """Colours people chose, by folded nick: kept across reconnections."""
        self._login_error: str | None = None
        """Why the last login failed, shown when the password is asked for again."""
        self._protected: Folded | None = None
        """Our nick while the server says it belongs to an account we are not logged in to."""
        self._marked_at: dict[Folded, float] = {}
        self._mark_pending: set[Folded] = set()

    # -- reading -----------------------------------------------------------------------------

    @property
    def nick(self) -> str:
        """Our nick."""
        return self.protocol.nick

    @property
    def current_conversation(self) -> Conversation:
        """The conversation on screen."""
        return self.conversations[self.current]

    @property
    def topic(self) -> str:
        """The current room's topic (cleaned), or ``""``."""
        conversation = self.current_conversation
        if conversation.kind is not ConversationKind.ROOM:
            return ""
        channel = self.protocol.channel(conversation.name)
        return clean(channel.topic) if channel is not None else ""

    def color_of(self, nick: str) -> str:
        """The colour ``nick`` chose (metadata ``color``), or the one derived from the nick.

        Colours seen are remembered, so while the server is down (when the core knows
        nobody) names keep the colours their owners chose.
        """
        chosen = self.protocol.color_of(nick)
        if chosen is None and not self.protocol.is_me(nick):
            chosen = self._known_colors.get(fold(nick))
        return chosen or nick_color(nick)

    def members(self) -> list[MemberView]:
        """The current room's members, operators first, then by nick; empty elsewhere."""
        conversation = self.current_conversation
        if conversation.kind is ConversationKind.DIRECT:
            user = self.protocol.user(conversation.name)
            away = user.away if user is not None else False
            return [
                MemberView(clean(self.nick), "", bool(self.protocol.away_message), self.own_color),
                MemberView(clean(conversation.name), "", away, self.color_of(conversation.name)),
            ]
        channel = self.protocol.channel(conversation.name)
        if channel is None:
            return []
        ranks = self.protocol.server.prefix_symbols
        views = []
        for member in channel.members.values():
            user = self.protocol.user(member.nick)
            away = user.away if user is not None else False
            if self.protocol.is_me(member.nick):
                away = bool(self.protocol.away_message)
            views.append(
                MemberView(clean(member.nick), member.prefix, away, self.color_of(member.nick))
            )
        views.sort(
            key=lambda view: (
                # "" is "in" every string: only a real prefix has a rank.
                ranks.index(view.prefix) if view.prefix and view.prefix in ranks else len(ranks),
                fold(view.nick),
            )
        )
        return views

    @property
    def account(self) -> str | None:
        """The account we are logged in to, or None."""
        return self.protocol.account

    @property
    def own_color(self) -> str:
        """Our colour: the one chosen, or the one derived from our nick."""
        return self.protocol.own_metadata.get(COLOR_KEY) or nick_color(self.nick)

    def banner(self) -> str | None:
        """The "Server is down" banner with its countdown, or None while connected."""
        if self.link is not Link.DOWN:
            return None
        if self.reconnect_at is None:
            return BANNER_NOW
        seconds = math.ceil(self.reconnect_at - self._clock())
        return BANNER_DOWN.format(seconds=seconds) if seconds > 0 else BANNER_NOW

    def completions(self, word: str, *, at_start: bool) -> list[str]:
        """Candidates for tab-completing ``word``: commands at the start of the line, nicks
        of the current conversation everywhere (``@nick`` forms too), sorted."""
        folded = fold(word)
        found: set[str] = set()
        if at_start and word[:1] in ("/", "@"):
            found.update(name for name in cmd.COMMAND_NAMES if name.startswith(word.lower()))
        nicks = [view.nick for view in self.members() if not self.protocol.is_me(view.nick)]
        nicks += [c.name for c in self.conversations.values() if c.kind is ConversationKind.DIRECT]
        if word.startswith("@") and at_start:
            found.update("@" + nick for nick in nicks if fold(nick).startswith(folded[1:]))
        elif not word.startswith(("/", "@")):
            found.update(nick for nick in nicks if fold(nick).startswith(folded))
        return sorted(found, key=lambda item: (fold(item), item))

    # -- selecting ---------------------------------------------------------------------------

    def select(self, key: Folded) -> Changes:
        """Show conversation ``key``; its unread count and highlight are cleared."""
        changes = Changes()
        conversation = self.conversations.get(key)
        if conversation is None:
            return changes
        self.current = key
        conversation.unread = 0
        conversation.mentioned = False
        changes.conversations = changes.members = changes.topic = True
        self._mark_read(key)
        return changes

    def select_next(self, step: int = 1) -> Changes:
        """Show the next (``step`` 1) or previous (-1) conversation, wrapping around."""
        keys = list(self.conversations)
        index = keys.index(self.current)
        return self.select(keys[(index + step) % len(keys)])

    # -- events from the connection -----------------------------------------------------------

    def handle(self, event: ev.Event) -> Changes:
        """Take one event from the runner; returns what to redraw."""
        changes = Changes()
        self._handle(event, changes)
        self._seen(changes)
        return changes

    def tick(self) -> None:
        """Send the read markers postponed because one was sent less than a second before.
        Call it now and then (the terminal client does twice a second)."""
        now = self._clock()
        for key in list(self._mark_pending):
            if now - self._marked_at.get(key, -math.inf) >= MARK_READ_INTERVAL:
                self._mark_read(key)

    # -- read markers (https://ircv3.net/specs/extensions/read-marker) -------------------------

    def _seen(self, changes: Changes) -> None:
        """Talk arrived in the conversation on screen: the person has read it."""
        if any(
            conversation.key == self.current and line.kind in TALK and not line.is_self
            for conversation, line in changes.lines
        ):
            self._mark_read(self.current)

    def _mark_read(self, key: Folded) -> None:
        """``MARKREAD`` up to the newest message of conversation ``key``, at most once a
        second (a later one waits for :meth:`tick`)."""
        conversation = self.conversations.get(key)
        if conversation is None or conversation.kind is ConversationKind.SERVER:
            return
        if not self.protocol.ready or not self.protocol.has_cap(READ_MARKER_CAP):
            return
        # Only a message the server stamped (it has a msgid) may be named by its time.
        newest = next(
            (line.time for line in reversed(conversation.lines)
             if line.kind in TALK and line.msgid is not None),
            None,
        )  # fmt: skip
        known = self.protocol.read_marker(conversation.name)
        if newest is None or (known is not None and newest <= known):
            self._mark_pending.discard(key)
            return
        now = self._clock()
        if now - self._marked_at.get(key, -math.inf) < MARK_READ_INTERVAL:
            self._mark_pending.add(key)
            return
        self._marked_at[key] = now
        self._mark_pending.discard(key)
        self.protocol.mark_read(conversation.name, newest)

    def _on_read_marker(self, event: ev.ReadMarker, changes: Changes) -> None:
        """Read on another device (or the marker on join): what is older is not unread."""
        conversation = self.conversations.get(fold(event.target))
        if conversation is None or event.timestamp is None or conversation.key == self.current:
            return
        unread = [
            line
            for line in conversation.lines
            if line.kind in TALK and not line.is_self and line.time > event.timestamp
        ]
        if len(unread) < conversation.unread:
            conversation.unread = len(unread)
            conversation.mentioned = any(line.mention for line in unread)
            changes.conversations = True

    # -- accounts ----------------------------------------------------------------------------

    def provide_password(self, request: PasswordRequest, password: str) -> Changes:
        """The person typed ``password`` for ``request``: log in or register with it.

        The model does not keep it (the core keeps one that works, for reconnecting).
        """
        changes = Changes()
        try:
            check_password(password)
        except OptionError as error:
            self._error(self.current, _now(), str(error), changes)
            return changes
        account = clean(request.account)
        try:
            if request.purpose == "register":
                self.protocol.register_account(password)
                self._info(self.current, _now(), f"Registering the account {account} …", changes)
            else:
                self.protocol.login(password, request.account)
                self._info(self.current, _now(), f"Logging in as {account} …", changes)
        except NotRegistered:
            self._error(self.current, _now(), "Not connected to the server: not sent", changes)
        return changes

    def cancel_password(self, request: PasswordRequest) -> Changes:
        """The person closed the password prompt without typing one."""
        changes = Changes()
        if not request.typed and self._protected is not None:
            text = "Not logged in: /login to log in, or /nick to choose another nick"
            self._info(self.current, _now(), text, changes)
        return changes

    def _on_logged_in(self, event: ev.LoggedIn, changes: Changes) -> None:
        self._login_error = None
        self._protected = None
        key = self.current if self.link is Link.ONLINE else SERVER_KEY
        self._info(key, event.time, f"You are logged in as {clean(event.account)}", changes)
        changes.nick = True

    def _on_logged_out(self, event: ev.LoggedOut, changes: Changes) -> None:
        self._info(self.current, event.time, "You are logged out", changes)
        changes.nick = True

    def _on_login_failed(self, event: ev.LoginFailed, changes: Changes) -> None:
        reason = clean(event.reason)
        self._login_error = reason
        key = self.current if self.link is Link.ONLINE else SERVER_KEY
        self._error(key, event.time, f"Login as {clean(event.account)} failed: {reason}", changes)
        if self._protected is not None and self._protected == fold(self.nick):
            changes.password = PasswordRequest("login", self.nick, reason, typed=False)

    def _on_account_registered(self, event: ev.AccountRegistered, changes: Changes) -> None:
        text = clean(event.message) or f"The account {clean(event.account)} is registered"
        self._info(self.current, event.time, text, changes)

    def _on_registration_failed(self, event: ev.RegistrationFailed, changes: Changes) -> None:
        text = clean(event.message) or clean(event.code)
        self._error(self.current, event.time, f"Could not register: {text}", changes)

    def _on_nick_protected(self, event: ev.NickProtected, changes: Changes) -> None:
        nick = clean(event.nick)
        self._protected = fold(event.nick)
        within = f" within {event.seconds} seconds" if event.seconds is not None else ""
        text = (
            f"{nick} belongs to a registered account: type /login{within} to log in, "
            "or /nick to choose another nick, or you will be renamed"
        )
        self._error(self.current, event.time, text, changes)
        reason = self._login_error or clean(event.message)
        changes.password = PasswordRequest("login", event.nick, reason, typed=False)

    def _handle(self, event: ev.Event, changes: Changes) -> None:
        handler = _EVENT_HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event, changes)

    def _on_batch(self, event: ev.Batch, changes: Changes) -> None:
        if event.kind not in HISTORY_BATCHES or not event.params:
            for inner in event.events:
                self._handle(inner, changes)
            return
        filed = Changes()
        for inner in event.events:
            self._handle(inner, filed)
        conversation = self.conversations.get(fold(event.params[0]))
        lines = [line for place, line in filed.lines if place is conversation]
        if conversation is not None and lines:
            if event.missed:
                self._divide_missed(conversation, lines, filed)
            else:
                self._divide_new(conversation, lines, filed)
        changes.merge(filed)

    def _divide_missed(
        self, conversation: Conversation, lines: list[Line], changes: Changes
    ) -> None:
        """``— missed while you were away —`` before the first of the missed ``lines``, and
        a word where the person is looking."""
        first = min(lines, key=lambda line: line.time)
        self._divide(conversation, first, MISSED, changes)
        if conversation.key != self.current:
            count = sum(1 for line in lines if line.missed)
            noun = "message" if count == 1 else "messages"
            name = clean(conversation.name)
            text = f"{count} {noun} from {name} arrived while you were away: @{name} to read"
            self._info(self.current, first.time, text, changes)

    def _divide_new(self, conversation: Conversation, lines: list[Line], changes: Changes) -> None:
        """History arrived: ``— new since HH:MM —`` before the first line newer than the read
        marker, and what is newer counts as unread where the person is not looking."""
        marker = self.protocol.read_marker(conversation.name)
        if marker is None:
            return
        news = [line for line in lines if _unread_after(line, marker)]
        if not news:
            return
        first = next(line for line in conversation.lines if _unread_after(line, marker))
        self._divide(conversation, first, NEW_SINCE.format(time=hhmm(marker)), changes)
        if conversation.key != self.current:
            conversation.unread += len(news)
            conversation.mentioned |= any(line.mention for line in news)
            changes.conversations = True

    def _divide(
        self, conversation: Conversation, before: Line, text: str, changes: Changes
    ) -> None:
        """Put a divider saying ``text`` right before line ``before`` (one of its kind per
        conversation: an earlier one goes), also among the lines to print."""
        kind = NEW_SINCE.split("{", 1)[0] if text != MISSED else MISSED
        stale = [
            line
            for line in conversation.lines
            if line.kind is LineKind.DIVIDER and line.text.startswith(kind)
        ]
        for line in stale:
            conversation.lines.remove(line)
        divider = Line(before.time, LineKind.DIVIDER, text)
        index = next(i for i, line in enumerate(conversation.lines) if line is before)
        self._insert(conversation, index, divider)
        entry = (conversation, before)
        position = next(
            (i for i, (place, line) in enumerate(changes.lines) if (place, line) == entry),
            len(changes.lines),
        )
        changes.lines.insert(position, (conversation, divider))
        changes.redraw |= conversation.key == self.current

    def _on_connected(self, event: ev.Connected, changes: Changes) -> None:
        self._info(SERVER_KEY, event.time, f"Connected to {event.host}:{event.port}", changes)

    def _on_registered(self, event: ev.Registered, changes: Changes) -> None:
        returning = self.ever_online
        self.link = Link.ONLINE
        self.ever_online = True
        self.reconnect_at = None
        self.down_reason = None
        changes.status = changes.nick = True
        where = clean(event.network or event.server or "the server")
        if returning:
            for conversation in list(self.conversations.values()):
                self._add(conversation, ev_line(event.time, LineKind.INFO, "Reconnected"), changes)
        else:
            text = f"Welcome to {where}, {clean(event.nick)}"
            self._info(SERVER_KEY, event.time, text, changes)

    def _on_motd(self, event: ev.Motd, changes: Changes) -> None:
        for text in event.lines:
            self._info(SERVER_KEY, event.time, clean(text), changes)

    def _on_nick_rejected(self, event: ev.NickRejected, changes: Changes) -> None:
        text = f"The nick {clean(event.nick)} is not available: {clean(event.reason)}"
        changes.nick = True
        if event.registered:
            self._error(self.current, event.time, text, changes)
        else:
            self._error(SERVER_KEY, event.time, text, changes)

    def _on_server_error(self, event: ev.ServerError, changes: Changes) -> None:
        text = f"ERROR :{clean(event.text)}"
        self._error(self.current, event.time, text, changes)
        if self.current != SERVER_KEY:
            self._error(SERVER_KEY, event.time, text, changes)

    def _on_disconnected(self, event: ev.Disconnected, changes: Changes) -> None:
        changes.status = changes.members = changes.conversations = True
        if self.protocol.quitting:
            self.link = Link.CLOSED
            return
        self.link = Link.DOWN
        self.reconnect_at = None
        self.down_reason = clean(event.reason)
        for conversation in self.conversations.values():
            conversation.joined = False
        self._error(self.current, event.time, f"Disconnected: {self.down_reason}", changes)

    def _on_reconnecting(self, event: ev.Reconnecting, changes: Changes) -> None:
        if self.link is Link.CLOSED:
            return
        self.link = Link.DOWN
        self.reconnect_at = self._clock() + event.delay
        changes.status = True

    def _on_message(self, event: ev.Message, changes: Changes) -> None:
        kind = (
            LineKind.ACTION
            if event.is_action
            else LineKind.NOTICE
            if event.is_notice
            else LineKind.MESSAGE
        )
        if event.from_server or (event.is_notice and self.link is not Link.ONLINE):
            key = SERVER_KEY
        elif event.is_direct:
            key = fold(event.conversation)
            if key not in self.conversations:
                if event.is_notice and not event.is_self:
                    key = self.current  # a service's notice: where the person is looking
                else:
                    self._open(event.conversation, ConversationKind.DIRECT)
        else:
            key = fold(event.conversation)
            if key not in self.conversations:
                self._open(event.conversation, ConversationKind.ROOM)
        text = clean(event.text)
        mention = not event.is_self and (
            (event.is_direct and not event.from_server) or self._mentions_me(text)
        )
        line = Line(
            event.time,
            kind,
            text,
            clean(event.sender),
            is_self=event.is_self,
            mention=mention,
            history=event.history,
            msgid=event.msgid,
            missed=event.missed,
        )
        conversation = self.conversations[key]
        if event.history:
            self._add_history(conversation, line, changes)
        else:
            self._add(conversation, line, changes)

    def _on_joined(self, event: ev.Joined, changes: Changes) -> None:
        key = fold(event.channel)
        if event.is_self:
            conversation = self.conversations.get(key)
            if conversation is None:
                conversation = self._open(event.channel, ConversationKind.ROOM)
            conversation.joined = True
            changes.conversations = True
            if key in self._select_on_join or self.current == SERVER_KEY:
                self._select_on_join.discard(key)
                changes.merge(self.select(key))
            self.protocol.who(event.channel)  # away state of the members, silently
        text = f"joined {clean(event.channel)}"
        self._event_line(key, event, LineKind.JOIN, event.nick, text, event.is_self, changes)
        changes.members |= key == self.current

    def _on_parted(self, event: ev.Parted, changes: Changes) -> None:
        key = fold(event.channel)
        reason = f" ({clean(event.reason)})" if event.reason else ""
        text = f"left {clean(event.channel)}{reason}"
        if event.is_self:
            self._close(key, changes)
            self._event_line(SERVER_KEY, event, LineKind.PART, event.nick, text, True, changes)
            return
        self._event_line(key, event, LineKind.PART, event.nick, text, False, changes)
        changes.members |= key == self.current

    def _on_kicked(self, event: ev.Kicked, changes: Changes) -> None:
        key = fold(event.channel)
        reason = f" ({clean(event.reason)})" if event.reason else ""
        text = f"was removed from {clean(event.channel)} by {clean(event.by)}{reason}"
        self._event_line(key, event, LineKind.PART, event.nick, text, event.is_self, changes)
        if event.is_self and key in self.conversations:
            self.conversations[key].joined = False
            changes.conversations = True
        changes.members |= key == self.current

    def _on_quit(self, event: ev.Quit, changes: Changes) -> None:
        reason = f" ({clean(event.reason)})" if event.reason else ""
        keys = [fold(channel) for channel in event.channels]
        if fold(event.nick) in self.conversations:
            keys.append(fold(event.nick))
        for key in keys:
            self._event_line(key, event, LineKind.QUIT, event.nick, f"quit{reason}", False, changes)
        changes.members = True

    def _on_nick_changed(self, event: ev.NickChanged, changes: Changes) -> None:
        text = f"is now known as {clean(event.new)}"
        keys = [fold(channel) for channel in event.channels]
        old_key = fold(event.old)
        if old_key in self._known_colors:
            self._known_colors[fold(event.new)] = self._known_colors.pop(old_key)
        if event.is_self:
            keys = [SERVER_KEY, *keys]
            changes.nick = True
        elif old_key in self.conversations:
            self._rename(old_key, event.new)
            keys.append(fold(event.new))
            changes.conversations = True
        for key in keys:
            self._event_line(key, event, LineKind.NICK, event.old, text, event.is_self, changes)
        if event.is_self and event.forced:
            old = clean(event.old)
            hint = f"{old} belongs to a registered account: /login to log in and take it back"
            self._info(self.current, event.time, hint, changes)
        changes.members = True

    def _on_topic(self, event: ev.TopicChanged, changes: Changes) -> None:
        key = fold(event.channel)
        topic = clean(event.topic)
        if event.by is None:
            nick, text = None, f"Topic: {topic}" if topic else "No topic is set"
            line = ev_line(event.time, LineKind.TOPIC, text)
            if key in self.conversations:
                self._add(self.conversations[key], line, changes)
        else:
            text = f"changed the topic to: {topic}" if topic else "cleared the topic"
            nick = event.by
            self._event_line(
                key, event, LineKind.TOPIC, nick, text, self.protocol.is_me(nick), changes
            )
        changes.topic |= key == self.current

    def _on_names(self, event: ev.Names, changes: Changes) -> None:
        changes.members |= fold(event.channel) == self.current

    def _on_mode(self, event: ev.ModeChanged, changes: Changes) -> None:
        key = fold(event.target)
        if key not in self.conversations or key == fold(self.nick):
            return
        flags = " ".join(
            ("+" if change.adding else "-")
            + change.mode
            + (f" {change.param}" if change.param else "")
            for change in event.changes
        )
        text = f"sets mode {clean(flags)}"
        self._event_line(
            key, event, LineKind.MODE, event.by, text, self.protocol.is_me(event.by), changes
        )
        changes.members |= key == self.current

    def _on_away(self, event: ev.Away, changes: Changes) -> None:
        changes.members = True
        if event.is_self:
            text = (
                "You are back"
                if event.message is None
                else f"You are marked away: {clean(event.message)}"
            )
            self._info(self.current, event.time, text, changes)

    def _on_metadata(self, event: ev.MetadataChanged, changes: Changes) -> None:
        if event.key != COLOR_KEY:
            return
        if event.value is None:
            self._known_colors.pop(fold(event.target), None)
        else:
            self._known_colors[fold(event.target)] = event.value
        changes.members = changes.conversations = True

    def _on_who(self, event: ev.WhoResult, changes: Changes) -> None:
        key = fold(event.mask)
        changes.members = True
        if key not in self._show_who:
            return
        self._show_who.discard(key)
        names = sorted(
            {
                clean(entry.prefixes[:1] + entry.nick) + (" (away)" if entry.away else "")
                for entry in event.entries
            },
            key=lambda item: fold(item.lstrip("@+")),
        )
        where = f"In {clean(event.mask)}" if key != fold("*") else "Online"
        self._info(self.current, event.time, f"{where} ({len(names)}): {', '.join(names)}", changes)

    def _on_whois(self, event: ev.WhoisResult, changes: Changes) -> None:
        nick = clean(event.nick)
        if not event.found:
            self._error(self.current, event.time, f"{nick} is not online", changes)
            return
        parts = [f"{nick} is {clean(event.user or '?')}@{clean(event.host or '?')}"]
        if event.realname:
            parts.append(f"({clean(event.realname)})")
        lines = [" ".join(parts)]
        if event.channels:
            lines.append("in " + " ".join(clean(channel) for channel in event.channels))
        if event.account:
            lines.append(f"logged in as {clean(event.account)}")
        if event.away_message:
            lines.append(f"away: {clean(event.away_message)}")
        if event.idle_seconds is not None:
            lines.append(f"idle {_duration(event.idle_seconds)}")
        # The colour's RPL_WHOISKEYVALUE is said in words below, not as "color * #rrggbb".
        lines += [clean(extra) for extra in event.extra if not extra.startswith(COLOR_KEY + " ")]
        color = self.protocol.color_of(event.nick)
        if color:
            lines.append(f"colour {color_name(color) or color}")
        for text in lines:
            self._info(self.current, event.time, text, changes)

    def _on_list(self, event: ev.ChannelList, changes: Changes) -> None:
        if not self._show_list:
            return
        self._show_list = False
        if not event.channels:
            self._info(self.current, event.time, "There are no rooms yet: /join #name", changes)
            return
        self._info(self.current, event.time, f"{len(event.channels)} rooms:", changes)
        for entry in sorted(event.channels, key=lambda entry: (-entry.users, entry.channel)):
            topic = f": {clean(entry.topic)}" if entry.topic else ""
            text = f"  {clean(entry.channel)} ({entry.users}){topic}"
            self._info(self.current, event.time, text, changes)

    def _on_server_reply(self, event: ev.ServerReply, changes: Changes) -> None:
        key = self.current if self.link is Link.ONLINE else SERVER_KEY
        if event.is_error:
            self._error(key, event.time, clean(event.text), changes)
        else:
            self._info(key, event.time, clean(event.text), changes)

    def _on_standard_reply(self, event: ev.StandardReply, changes: Changes) -> None:
        text = clean(event.description)
        if event.code == "DELIVERED_LATER" and event.context:
            # "bo is offline; your message will be delivered when they next log in"
            key = fold(event.context[0])
            if key not in self.conversations:
                self._open(event.context[0], ConversationKind.DIRECT)
                changes.conversations = True
            self._info(key, event.time, text, changes)
            return
        if event.command in ("CHATHISTORY", "MARKREAD"):
            # Asked by the client itself, not the person: noted where it bothers nobody.
            self._error(SERVER_KEY, event.time, f"{event.command}: {text}", changes)
            return
        if event.kind == "NOTE":
            self._info(self.current, event.time, text, changes)
        else:
            self._error(self.current, event.time, text, changes)

    def _on_invited(self, event: ev.Invited, changes: Changes) -> None:
        if event.is_self:
            room = clean(event.channel)
            text = f"{clean(event.by)} invites you to {room}: /join {room}"
            self._info(self.current, event.time, text, changes)

    # -- what the person typed ----------------------------------------------------------------

    def submit(self, text: str) -> Changes:
        """Run one line the person typed: a command of design.md section 6 or a message."""
        changes = Changes()
        request = cmd.parse_input(text)
        if request is None:
            return changes
        try:
            self._submit(request, changes)
        except NotRegistered:
            self._error(self.current, _now(), "Not connected to the server: not sent", changes)
        return changes

    def _submit(self, request: cmd.Input, changes: Changes) -> None:
        conversation = self.current_conversation
        match request:
            case cmd.Say(text, to_room):
                if to_room and conversation.kind is not ConversationKind.ROOM:
                    self._error(self.current, _now(), "@all works in a room", changes)
                elif conversation.kind is ConversationKind.SERVER:
                    self._error(self.current, _now(), _SERVER_WINDOW, changes)
                else:
                    self.protocol.privmsg(conversation.name, text)
            case cmd.DirectMessage(nick, text):
                self._direct(nick, text, changes)
            case cmd.Action(text):
                if conversation.kind is ConversationKind.SERVER:
                    self._error(self.current, _now(), _SERVER_WINDOW, changes)
                else:
                    self.protocol.action(conversation.name, text)
            case cmd.Help():
                self._help(changes)
            case cmd.Online():
                target = (
                    "*" if conversation.kind is not ConversationKind.ROOM else conversation.name
                )
                self.protocol.who(target)  # raises NotRegistered before anything is pending
                self._show_who.add(fold(target))
            case cmd.Disconnect(reason):
                changes.quit = reason or ""
            case cmd.Join(room, key):
                room = self._room_name(room)
                if fold(room) in self.conversations and self.conversations[fold(room)].joined:
                    changes.merge(self.select(fold(room)))  # no JOIN echo will come to wait for
                else:
                    self._select_on_join.add(fold(room))
                self.protocol.join(room, key)
            case cmd.Leave(room, reason):
                self._leave(room, reason, changes)
            case cmd.ListRooms():
                self.protocol.list_channels()
                self._show_list = True
            case cmd.ChangeNick(nick):
                self.protocol.set_nick(nick)
            case cmd.ChangeColor(value):
                self._color(value, changes)
            case cmd.Topic(text):
                self._topic(text, changes)
            case cmd.Whois(nick):
                self.protocol.whois(nick)
            case cmd.SetAway(message):
                self.protocol.away(message)
            case cmd.Account(command, account):
                self._account_command(command, account, changes)
            case cmd.Unknown(command):
                text = f"Unknown command {command}: @help lists the commands"
                self._error(self.current, _now(), text, changes)
            case cmd.Usage(text):
                self._error(self.current, _now(), f"Usage: {text}", changes)

    def _account_command(self, command: str, account: str | None, changes: Changes) -> None:
        """``/register`` and ``/login``: ask the UI for the password (nothing is sent yet)."""
        if not self.protocol.ready:
            raise NotRegistered("not connected to the server")
        if self.protocol.account is not None:
            text = f"You are already logged in as {clean(self.protocol.account)}"
            self._error(self.current, _now(), text, changes)
            return
        if command == "register":
            changes.password = PasswordRequest("register", self.nick)
        else:
            wanted = account or self.protocol.reclaim_nick or self.nick
            changes.password = PasswordRequest("login", wanted, self._login_error)

    def _direct(self, nick: str, text: str, changes: Changes) -> None:
        if self.protocol.server.is_channel(nick) or not nick:
            self._error(self.current, _now(), "@<nick> <text>: name a person", changes)
            return
        key = fold(nick)
        if key not in self.conversations:
            self._open(nick, ConversationKind.DIRECT)
            changes.conversations = True
        changes.merge(self.select(key))
        if text:
            self.protocol.privmsg(nick, text)

    def _room_name(self, room: str) -> str:
        return room if self.protocol.server.is_channel(room) else "#" + room

    def _leave(self, room: str | None, reason: str | None, changes: Changes) -> None:
        conversation = self.current_conversation
        if room is None:
            if conversation.kind is ConversationKind.DIRECT:
                self._close(conversation.key, changes)
                return
            if conversation.kind is ConversationKind.SERVER:
                self._error(self.current, _now(), "/leave: you are not in a room here", changes)
                return
            room = conversation.name
        key = fold(room)
        target = self.conversations.get(key)
        if target is not None and not target.joined:
            self.protocol.part(room, reason)  # forget it for reconnects, too
            self._close(key, changes)
            return
        self.protocol.part(room, reason)

    def _color(self, value: str | None, changes: Changes) -> None:
        if value is None:
            own = self.protocol.own_metadata.get(COLOR_KEY)
            mine = (
                f"Your colour is {color_name(own) or own}"
                if own
                else f"You have no colour set (yours is derived from your nick: {self.own_color})"
            )
            self._info(self.current, _now(), mine, changes)
            self._info(self.current, _now(), "Colours: " + ", ".join(PALETTE), changes)
            self._info(self.current, _now(), "or any #rrggbb; /color none removes it", changes)
            return
        if value.strip().lower() == "none":
            self.protocol.set_metadata(COLOR_KEY, None)
            self._info(self.current, _now(), "Your colour is now derived from your nick", changes)
            changes.members = True
            return
        try:
            color = parse_color(value)
        except ColorError as error:
            self._error(self.current, _now(), str(error), changes)
            return
        self.protocol.set_metadata(COLOR_KEY, color)
        changes.members = changes.conversations = True
        shown = color_name(color) or color
        if self.protocol.ready and not self.protocol.has_cap(METADATA_CAP):
            shown += " (this server does not share colours, so only you see it)"
        self._info(self.current, _now(), f"Your colour is now {shown}", changes)

    def _topic(self, text: str | None, changes: Changes) -> None:
        conversation = self.current_conversation
        if conversation.kind is not ConversationKind.ROOM:
            self._error(self.current, _now(), "/topic: you are not in a room here", changes)
            return
        if text is None:
            topic = self.topic
            shown = f"Topic: {topic}" if topic else "No topic is set: /topic <text> sets one"
            self._info(self.current, _now(), shown, changes)
            return
        self.protocol.set_topic(conversation.name, text)

    def _help(self, changes: Changes) -> None:
        now = _now()
        self._info(self.current, now, "Commands:", changes)
        for row in cmd.HELP:
            self._info(self.current, now, f"  {row.usage}: {row.does}", changes)
        self._info(self.current, now, cmd.HELP_FOOTER, changes)

    # -- filing lines -------------------------------------------------------------------------

    def _open(self, name: str, kind: ConversationKind) -> Conversation:
        conversation = Conversation(name, kind, deque(maxlen=self.scrollback))
        self.conversations[conversation.key] = conversation
        return conversation

    def _close(self, key: Folded, changes: Changes) -> None:
        if key == SERVER_KEY or key not in self.conversations:
            return
        keys = list(self.conversations)
        index = keys.index(key)
        del self.conversations[key]
        changes.conversations = True
        if self.current == key:
            remaining = list(self.conversations)
            changes.merge(self.select(remaining[min(index, len(remaining) - 1)]))

    def _rename(self, old: Folded, new: str) -> None:
        new_key = fold(new)
        # An earlier conversation with the new nick (someone who left) is merged, not lost.
        stale = self.conversations.get(new_key) if new_key != old else None
        renamed: dict[Folded, Conversation] = {}
        for key, conversation in self.conversations.items():
            if conversation is stale:
                continue
            if key == old:
                conversation.name = new
                key = new_key
                if stale is not None:
                    lines = sorted([*stale.lines, *conversation.lines], key=lambda ln: ln.time)
                    conversation.lines = deque(lines, maxlen=conversation.lines.maxlen)
                    conversation.unread += stale.unread
                    conversation.mentioned |= stale.mentioned
            renamed[key] = conversation
        self.conversations = renamed
        if self.current in (old, new_key):
            self.current = new_key

    def _mentions_me(self, text: str) -> bool:
        nick = self.nick
        pattern = r"(?<![\w\[\]\\`^{}|-])" + re.escape(nick) + r"(?![\w\[\]\\`^{}|-])"
        return re.search(pattern, text, re.IGNORECASE) is not None

    def _add(self, conversation: Conversation, line: Line, changes: Changes) -> None:
        conversation.lines.append(line)
        changes.lines.append((conversation, line))
        self._count_unread(conversation, line, changes)

    def _count_unread(self, conversation: Conversation, line: Line, changes: Changes) -> None:
        """Talk said elsewhere (or missed while away) is unread; history and ours are not."""
        if conversation.key == self.current or line.is_self:
            return
        if line.history and not line.missed:
            return
        if line.kind in TALK:
            conversation.unread += 1
            changes.conversations = True
            if line.mention:
                conversation.mentioned = True

    def _insert(self, conversation: Conversation, index: int, line: Line) -> bool:
        """Put ``line`` at ``index``, dropping the oldest line if the scrollback is full;
        False when it would itself be the oldest line dropped."""
        lines = conversation.lines
        if len(lines) == lines.maxlen:
            if index == 0:
                return False
            lines.popleft()
            index -= 1
        lines.insert(index, line)
        return True

    def _add_history(self, conversation: Conversation, line: Line, changes: Changes) -> None:
        """File a replayed line in time order (it may arrive after lines said since) unless
        it is already there (a rejoin asks for the latest lines again)."""
        lines = conversation.lines
        if line.msgid is not None and any(known.msgid == line.msgid for known in lines):
            return
        index = len(lines)
        while index > 0 and lines[index - 1].time > line.time:
            index -= 1
        if index == len(lines):
            self._add(conversation, line, changes)
            return
        if not self._insert(conversation, index, line):
            return  # older than everything kept
        changes.lines.append((conversation, line))
        changes.redraw |= conversation.key == self.current
        self._count_unread(conversation, line, changes)

    def _event_line(
        self,
        key: Folded,
        event: ev.Event,
        kind: LineKind,
        nick: str | None,
        text: str,
        is_self: bool,
        changes: Changes,
    ) -> None:
        conversation = self.conversations.get(key)
        if conversation is None:
            return
        line = Line(event.time, kind, text, clean(nick) if nick else None, is_self=is_self)
        self._add(conversation, line, changes)

    def _info(self, key: Folded, when: datetime, text: str, changes: Changes) -> None:
        conversation = self.conversations.get(key) or self.current_conversation
        self._add(conversation, ev_line(when, LineKind.INFO, text), changes)

    def _error(self, key: Folded, when: datetime, text: str, changes: Changes) -> None:
        conversation = self.conversations.get(key) or self.current_conversation
        self._add(conversation, ev_line(when, LineKind.ERROR, text), changes)


_SERVER_WINDOW = "This is the server window: /join a room, or @nick someone to talk"


def ev_line(when: datetime, kind: LineKind, text: str) -> Line:
    """A line with no nick (info, error, a topic shown on join)."""
    return Line(when, kind, text)


def _now() -> datetime:
    return datetime.now(UTC)


def _unread_after(line: Line, marker: datetime) -> bool:
    """Whether ``line`` is someone's talk newer than read marker ``marker``."""
    return line.kind in TALK and not line.is_self and line.time > marker


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h {seconds % 3600 // 60}m"


def _handlers() -> dict[type[ev.Event], Callable[[ChatModel, ev.Event, Changes], None]]:
    table: Iterable[tuple[type[ev.Event], Callable[..., None]]] = (
        (ev.Batch, ChatModel._on_batch),
        (ev.Connected, ChatModel._on_connected),
        (ev.Registered, ChatModel._on_registered),
        (ev.Motd, ChatModel._on_motd),
        (ev.NickRejected, ChatModel._on_nick_rejected),
        (ev.ServerError, ChatModel._on_server_error),
        (ev.Disconnected, ChatModel._on_disconnected),
        (ev.Reconnecting, ChatModel._on_reconnecting),
        (ev.Message, ChatModel._on_message),
        (ev.Joined, ChatModel._on_joined),
        (ev.Parted, ChatModel._on_parted),
        (ev.Kicked, ChatModel._on_kicked),
        (ev.Quit, ChatModel._on_quit),
        (ev.NickChanged, ChatModel._on_nick_changed),
        (ev.TopicChanged, ChatModel._on_topic),
        (ev.Names, ChatModel._on_names),
        (ev.ModeChanged, ChatModel._on_mode),
        (ev.Away, ChatModel._on_away),
        (ev.MetadataChanged, ChatModel._on_metadata),
        (ev.WhoResult, ChatModel._on_who),
        (ev.WhoisResult, ChatModel._on_whois),
        (ev.ChannelList, ChatModel._on_list),
        (ev.ServerReply, ChatModel._on_server_reply),
        (ev.StandardReply, ChatModel._on_standard_reply),
        (ev.Invited, ChatModel._on_invited),
        (ev.LoggedIn, ChatModel._on_logged_in),
        (ev.LoggedOut, ChatModel._on_logged_out),
        (ev.LoginFailed, ChatModel._on_login_failed),
        (ev.AccountRegistered, ChatModel._on_account_registered),
        (ev.RegistrationFailed, ChatModel._on_registration_failed),
        (ev.NickProtected, ChatModel._on_nick_protected),
        (ev.ReadMarker, ChatModel._on_read_marker),
    )
    return dict(table)


_EVENT_HANDLERS = _handlers()
"""Which method files each event type; events not listed change nothing on screen."""
