"""The presentation model: what every client draws, as rows of text segments with roles.

The terminal client (:mod:`chinwag.tui.render`), the window (:mod:`chinwag.gui.view`) and
plain mode (:mod:`chinwag.tui.plain`) show the same things: a chat line as ``HH:MM <nick>
text``, ``* nick waves``, ``-nick- a notice``, ``→ nick joined #lobby``, ``! an error``, a
divider alone on its row; a conversation in the list with its unread count; a member with
their status prefix and ``(away)``. Those decisions are made here, once. A front end turns
each :class:`Row` into its own drawing by giving every :class:`Role` a look of its own (a
rich ``Style``, a Tk tag, an ANSI colour or nothing), and draws :attr:`Segment.text` as
literal text, never as markup.

Two things come with talk beyond its words: a small marker after a bot's nick
(:attr:`Role.BOT`, IRCv3 bot-mode) and, in a message's text, the runs sent as monospace
(:attr:`Role.MONO`, the ``\x11`` formatting code), which each front end draws in a
fixed-width font so a game bot's board lines up. A multiline message whose first line starts
in monospace (a board) starts on a row of its own, so all its lines begin in one column.

Only the glyphs before lines that are not talk differ between front ends; they are a
:class:`Marks` value (:data:`UNICODE_MARKS` for the terminal and the window, ASCII for plain
mode, which must read the same in any log file).

Text safety: every string a row holds has been through :func:`chinwag.client.text.clean`
here, whoever built the :class:`~chinwag.client.values.Line` (the chat model already cleans
what it files). A nick's :attr:`Segment.color` is the colour the person chose or the one
derived from their nick, ``#rrggbb``, not yet made readable: each front end passes it through
:func:`~chinwag.client.colors.readable` for its own background.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from chinwag.client.text import clean, clean_message
from chinwag.client.values import (
    Conversation,
    ConversationKind,
    Line,
    LineKind,
    MemberView,
)

ColorOf = Callable[[str], str]
"""A nick -> its colour, ``#rrggbb`` (:meth:`~chinwag.client.chat.ChatModel.color_of`)."""


class Role(StrEnum):
    """What a part of a row is, or (on :attr:`Row.roles`) what the whole row is.

    A segment may have several roles; each front end decides which one wins (an error's
    mark is ``ERROR``, information's mark ``DIM`` and ``INFO``: quiet in the terminal, and
    dimmed with its words in plain mode).
    """

    DIM = "dim"
    """Quiet: the punctuation around a nick, the mark before an event and what the event
    says, the ``@`` before a person, a note such as ``(away)``."""
    NICK = "nick"
    """Who said or did something, in their colour (:attr:`Segment.color`)."""
    GAP = "gap"
    """A space between two parts, with no look of its own in the terminal. With ``ACTION``
    it is the space before the words of ``/me``, which the window draws with them."""
    ACTION = "action"
    """The words of ``/me``."""
    INFO = "info"
    """Information from the client or the server, not talk."""
    ERROR = "error"
    """Something went wrong."""
    NAME = "name"
    """The name of a conversation or a member in a list (a person's in their colour)."""
    SERVER = "server"
    """The server window's name."""
    PARTED = "parted"
    """A room we are not in now (disconnected, kicked)."""
    UNREAD = "unread"
    """A conversation's unread count."""
    PREFIX = "prefix"
    """A member's status prefix (``@``, ``+``); empty for most people."""
    AWAY = "away"
    """The member is away: their name, and the note after it."""
    PENDING = "pending"
    """A message of ours typed while disconnected, not yet echoed: the note after it (and,
    on :attr:`Row.roles`, the whole row)."""
    MENTION = "mention"
    """Names us: on a row, a line that must stand out; on an unread count, something
    unread names us."""
    HISTORY = "history"
    """On a row: replayed history, shown quietly."""
    DIVIDER = "divider"
    """On a row and its one segment: ``— new since 14:02 —``, alone on its row, no time."""
    CURRENT = "current"
    """On a row: the conversation on screen."""
    BOT = "bot"
    """The marker after a bot's nick (IRCv3 bot-mode), in a message or a list: small and
    quiet, in no colour of its own."""
    MONO = "mono"
    """Text sent as monospace (``\x11``): drawn in a fixed-width font, spaces kept."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of cleaned text, what it is (``roles``) and, for a person, their colour."""

    text: str
    roles: frozenset[Role] = frozenset()
    color: str | None = None
    """``#rrggbb`` of a nick or a person's name (not yet made readable), else None."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row a front end draws: a chat line, or an entry of a list.

    ``time`` is the line's ``HH:MM`` (empty for list entries); it is not a segment, as each
    front end places it its own way (a column, a prefix). ``roles`` are about the whole row:
    :attr:`Role.MENTION`, :attr:`Role.HISTORY`, :attr:`Role.DIVIDER`, :attr:`Role.CURRENT`.
    """

    segments: tuple[Segment, ...]
    time: str = ""
    roles: frozenset[Role] = frozenset()

    @property
    def text(self) -> str:
        """The segments' text, without the time."""
        return "".join(segment.text for segment in self.segments)


EVENTS = frozenset(
    {LineKind.JOIN, LineKind.PART, LineKind.QUIT, LineKind.NICK, LineKind.TOPIC, LineKind.MODE}
)
"""Kinds of line that say what someone did: a mark, the nick, the rest of the sentence."""


BOT_MARK = "bot"
"""The words of the marker after a bot's nick: letters, which every font has (no emoji)."""


@dataclass(frozen=True, slots=True)
class Marks:
    """The glyphs before lines that are not talk (each ends with a space on the row)."""

    events: Mapping[LineKind, str]
    """The mark of each kind of :data:`EVENTS` (joins in, leaves out, changes)."""
    error: str
    info: str
    divider: str | None = None
    """A template for a divider's words (``=== {} ===``), or None to show the model's own
    text (``— new since 14:02 —``)."""
    nobody: str = ""
    """What stands for the nick of talk that has none."""
    bot: str = BOT_MARK
    """The marker after a bot's nick (:attr:`Role.BOT`)."""


EVENT_MARKS: Mapping[LineKind, str] = {
    LineKind.JOIN: "→",
    LineKind.PART: "←",
    LineKind.QUIT: "←",
    LineKind.NICK: "~",
    LineKind.TOPIC: "~",
    LineKind.MODE: "~",
}
"""The mark the terminal and the window show before an event line."""

UNICODE_MARKS = Marks(events=EVENT_MARKS, error="!", info="-")
"""The marks of the terminal client and the window."""


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


_NONE = _roles()
_DIM = _roles(Role.DIM)
_NICK = _roles(Role.NICK)
_GAP = _roles(Role.GAP)
_ACTION_GAP = _roles(Role.GAP, Role.ACTION)
_ACTION = _roles(Role.ACTION)
_INFO_MARK = _roles(Role.DIM, Role.INFO)
_INFO = _roles(Role.INFO)
_ERROR = _roles(Role.ERROR)
_DIVIDER = _roles(Role.DIVIDER)
_BOT = _roles(Role.BOT)


# -- chat lines --------------------------------------------------------------------------------


PENDING_NOTE = " (not sent yet: waiting for the server)"
"""After a message typed while disconnected, until the server echoes it."""


_SPOKEN = frozenset({LineKind.MESSAGE, LineKind.ACTION, LineKind.NOTICE})


def line_row(line: Line, color_of: ColorOf | None, marks: Marks = UNICODE_MARKS) -> Row:
    """``line`` as a row: ``<nick> text``, ``* nick text``, ``-nick- text``, a mark then
    ``nick text`` for an event, a mark then the text for information and errors.

    ``color_of`` gives a nick's colour for :attr:`Segment.color` (None: no colours). A line
    that names us is a :attr:`Role.MENTION` row; replayed history a :attr:`Role.HISTORY`
    one, except what was missed while away, which is news. A divider is one segment.
    """
    # A message's own line breaks (draft/multiline) stay; nothing else may break a row.
    text = clean_message(line.text) if line.kind in _SPOKEN else clean(line.text)
    if line.kind is LineKind.DIVIDER:
        words = text if marks.divider is None else marks.divider.format(text.strip("— "))
        return Row((Segment(words, _DIVIDER),), line.clock, _DIVIDER)
    roles: set[Role] = set()
    if line.mention:
        roles.add(Role.MENTION)
    if line.history and not line.missed:
        roles.add(Role.HISTORY)
    body = _body(line, _words(text, line.monospace), color_of, marks)
    if line.pending:
        roles.add(Role.PENDING)
        body += (Segment(PENDING_NOTE, _roles(Role.DIM, Role.PENDING)),)
    return Row(body, line.clock, frozenset(roles))


def _words(text: str, monospace: tuple[tuple[int, int], ...]) -> tuple[tuple[str, bool], ...]:
    """``text`` in runs, each with whether it is monospace. A multiline text that starts in
    monospace gets a line break first: its first line would otherwise start after the nick
    and the rest under it, out of line."""
    runs: list[tuple[str, bool]] = []
    at = 0
    for start, end in monospace:
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue  # out of order or past the end: not from clean_monospace, ignored
        if start > at:
            runs.append((text[at:start], False))
        runs.append((text[start:end], True))
        at = end
    if at < len(text) or not runs:
        runs.append((text[at:], False))
    if "\n" in text and runs[0][1]:
        runs.insert(0, ("\n", False))
    return tuple(runs)


def _said(words: tuple[tuple[str, bool], ...], roles: frozenset[Role]) -> tuple[Segment, ...]:
    return tuple(
        Segment(text, roles | _roles(Role.MONO) if mono else roles) for text, mono in words
    )


def _body(
    line: Line, words: tuple[tuple[str, bool], ...], color_of: ColorOf | None, marks: Marks
) -> tuple[Segment, ...]:
    kind = line.kind
    text = "".join(part for part, _mono in words)
    if kind in (LineKind.MESSAGE, LineKind.ACTION, LineKind.NOTICE):
        nick = clean(line.nick or marks.nobody)
        who: tuple[Segment, ...] = (Segment(nick, _NICK, _color(color_of, nick)),)
        if line.bot:
            who += (Segment(" ", _GAP), Segment(marks.bot, _BOT))
        if kind is LineKind.MESSAGE:
            return (Segment("<", _DIM), *who, Segment("> ", _DIM), *_said(words, _NONE))
        if kind is LineKind.ACTION:
            return (
                Segment("* ", _DIM),
                *who,
                Segment(" ", _ACTION_GAP),
                *_said(words, _ACTION),
            )
        return (Segment("-", _DIM), *who, Segment("- ", _DIM), *_said(words, _NONE))
    if kind in EVENTS:
        parts = [Segment(marks.events[kind] + " ", _DIM)]
        nick = clean(line.nick or "")
        if nick:
            parts += [Segment(nick, _NICK, _color(color_of, nick)), Segment(" ", _GAP)]
        parts.append(Segment(text, _DIM))
        return tuple(parts)
    if kind is LineKind.ERROR:
        return (Segment(marks.error + " ", _ERROR), Segment(text, _ERROR))
    return (Segment(marks.info + " ", _INFO_MARK), Segment(text, _INFO))


def _color(color_of: ColorOf | None, nick: str) -> str | None:
    return color_of(nick) if color_of is not None and nick else None


# -- lists -------------------------------------------------------------------------------------


def conversation_row(conversation: Conversation, *, current: bool, color_of: ColorOf) -> Row:
    """An entry of the conversation list: the server window's name, a room's (parted when we
    are not in it), ``@`` and the person's name in their colour; then the unread count, with
    ``!`` when something unread names us. The one on screen is a :attr:`Role.CURRENT` row."""
    name = clean(conversation.name)
    segments: list[Segment] = []
    if conversation.kind is ConversationKind.SERVER:
        segments.append(Segment(name, _roles(Role.NAME, Role.SERVER)))
    elif conversation.kind is ConversationKind.DIRECT:
        segments.append(Segment("@", _DIM))
        segments.append(Segment(name, _roles(Role.NAME), color_of(conversation.name)))
    else:
        parted = _NONE if conversation.joined else _roles(Role.PARTED)
        segments.append(Segment(name, _roles(Role.NAME) | parted))
    if conversation.unread:
        mentioned = conversation.mentioned
        count = f" {conversation.unread}" + ("!" if mentioned else "")
        roles = _roles(Role.UNREAD, Role.MENTION) if mentioned else _roles(Role.UNREAD)
        segments.append(Segment(count, roles))
    return Row(tuple(segments), roles=_roles(Role.CURRENT) if current else _NONE)


def member_row(member: MemberView, marks: Marks = UNICODE_MARKS) -> Row:
    """An entry of the member list: the status prefix (maybe empty), the nick in its colour,
    the bot marker after a bot, and `` (away)`` after someone away."""
    away = _roles(Role.AWAY) if member.away else _NONE
    segments = [
        Segment(clean(member.prefix), _roles(Role.PREFIX)),
        Segment(clean(member.nick), _roles(Role.NAME) | away, member.color),
    ]
    if member.bot:
        segments += [Segment(" ", _GAP), Segment(marks.bot, _BOT)]
    if member.away:
        segments.append(Segment(" (away)", _roles(Role.DIM, Role.AWAY)))
    return Row(tuple(segments))
