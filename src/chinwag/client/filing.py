"""The chat model's conversations and how lines are filed in them.

:class:`ConversationFiling` holds the state the parts of the chat model share: the
conversations one person sees on one server, which one is on screen, and what is remembered
between events (colours people chose, a login that failed, answers the person asked for and
is waiting on). It files :class:`~chinwag.client.values.Line` values: in order or, for
history, in time order, after a divider saying where the news (or what was missed while
away) starts; counted unread where the person is not looking; dropped from the top when the
scrollback is full. It also marks the conversation on screen read on the server
(draft/read-marker), at most once a second.

It is given to the parts that work on it, which never subclass it:
:class:`~chinwag.client.typed.TypedInput` (what the person types) and
:class:`~chinwag.client.chat.ChatModel` (the events from the connection), which builds and
owns both. A screen uses :class:`~chinwag.client.chat.ChatModel`, never this class alone.
"""

from __future__ import annotations

import math
import re
import time as _time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from chinwag.client.colors import nick_color
from chinwag.client.history import READ_MARKER_CAP
from chinwag.client.protocol import ClientProtocol
from chinwag.client.text import clean
from chinwag.client.values import (
    SERVER_KEY,
    TALK,
    Changes,
    Conversation,
    ConversationKind,
    Line,
    LineKind,
    MemberView,
    hhmm,
)
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.metadata import COLOR_KEY

DEFAULT_SCROLLBACK = 2000
"""Lines kept per conversation."""

MARK_READ_INTERVAL = 1.0
"""Seconds between two ``MARKREAD`` of the same conversation."""

NEW_SINCE = "— new since {time} —"
"""The divider before the first line of a conversation newer than its read marker."""

MISSED = "— missed while you were away —"
"""The divider before direct messages delivered on login."""


@dataclass
class Held:
    """A message typed while it could not be sent: where to, what, and its pending line."""

    key: Folded
    target: str
    text: str
    action: bool
    line: Line
    sent: bool = False
    """Sent after the reconnection; the line stays pending until the echo replaces it."""


class ConversationFiling:
    """The conversations one person sees on one server, and the filing of lines in them.

    ``server_name`` names the server's own conversation; ``clock`` is a monotonic clock for
    the read markers (tests pass their own). The attributes after ``current`` are what the
    parts of the chat model tell each other between events: the typed input notes what the
    person asked for, the event handling takes it when the answer comes, and the other way
    round for a login that failed or a protected nick.
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
        """Every conversation by key, in the order they are listed; the server's first."""
        self.current: Folded = SERVER_KEY
        """The key of the conversation on screen (change it with :meth:`select`)."""
        self.show_who: set[Folded] = set()
        """WHO masks the person asked about (``/who``): their answer is shown, not only used."""
        self.show_list = False
        """Whether the person asked for the room list (``/list``): the next one is shown."""
        # The first room the client joins as it connects is where it lands, whichever JOIN
        # comes first: with the account's other devices (multiclient, issue 16) the server
        # shows the rooms the account's user is in before it answers ours.
        self.select_on_join: set[Folded] = set(list(protocol.rooms)[:1])
        """Rooms the person asked to join, and the one the client lands in: each goes on
        screen when its JOIN echo comes (:meth:`takes_screen`)."""
        self.carried: list[Line] = []
        """Lines of the server conversation the person must see wherever they land (a new
        certificate's fingerprint): filed again in the next room we join."""
        self.known_colors: dict[Folded, str] = {}
        """Colours people chose, by folded nick: kept across reconnections."""
        self._bots_heard: set[Folded] = set()
        # Senders a message said are bots (bot-mode), so the member list is redrawn once each.
        self.login_error: str | None = None
        """Why the last login failed, shown when the password is asked for again."""
        self.protected: Folded | None = None
        """Our nick while the server says it belongs to an account we are not logged in to."""
        self.registering: Folded | None = None
        """The account the person asked to register, until the server says how it went."""
        self.registered_said: Folded | None = None
        """The account whose registration was announced on RPL_LOGGEDIN or REGISTER SUCCESS,
        whichever came first: the other one says nothing (success is said once)."""
        self.held: list[Held] = []
        """Messages typed while disconnected, in order: sent when back, until their echo."""
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
            chosen = self.known_colors.get(fold(nick))
        return chosen or nick_color(nick)

    def members(self) -> list[MemberView]:
        """The current room's members, operators first, then by nick; empty elsewhere."""
        conversation = self.current_conversation
        if conversation.kind is ConversationKind.DIRECT:
            user = self.protocol.user(conversation.name)
            away = user.away if user is not None else False
            me = MemberView(
                clean(self.nick),
                "",
                bool(self.protocol.away_message),
                self.own_color,
                self._is_bot(self.nick),
            )
            if self.protocol.is_online(conversation.name) is False:
                return [me]  # they quit: not a member of anything now
            other = MemberView(
                clean(conversation.name),
                "",
                away,
                self.color_of(conversation.name),
                self._is_bot(conversation.name),
            )
            return [me, other]
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
                MemberView(
                    clean(member.nick),
                    member.prefix,
                    away,
                    self.color_of(member.nick),
                    self._is_bot(member.nick),
                )
            )
        views.sort(
            key=lambda view: (
                # "" is "in" every string: only a real prefix has a rank.
                ranks.index(view.prefix) if view.prefix and view.prefix in ranks else len(ranks),
                fold(view.nick),
            )
        )
        return views

    def heard_bot(self, nick: str) -> bool:
        """A message said ``nick`` is a bot: whether that is news to the member list (the
        first time for each nick), so that it is drawn again with the marker."""
        key = fold(nick)
        news = key not in self._bots_heard
        self._bots_heard.add(key)
        return news

    def _is_bot(self, nick: str) -> bool:
        """Whether ``nick`` is known to be a bot (IRCv3 bot-mode)."""
        user = self.protocol.user(nick)
        return user is not None and user.bot

    @property
    def account(self) -> str | None:
        """The account we are logged in to, or None."""
        return self.protocol.account

    @property
    def own_color(self) -> str:
        """Our colour: the one chosen, or the one derived from our nick."""
        return self.protocol.own_metadata.get(COLOR_KEY) or nick_color(self.nick)

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

    def takes_screen(self, key: Folded) -> bool:
        """Whether our JOIN of ``key`` puts it on screen: if it was asked for, or if nothing
        but the server's conversation is open and no asked-for room is on its way. A JOIN
        nobody here asked for (another device's ``/join``, the rooms of the user a login
        attached to) only lists the room."""
        idle = self.current == SERVER_KEY and not self.select_on_join
        if key in self.select_on_join or idle:
            self.select_on_join.discard(key)
            return True
        return False

    def select_next(self, step: int = 1) -> Changes:
        """Show the next (``step`` 1) or previous (-1) conversation, wrapping around."""
        keys = list(self.conversations)
        index = keys.index(self.current)
        return self.select(keys[(index + step) % len(keys)])

    def tick(self) -> None:
        """Send the read markers postponed because one was sent less than a second before.
        Call it now and then (the terminal client does twice a second)."""
        now = self._clock()
        for key in list(self._mark_pending):
            if now - self._marked_at.get(key, -math.inf) >= MARK_READ_INTERVAL:
                self._mark_read(key)

    # -- read markers (https://ircv3.net/specs/extensions/read-marker) -------------------------

    def seen(self, changes: Changes) -> None:
        """Talk arrived in the conversation on screen: the person has read it. Called with
        what each event changed, once it is filed."""
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

    # -- filing lines -------------------------------------------------------------------------

    def open(self, name: str, kind: ConversationKind) -> Conversation:
        """A new, empty conversation ``name`` of ``kind``, listed last (not put on screen)."""
        conversation = Conversation(name, kind, deque(maxlen=self.scrollback))
        self.conversations[conversation.key] = conversation
        if kind is ConversationKind.DIRECT:
            self.protocol.open_direct(name)  # its history, and whether they are online
        return conversation

    def close(self, key: Folded, changes: Changes) -> None:
        """Forget conversation ``key`` (never the server's); if it was on screen, its
        neighbour in the list is shown instead."""
        if key == SERVER_KEY or key not in self.conversations:
            return
        keys = list(self.conversations)
        index = keys.index(key)
        if self.conversations[key].kind is ConversationKind.DIRECT:
            self.protocol.close_direct(self.conversations[key].name)
        del self.conversations[key]
        changes.conversations = True
        if self.current == key:
            remaining = list(self.conversations)
            changes.merge(self.select(remaining[min(index, len(remaining) - 1)]))

    def rename(self, old: Folded, new: str) -> None:
        """Conversation ``old`` (a person who changed nick) is called ``new`` from now on,
        in the same place in the list."""
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

    def mentions_me(self, text: str) -> bool:
        """Whether ``text`` names our nick as a word of its own (``ana:`` but not ``banana``)."""
        nick = self.nick
        pattern = r"(?<![\w\[\]\\`^{}|-])" + re.escape(nick) + r"(?![\w\[\]\\`^{}|-])"
        return re.search(pattern, text, re.IGNORECASE) is not None

    def add(self, conversation: Conversation, line: Line, changes: Changes) -> None:
        """File ``line`` last in ``conversation``, among the lines to print, counted unread
        if the person is not looking there."""
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

    def insert(self, conversation: Conversation, index: int, line: Line) -> bool:
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

    def add_history(self, conversation: Conversation, line: Line, changes: Changes) -> None:
        """File a replayed line in time order (it may arrive after lines said since) unless
        it is already there (a rejoin asks for the latest lines again)."""
        lines = conversation.lines
        if line.msgid is not None and any(known.msgid == line.msgid for known in lines):
            return
        index = len(lines)
        while index > 0 and lines[index - 1].time > line.time:
            index -= 1
        if index == len(lines):
            self.add(conversation, line, changes)
            return
        if not self.insert(conversation, index, line):
            return  # older than everything kept
        changes.lines.append((conversation, line))
        changes.redraw |= conversation.key == self.current
        self._count_unread(conversation, line, changes)

    def take_echo(self, key: Folded, line: Line, changes: Changes) -> bool:
        """Our ``line`` came back in conversation ``key``: if it is the echo of a held
        message already sent, it takes the pending line's place (the mark goes); True then.
        A long message comes back in pieces: the first takes the place, the rest follow."""
        held = next(
            (
                item
                for item in self.held
                if item.sent
                and item.key == key
                and item.action == (line.kind is LineKind.ACTION)
                and item.text.startswith(line.text)
            ),
            None,
        )
        if held is None:
            return False
        self.held.remove(held)
        conversation = self.conversations.get(key)
        if conversation is None:
            return False
        lines = conversation.lines
        index = next((i for i, known in enumerate(lines) if known is held.line), None)
        if index is None:
            return False  # scrolled away: file the echo as any other line
        lines[index] = line
        changes.lines.append((conversation, line))
        changes.redraw |= key == self.current
        return True

    def info(self, key: Folded, when: datetime, text: str, changes: Changes) -> None:
        """File a line of ours saying ``text`` in conversation ``key`` (or, if it is gone, the
        one on screen)."""
        conversation = self.conversations.get(key) or self.current_conversation
        self.add(conversation, Line(when, LineKind.INFO, text), changes)

    def connection_lines(self, when: datetime, lines: list[str], changes: Changes) -> None:
        """What a new connection says, in the server conversation; the lines after the
        first (a new certificate's fingerprint) again in the next room joined (see
        :meth:`carry_into`): a room is where a person looks once connected."""
        for number, text in enumerate(lines):
            self.info(SERVER_KEY, when, text, changes)
            if number:
                self.carried.append(Line(when, LineKind.INFO, text))

    def carry_into(self, key: Folded, changes: Changes) -> None:
        """File the lines :meth:`connection_lines` keeps in ``key`` (a room just joined)."""
        conversation = self.conversations.get(key)
        if conversation is not None:
            for line in self.carried:
                self.add(conversation, line, changes)
            self.carried.clear()

    def error(self, key: Folded, when: datetime, text: str, changes: Changes) -> None:
        """As :meth:`info`, for what went wrong (drawn as an error)."""
        conversation = self.conversations.get(key) or self.current_conversation
        self.add(conversation, Line(when, LineKind.ERROR, text), changes)

    # -- dividers in history ------------------------------------------------------------------

    def divide_missed(
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
            self.info(self.current, first.time, text, changes)

    def divide_new(self, conversation: Conversation, lines: list[Line], changes: Changes) -> None:
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
        self.insert(conversation, index, divider)
        entry = (conversation, before)
        position = next(
            (i for i, (place, line) in enumerate(changes.lines) if (place, line) == entry),
            len(changes.lines),
        )
        changes.lines.insert(position, (conversation, divider))
        changes.redraw |= conversation.key == self.current


def now() -> datetime:
    """The time of a line the client writes itself (an error, an answer to a command)."""
    return datetime.now(UTC)


def _unread_after(line: Line, marker: datetime) -> bool:
    """Whether ``line`` is someone's talk newer than read marker ``marker``."""
    return line.kind in TALK and not line.is_self and line.time > marker
