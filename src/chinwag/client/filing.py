"""The chat model's conversations and how lines are filed in them.

:class:`ConversationFiling` holds the state the rest of the chat model shares: the
conversations one person sees on one server, which one is on screen, the link, and what the
model remembers between events (colours people chose, a login that failed, a read marker
held back). It files :class:`~chinwag.client.values.Line` values: in order or, for history,
in time order; counted unread where the person is not looking; dropped from the top when the
scrollback is full. It also marks the conversation on screen read on the server
(draft/read-marker), at most once a second.

The event handling (:class:`~chinwag.client.chat.ChatModel`) and what the person types
(:class:`~chinwag.client.typed.TypedInput`) are built on it; a screen uses
:class:`~chinwag.client.chat.ChatModel`, never this class alone.
"""

from __future__ import annotations

import math
import re
import time as _time
from collections import deque
from collections.abc import Callable
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
    Link,
    MemberView,
)
from chinwag.protocol.casemap import Folded, fold
from chinwag.protocol.metadata import COLOR_KEY

DEFAULT_SCROLLBACK = 2000
"""Lines kept per conversation."""

MARK_READ_INTERVAL = 1.0
"""Seconds between two ``MARKREAD`` of the same conversation."""


class ConversationFiling:
    """The conversations one person sees on one server, and the filing of lines in them.

    ``server_name`` names the server's own conversation; ``clock`` is a monotonic clock for
    the reconnection countdown and the read markers (tests pass their own).
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

    def _info(self, key: Folded, when: datetime, text: str, changes: Changes) -> None:
        conversation = self.conversations.get(key) or self.current_conversation
        self._add(conversation, Line(when, LineKind.INFO, text), changes)

    def _error(self, key: Folded, when: datetime, text: str, changes: Changes) -> None:
        conversation = self.conversations.get(key) or self.current_conversation
        self._add(conversation, Line(when, LineKind.ERROR, text), changes)


def now() -> datetime:
    """The time of a line the client writes itself (an error, an answer to a command)."""
    return datetime.now(UTC)
