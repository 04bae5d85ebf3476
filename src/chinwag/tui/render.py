"""How chat lines, conversations and members look in the terminal client.

What a line or an entry says is decided once, in the presentation model
(:mod:`chinwag.client.presentation`); here each :class:`~chinwag.client.presentation.Role`
gets a rich :class:`~rich.style.Style` (:meth:`Palette.style`) and each row becomes a
:class:`rich.text.Text` built from plain strings, never from markup, so ``[bold]`` typed by
someone is shown as typed (issue: "Textual markup in messages is not interpreted"). The rows'
strings are cleaned of control characters and escape sequences by the presentation model.
Nick colours are the owner's choice (metadata ``color``) or derived from the nick, passed
through :func:`~chinwag.client.colors.readable` for the background in use (design.md
section 5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.style import Style
from rich.table import Table
from rich.text import Text

from chinwag.client.colors import readable
from chinwag.client.presentation import Role, Row, Segment, line_row
from chinwag.client.values import Line

DARK_BACKGROUND = "#121212"
LIGHT_BACKGROUND = "#e0e0e0"


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
    def bot(self) -> Style:
        """The marker after a bot's nick: quiet, and slanted to read as a label. (The
        terminal is fixed-width already: monospace text needs no look of its own.)"""
        return self.dim + Style(italic=True)

    @property
    def error(self) -> Style:
        """Errors and the server's ERROR text."""
        return Style(color="#ff5f5f" if self.dark else "#af0000", bold=True)

    @property
    def mention(self) -> Style:
        """A line that names us, or a direct message: it must stand out."""
        return Style(bgcolor="#3a3000" if self.dark else "#fff3b0", bold=True)

    def style(self, segment: Segment) -> Style | None:
        """The look of ``segment`` by its roles (None: the terminal's own)."""
        roles = segment.roles
        if Role.GAP in roles:
            return None  # a space between two parts is never styled on its own
        if Role.ERROR in roles:
            return self.error
        if Role.BOT in roles:
            return self.bot
        if Role.DIM in roles or Role.PREFIX in roles:
            return self.dim
        if Role.NICK in roles:
            return Style(bold=True) + (self.nick(segment.color) if segment.color else Style())
        if Role.NAME in roles:
            return self._name(segment)
        if Role.UNREAD in roles:
            return self.error if Role.MENTION in roles else Style(bold=True)
        if Role.ACTION in roles or Role.INFO in roles:
            return Style(italic=True)
        return None

    def _name(self, segment: Segment) -> Style | None:
        """A name in a list: the server window's quiet, a parted room's dim, a person's in
        their colour (and quiet while away)."""
        roles = segment.roles
        if Role.SERVER in roles:
            return self.dim + Style(italic=True)
        if Role.PARTED in roles:
            return self.dim
        if segment.color is None:
            return None
        style = self.nick(segment.color)
        if Role.AWAY in roles:
            style += Style(italic=True, dim=True)
        return style


def render_row(line: Line, color_of: Callable[[str], str], palette: Palette) -> Table:
    """A line as the log shows it: the time in its own column, so wrapped text hangs
    indented under the text rather than under the time (``color_of`` gives a nick's
    ``#rrggbb``: :meth:`~chinwag.client.chat.ChatModel.color_of`). A divider
    (``— new since 14:02 —``) has no time: it is centred, dim, across the log."""
    row = line_row(line, color_of)
    if Role.DIVIDER in row.roles:
        divider = Table.grid(expand=True)
        divider.add_column(justify="center", overflow="fold")
        divider.add_row(Text(row.text, palette.dim + Style(italic=True)))
        return divider
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=len(row.time), no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_row(Text(row.time, palette.dim), render_body(row, palette))
    return grid


def render_line(line: Line, color_of: Callable[[str], str], palette: Palette) -> Text:
    """One conversation line as a single text: ``HH:MM <nick> text``."""
    row = line_row(line, color_of)
    if Role.DIVIDER in row.roles:
        return Text(row.text, palette.dim)
    text = Text(row.time, palette.dim)
    text.append(" ")
    text.append_text(render_body(row, palette))
    return text


def render_body(row: Row, palette: Palette) -> Text:
    """A line's row without its time: ``<nick> text`` with the nick in its colour; a line
    that names us stands out, replayed history is quiet."""
    text = Text(no_wrap=False, overflow="fold")
    for segment in row.segments:
        text.append(segment.text, palette.style(segment))
    if Role.MENTION in row.roles:
        text.stylize(palette.mention)
    if Role.HISTORY in row.roles:
        text.stylize(Style(dim=True))
    return text


def render_entry(row: Row, palette: Palette) -> Text:
    """An entry of the conversation or member list
    (:func:`~chinwag.client.presentation.conversation_row`,
    :func:`~chinwag.client.presentation.member_row`); the conversation on screen in bold."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for segment in row.segments:
        # An empty status prefix is a space, so the nicks line up in the column.
        shown = segment.text or (" " if Role.PREFIX in segment.roles else "")
        text.append(shown, palette.style(segment))
    if Role.CURRENT in row.roles:
        text.stylize(Style(bold=True))
    return text
