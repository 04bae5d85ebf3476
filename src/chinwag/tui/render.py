"""How chat lines, conversations and members look in the terminal client.

Everything here builds :class:`rich.text.Text` from plain strings, never from markup, so
``[bold]`` typed by someone is shown as typed (issue: "Textual markup in messages is not
interpreted"). The strings were already cleaned of control characters and escape sequences
by :class:`~chinwag.client.chat.ChatModel`; :func:`safe` cleans again for values that did not
come through the model. Nick colours are the owner's choice (metadata ``color``) or derived
from the nick, passed through :func:`~chinwag.client.colors.readable` for the background in use
(design.md section 5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.style import Style
from rich.table import Table
from rich.text import Text

from chinwag.client.chat import EVENT_MARKS
from chinwag.client.colors import readable
from chinwag.client.text import clean
from chinwag.client.values import Conversation, ConversationKind, Line, LineKind, MemberView

DARK_BACKGROUND = "#121212"
LIGHT_BACKGROUND = "#e0e0e0"


def safe(text: str) -> Text:
    """Network text as literal, cleaned :class:`Text`."""
    return Text(clean(text))


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of one background: nick colours are made readable against it."""

    dark: bool
    background: str

    @classmethod
    def for_theme(cls, dark: bool, background: str | None) -> Palette:
        """The palette for a Textual theme (its background may be unset)."""
        return cls(dark, background or (DARK_BACKGROUND if dark else LIGHT_BACKGROUND))

    def nick(self, color: str) -> Style:
        """The style of a nick whose colour is ``color`` (``#rrggbb``)."""
        return Style(color=readable(color, dark_background=self.dark, background=self.background))

    @property
    def dim(self) -> Style:
        """Times, joins and parts: present but quiet."""
        return Style(color="#8a8a8a" if self.dark else "#6c6c6c")

    @property
    def error(self) -> Style:
        """Errors and the server's ERROR text."""
        return Style(color="#ff5f5f" if self.dark else "#af0000", bold=True)

    @property
    def mention(self) -> Style:
        """A line that names us, or a direct message: it must stand out."""
        return Style(bgcolor="#3a3000" if self.dark else "#fff3b0", bold=True)


def render_row(line: Line, color_of: Callable[[str], str], palette: Palette) -> Table:
    """A line as the log shows it: the time in its own column, so wrapped text hangs
    indented under the text rather than under the time. A divider (``— new since 14:02 —``)
    has no time: it is centred, dim, across the log."""
    if line.kind is LineKind.DIVIDER:
        divider = Table.grid(expand=True)
        divider.add_column(justify="center", overflow="fold")
        divider.add_row(Text(line.text, palette.dim + Style(italic=True)))
        return divider
    row = Table.grid(padding=(0, 1), expand=True)
    row.add_column(width=len(line.clock), no_wrap=True)
    row.add_column(ratio=1, overflow="fold")
    row.add_row(Text(line.clock, palette.dim), render_body(line, color_of, palette))
    return row


def render_line(line: Line, color_of: Callable[[str], str], palette: Palette) -> Text:
    """One conversation line as a single text: ``HH:MM <nick> text``."""
    if line.kind is LineKind.DIVIDER:
        return Text(line.text, palette.dim)
    text = Text(line.clock, palette.dim)
    text.append(" ")
    text.append_text(render_body(line, color_of, palette))
    return text


def render_body(line: Line, color_of: Callable[[str], str], palette: Palette) -> Text:
    """A line without its time: ``<nick> text`` with the nick in its colour (``color_of``
    gives a nick's ``#rrggbb``: :meth:`ChatModel.color_of`)."""
    text = Text(no_wrap=False, overflow="fold")
    nick_style = Style(bold=True)
    if line.nick is not None:
        nick_style += palette.nick(color_of(line.nick))
    body = Text(line.text)
    if line.kind is LineKind.MESSAGE:
        text.append("<", palette.dim)
        text.append(line.nick or "", nick_style)
        text.append("> ", palette.dim)
        text.append_text(body)
    elif line.kind is LineKind.ACTION:
        text.append("* ", palette.dim)
        text.append(line.nick or "", nick_style)
        text.append(" ")
        body.stylize(Style(italic=True))
        text.append_text(body)
    elif line.kind is LineKind.NOTICE:
        text.append("-", palette.dim)
        text.append(line.nick or "", nick_style)
        text.append("- ", palette.dim)
        text.append_text(body)
    elif line.kind in EVENT_MARKS:
        text.append(EVENT_MARKS[line.kind] + " ", palette.dim)
        if line.nick:
            text.append(line.nick, nick_style)
            text.append(" ")
        body.stylize(palette.dim)
        text.append_text(body)
    elif line.kind is LineKind.ERROR:
        text.append("! ", palette.error)
        body.stylize(palette.error)
        text.append_text(body)
    else:
        text.append("- ", palette.dim)
        body.stylize(Style(italic=True))
        text.append_text(body)
    if line.mention:
        text.stylize(palette.mention)
    if line.history and not line.missed:
        # Replayed history is quiet; what was missed while away is news, shown as such.
        text.stylize(Style(dim=True))
    return text


def render_conversation(
    conversation: Conversation, *, current: bool, nick_color: str | None, palette: Palette
) -> Text:
    """An entry of the conversation list: name, unread count, ``!`` when we were mentioned."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if conversation.kind is ConversationKind.SERVER:
        text.append(clean(conversation.name), palette.dim + Style(italic=True))
    elif conversation.kind is ConversationKind.DIRECT:
        text.append("@", palette.dim)
        style = palette.nick(nick_color) if nick_color else Style()
        text.append(clean(conversation.name), style)
    else:
        style = Style() if conversation.joined else palette.dim
        text.append(clean(conversation.name), style)
    if conversation.unread:
        marker = f" {conversation.unread}" + ("!" if conversation.mentioned else "")
        text.append(marker, palette.error if conversation.mentioned else Style(bold=True))
    if current:
        text.stylize(Style(bold=True))
    return text


def render_member(member: MemberView, palette: Palette) -> Text:
    """An entry of the member list: status prefix, nick in its colour, ``(away)``."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(member.prefix or " ", palette.dim)
    style = palette.nick(member.color)
    if member.away:
        style += Style(italic=True, dim=True)
    text.append(member.nick, style)
    if member.away:
        text.append(" (away)", palette.dim)
    return text
