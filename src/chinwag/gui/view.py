"""What the chat window shows, computed without a window: the view model.

:class:`ChatView` reads a :class:`~chinwag.client.chat.ChatModel` and turns the
:class:`~chinwag.client.values.Changes` of each call into a :class:`ChatUpdate`: rows of text
to add to the log (each a run of :class:`TaggedSegment` with the names of the Tk text tags that
style it), the conversation list with unread counts, the member list, the bar above the log,
the connection status. Updates are immutable and hold only strings and numbers, so they can be
made in the client's thread and drawn in Tk's (:mod:`chinwag.gui.bridge`).

What each line and entry says comes from the presentation model
(:mod:`chinwag.client.presentation`); here its roles become Tk tags (:func:`row_for`). Every
string in an update has been through :func:`chinwag.gui.text.displayable`: no control
characters, nothing Tk 8.6 cannot draw. The window inserts them as literal text.

Tags are plain names the window configures once (:data:`TIME`, :data:`DIM`, ...), plus one
per nick colour, ``nick#rrggbb``, whose colour has already been made readable on the
background (:func:`chinwag.client.colors.readable`, design.md section 5).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chinwag.client.banner import NOT_CONNECTED, down_banner
from chinwag.client.chat import ChatModel
from chinwag.client.colors import readable
from chinwag.client.presentation import (
    Role,
    Row,
    Segment,
    conversation_row,
    line_row,
    member_row,
)
from chinwag.client.values import (
    Changes,
    Conversation,
    ConversationKind,
    Line,
    Link,
    PasswordRequest,
)
from chinwag.gui.text import displayable

# -- tags the window configures ------------------------------------------------------------------

TIME = "time"
DIM = "dim"
ERROR = "error"
INFO = "info"
ACTION = "action"
MENTION = "mention"
HISTORY = "history"
DIVIDER = "divider"
BOT = "bot"
"""The marker after a bot's nick: small and quiet."""
MONO = "mono"
"""Text sent as monospace: the fixed-width font."""
NICK_TAG = "nick"
"""Prefix of a nick colour's tag: ``nick#rrggbb``."""

REDRAWN_LINES = 500
"""Lines drawn when another conversation is shown: enough to scroll back through, few
enough that switching stays instant."""

SAY_SOMETHING = "Say something (Enter sends, @help lists the commands)"


def nick_tag(color: str) -> str:
    """The tag of a (readable) nick colour ``#rrggbb``; :func:`tag_color` reads it back."""
    return NICK_TAG + color


def tag_color(tag: str) -> str | None:
    """The colour of a nick tag, None for any other tag."""
    return tag.removeprefix(NICK_TAG) if tag.startswith(NICK_TAG + "#") else None


# -- colours -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GuiPalette:
    """The window's colours for a dark or a light theme (sv-ttk's backgrounds), each with
    a contrast of at least 4.5 against its background (WCAG AA for text)."""

    dark: bool
    background: str
    foreground: str
    dim: str
    error: str
    mention: str
    """Background of a line that names us."""
    banner: str
    banner_text: str
    accent: str

    @classmethod
    def for_theme(cls, dark: bool) -> GuiPalette:
        """The palette for sv-ttk's dark or light theme."""
        if dark:
            return cls(
                dark=True,
                background="#1c1c1c",
                foreground="#fafafa",
                dim="#9e9e9e",
                error="#ff7b72",
                mention="#3d3400",
                banner="#b3261e",
                banner_text="#ffffff",
                accent="#57c8ff",
            )
        return cls(
            dark=False,
            background="#fafafa",
            foreground="#1c1c1c",
            dim="#6b6b6b",
            error="#b3261e",
            mention="#fff1b8",
            banner="#b3261e",
            banner_text="#ffffff",
            accent="#005fb8",
        )

    def nick(self, color: str) -> str:
        """``color`` (a nick's ``#rrggbb``) made readable on this background."""
        return readable(color, dark_background=self.dark, background=self.background)


# -- what is drawn -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaggedSegment:
    """A run of text and the Tk tags that style it."""

    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaggedRow:
    """One line of the log, as the Tk text widget takes it."""

    segments: tuple[TaggedSegment, ...]

    @property
    def text(self) -> str:
        """The row as plain text, as the log shows it."""
        return "".join(segment.text for segment in self.segments)


@dataclass(frozen=True, slots=True)
class SidebarEntry:
    """A conversation in the list on the left."""

    key: str
    """The conversation's key (:attr:`Conversation.key`), to select it with."""
    label: str
    kind: ConversationKind
    unread: int
    mentioned: bool
    current: bool
    joined: bool
    color: str | None
    """The other person's readable colour, for a direct conversation."""
    badge: str
    """The unread count (``3``, ``3!`` when something unread names us), or ``""``."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A person in the member list on the right."""

    nick: str
    """The nick to address them by (``@nick``)."""
    label: str
    """Status prefix and nick as shown (``@ana``)."""
    color: str
    """Readable colour of the nick."""
    away: bool
    is_self: bool
    note: str = ""
    """What follows the label, `` (away)``, or ``""``."""
    bot: str = ""
    """The marker of a bot (``bot``), or ``""``: drawn after the label."""


@dataclass(frozen=True, slots=True)
class Header:
    """The bar above the log: the conversation's name, a few words about it, the topic."""

    title: str
    detail: str
    topic: str


@dataclass(frozen=True, slots=True)
class Status:
    """The connection as the person sees it. ``reconnect_at`` is the ``time.monotonic()``
    of the next attempt, so the window counts down on its own (:func:`banner_text`)."""

    link: Link
    reconnect_at: float | None = None

    @property
    def placeholder(self) -> str:
        """The input line's hint."""
        return SAY_SOMETHING if self.link is Link.ONLINE else NOT_CONNECTED


def banner_text(status: Status, now: float) -> str | None:
    """The text of the bar across the top at monotonic time ``now``: ``Server is down —
    reconnecting in 4s`` (whole seconds, rounded up), ``… reconnecting now`` while an attempt
    is under way; None while connected or connecting for the first time."""
    return down_banner(status.link, status.reconnect_at, now)  # a window has a close button


@dataclass(frozen=True, slots=True)
class Prompt:
    """Who we are, before the input line: our nick in our colour, our account if any."""

    nick: str
    color: str
    account: str | None


@dataclass(frozen=True, slots=True)
class ChatUpdate:
    """What to redraw after one change. A field left None did not change.

    ``clear_log`` empties the log before ``rows`` are added (another conversation is shown,
    or lines were put before others). ``password``: ask for one (see
    :class:`~chinwag.client.values.PasswordRequest`); ``quit``: the person asked to leave, the
    window closes once the client has said goodbye.
    """

    rows: tuple[TaggedRow, ...] = ()
    clear_log: bool = False
    conversations: tuple[SidebarEntry, ...] | None = None
    members: tuple[MemberRow, ...] | None = None
    header: Header | None = None
    status: Status | None = None
    prompt: Prompt | None = None
    password: PasswordRequest | None = None
    quit: str | None = None
    typing: str | None = None
    """The row under the log: ``bob is typing…``, or ``""`` when nobody is."""
    focus_row: int | None = None
    """With ``clear_log``: the index in ``rows`` of a search result gone to (``/goto``),
    which the log shows, marked, with the lines around it, rather than the newest."""

    @property
    def empty(self) -> bool:
        """Nothing to redraw."""
        return self == _NOTHING


_NOTHING = ChatUpdate()


def row_for(line: Line, color_of: Callable[[str], str], palette: GuiPalette) -> TaggedRow:
    """A line as the log shows it: ``HH:MM <nick> text`` with the nick in its colour
    (``color_of`` gives a nick's ``#rrggbb``: :meth:`ChatModel.color_of`); events, notices,
    actions, info and errors each their own way; a divider alone on its row."""
    row = line_row(line, color_of)
    if Role.DIVIDER in row.roles:
        return TaggedRow((TaggedSegment(displayable(row.text), (DIVIDER,)),))
    extra: tuple[str, ...] = (MENTION,) if Role.MENTION in row.roles else ()
    if Role.HISTORY in row.roles:
        extra += (HISTORY,)  # replayed history is quiet; what was missed is news
    parts = [TaggedSegment(row.time + " ", (TIME, *extra))]
    gap: TaggedSegment | None = None
    for segment in row.segments:
        tagged = TaggedSegment(_shown(segment.text), (*_tags(segment, palette), *extra))
        if gap is not None:
            # The space before an action's words is drawn in their font, not on its own.
            if gap.tags == tagged.tags:
                tagged = TaggedSegment(gap.text + tagged.text, tagged.tags)
            else:
                parts.append(gap)
            gap = None
        if Role.GAP in segment.roles:
            gap = tagged
        else:
            parts.append(tagged)
    if gap is not None:
        parts.append(gap)
    return TaggedRow(tuple(parts))


def _shown(text: str) -> str:
    """:func:`displayable` ``text``, keeping the line breaks of a multiline message (IRCv3
    ``draft/multiline``: the presentation model leaves only those in a row)."""
    return "\n".join(displayable(part) for part in text.split("\n"))


def _tags(segment: Segment, palette: GuiPalette) -> tuple[str, ...]:
    """The log's tags for the roles of ``segment`` (the row's own roles aside)."""
    roles = segment.roles
    if Role.NICK in roles:
        return (nick_tag(palette.nick(segment.color)),) if segment.color else (DIM,)
    for role, tag in _ROLE_TAGS:
        if role in roles:
            return (tag,)
    return ()


_ROLE_TAGS = (
    (Role.ERROR, ERROR),
    (Role.BOT, BOT),
    (Role.DIM, DIM),
    (Role.INFO, INFO),
    (Role.MONO, MONO),
    (Role.ACTION, ACTION),
    (Role.DIVIDER, DIVIDER),
)
"""Which tag a role of the log gets, the first that applies winning (an error's mark is an
error; information's mark is dim, its words are information)."""


class ChatView:
    """Turns a :class:`ChatModel` and its :class:`Changes` into :class:`ChatUpdate` values.

    Call it where the model lives (the client's thread): :meth:`full` for everything (when
    the chat window opens), :meth:`update` after each call that returned ``Changes``.
    """

    def __init__(
        self, model: ChatModel, palette: GuiPalette, *, redrawn_lines: int = REDRAWN_LINES
    ) -> None:
        self.model = model
        self.palette = palette
        self.redrawn_lines = redrawn_lines
        self._drawn: str | None = None
        """The conversation whose lines the log holds."""
        self._typing: str | None = None
        """The typing row the window was last given."""

    def full(self) -> ChatUpdate:
        """Everything, the log of the current conversation included."""
        return ChatUpdate(
            rows=self._log_rows(),
            clear_log=True,
            conversations=self.conversations(),
            members=self.members(),
            header=self.header(),
            status=self.status(),
            prompt=self.prompt(),
            typing=self._typing_news(always=True),
            focus_row=self._focus_row(),
        )

    def update(self, changes: Changes) -> ChatUpdate:
        """What ``changes`` asks to redraw (the whole log when another conversation is on
        screen or lines were put before others)."""
        model = self.model
        focus = None
        if model.current != self._drawn or changes.redraw or model.search.arrived(changes):
            rows, clear = self._log_rows(), True
            focus = self._focus_row()
        else:
            rows = tuple(
                row_for(line, model.color_of, self.palette)
                for conversation, line in changes.lines
                if conversation.key == model.current
            )
            clear = False
        switched = clear and not changes.redraw
        members = changes.members or switched
        return ChatUpdate(
            rows=rows,
            clear_log=clear,
            conversations=self.conversations() if changes.conversations or switched else None,
            members=self.members() if members else None,
            header=self.header() if changes.topic or members or changes.status else None,
            status=self.status() if changes.status else None,
            prompt=self.prompt() if changes.nick or members else None,
            password=changes.password,
            quit=changes.quit,
            # Compared with what was drawn rather than trusting changes.typing: switching
            # conversations, an indicator expiring and the switch being turned off all change
            # the row without saying so.
            typing=self._typing_news(),
            focus_row=focus,
        )

    def _focus_row(self) -> int | None:
        """The row of the search result gone to, if it is among the rows just made."""
        lines = list(self.model.current_conversation.lines)
        index = self.model.search.take_focus(self.model.current, lines)
        row = None if index is None else index - max(0, len(lines) - self.redrawn_lines)
        return row if row is not None and row >= 0 else None

    # -- the parts -------------------------------------------------------------------------------

    def typing(self) -> str:
        """Who is typing in the current conversation (``bob is typing…``), ``""`` when
        nobody is or the person turned typing indicators off."""
        model = self.model
        return displayable(model.typing_row()) if model.typing.enabled else ""

    def _typing_news(self, *, always: bool = False) -> str | None:
        """The typing row if it differs from the one drawn (or ``always``), else None."""
        row = self.typing()
        if row == self._typing and not always:
            return None
        self._typing = row
        return row

    def conversations(self) -> tuple[SidebarEntry, ...]:
        """The conversation list, in the model's order (server, then as opened)."""
        return tuple(
            self._entry(conversation) for conversation in self.model.conversations.values()
        )

    def members(self) -> tuple[MemberRow, ...]:
        """The current room's members (both people of a direct conversation)."""
        protocol = self.model.protocol
        rows: list[MemberRow] = []
        for member in self.model.members():
            row = member_row(member)
            name = _named(row)
            rows.append(
                MemberRow(
                    nick=member.nick,
                    label=_text(row, lambda roles: bool(roles & _LABEL)),
                    color=self.palette.nick(member.color),
                    away=Role.AWAY in name.roles,
                    is_self=protocol.is_me(member.nick),
                    note=_text(row, lambda roles: Role.DIM in roles),
                    bot=_text(row, lambda roles: Role.BOT in roles),
                )
            )
        return tuple(rows)

    def header(self) -> Header:
        """The bar above the log."""
        model = self.model
        conversation = model.current_conversation
        title = displayable(conversation.name)
        if model.link is not Link.ONLINE:
            return Header(title, "not connected", "")
        if conversation.kind is ConversationKind.ROOM:
            count = len(model.members())
            return Header(title, f"{count} here", displayable(model.topic))
        if conversation.kind is ConversationKind.DIRECT:
            return Header(title, "direct conversation", "")
        return Header(title, "server messages", "")

    def status(self) -> Status:
        """The link and when the next attempt is (in the model's clock: ``time.monotonic``)."""
        return Status(self.model.link, self.model.reconnect_at)

    def prompt(self) -> Prompt:
        """Our nick, colour and account."""
        model = self.model
        account = displayable(model.account) if model.account else None
        return Prompt(displayable(model.nick), self.palette.nick(model.own_color), account)

    def _entry(self, conversation: Conversation) -> SidebarEntry:
        current = conversation.key == self.model.current
        row = conversation_row(conversation, current=current, color_of=self.model.color_of)
        name = _named(row)
        return SidebarEntry(
            key=conversation.key,
            label=_text(row, lambda roles: Role.UNREAD not in roles),
            kind=conversation.kind,
            unread=conversation.unread,
            mentioned=conversation.mentioned,
            current=current,
            joined=Role.PARTED not in name.roles,
            color=self.palette.nick(name.color) if name.color else None,
            # The list has a column for the count: no space before it there.
            badge=_text(row, lambda roles: Role.UNREAD in roles).strip(),
        )

    def _log_rows(self) -> tuple[TaggedRow, ...]:
        self._drawn = self.model.current
        lines: Iterable[Line] = self.model.current_conversation.lines
        count = len(self.model.current_conversation.lines)
        lines = itertools.islice(lines, max(0, count - self.redrawn_lines), None)
        return tuple(row_for(line, self.model.color_of, self.palette) for line in lines)


_LABEL = frozenset({Role.PREFIX, Role.NAME})
"""The roles of a member's label (``@ana``), as against the note after it."""


def _named(row: Row) -> Segment:
    """The segment of a list entry that names the conversation or the member."""
    return next(segment for segment in row.segments if Role.NAME in segment.roles)


def _text(row: Row, wanted: Callable[[frozenset[Role]], bool]) -> str:
    """The displayable text of the segments of ``row`` whose roles are ``wanted``."""
    return displayable("".join(s.text for s in row.segments if wanted(s.roles)))
