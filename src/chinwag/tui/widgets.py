"""The terminal client's own widgets: the input line and the colour swatches."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from chinwag.client.colors import readable
from chinwag.client.commands import is_secret

HISTORY_LIMIT = 500
"""Lines the input remembers for Up and Down."""

Completer = Callable[[str, bool], list[str]]
"""``(word, at_start) -> candidates``: :meth:`ChatModel.completions`."""


class ChatInput(Input):
    """The input line: Enter sends, Up and Down recall earlier lines, Tab completes nicks
    and commands (pressing Tab again cycles through the candidates)."""

    BINDINGS = [
        Binding("up", "history(-1)", "Earlier", show=False),
        Binding("down", "history(1)", "Later", show=False),
        Binding("tab", "complete", "Complete", show=False),
    ]

    def __init__(self, completer: Completer, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.completer = completer
        self.history: list[str] = []
        self._position: int | None = None
        self._draft = ""
        self._cycle: tuple[int, list[str], int] | None = None
        """While Tab cycles: where the word starts, the candidates, the one shown."""

    def remember(self, line: str) -> None:
        """Add a sent line to the history (not twice in a row, and never a line that may
        hold a password, such as ``/msg NickServ IDENTIFY ...``)."""
        if line and not is_secret(line) and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[:-HISTORY_LIMIT]
        self._position = None
        self._draft = ""

    async def action_submit(self) -> None:
        """Enter: post the line and empty the input at once, so what is typed next (even
        before the line is handled) starts a new line."""
        value = self.value
        self.remember(value)
        self._set("")
        self.post_message(self.Submitted(self, value))

    def _on_paste(self, event: events.Paste) -> None:
        """A pasted block of several lines is sent at once as one message (with what was
        typed around the cursor), which the client core sends as one multiline message
        when the server takes them (IRCv3 ``draft/multiline``); the input line could not
        show it. A one-line paste is inserted as usual."""
        text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" not in text.strip("\n"):
            return  # Input's own paste handling inserts it
        event.prevent_default()
        event.stop()
        at = self.cursor_position
        value = self.value[:at] + text.strip("\n") + self.value[at:]
        self._set("")
        self._position = None
        self.post_message(self.Submitted(self, value))

    def action_history(self, step: int) -> None:
        """Show the previous (-1) or next (1) line of the history; past the end, the draft."""
        if not self.history:
            return
        if self._position is None:
            if step > 0:
                return
            self._draft = self.value
            position = len(self.history) - 1
        else:
            position = self._position + step
        if position < 0:
            position = 0
        if position >= len(self.history):
            self._position = None
            self._set(self._draft)
            return
        self._position = position
        self._set(self.history[position])

    def action_complete(self) -> None:
        """Complete the word before the cursor, or show the next candidate."""
        if self._cycle is not None:
            start, candidates, index = self._cycle
            index = (index + 1) % len(candidates)
            self._replace_word(start, candidates[index])
            self._cycle = (start, candidates, index)
            return
        before = self.value[: self.cursor_position]
        start = len(before) - len(before.split(" ")[-1])
        word = before[start:]
        if not word:
            return
        candidates = self.completer(word, start == 0)
        if not candidates:
            return
        self._replace_word(start, candidates[0])
        if len(candidates) > 1:
            self._cycle = (start, candidates, 0)

    def _replace_word(self, start: int, candidate: str) -> None:
        # Everything from the word's start to the cursor is replaced, so the next Tab
        # takes back what this one inserted.
        after = self.value[self.cursor_position :]
        suffix = ""
        if not after:
            at_start_nick = start == 0 and candidate[:1] not in "/@"
            suffix = ": " if at_start_nick else " "
        head = self.value[:start] + candidate + suffix
        self.value = head + after
        self.cursor_position = len(head)

    async def _on_key(self, event: events.Key) -> None:
        if event.key != "tab":
            self._cycle = None
        await super()._on_key(event)

    def _set(self, value: str) -> None:
        self.value = value
        self.cursor_position = len(value)


class Swatch(Static, can_focus=True):
    """One colour of the palette on the login screen; click it or press Enter to choose."""

    DEFAULT_CSS = """
    Swatch {
        width: 1fr;
        height: 1;
        padding: 0 1;
    }
    Swatch:focus {
        text-style: bold reverse;
    }
    """

    class Chosen(Message):
        """A swatch was picked."""

        def __init__(self, name: str, color: str) -> None:
            super().__init__()
            self.name = name
            self.color = color

    BINDINGS = [Binding("enter,space", "choose", "Choose", show=False)]

    def __init__(self, name: str, color: str, *, dark: bool, background: str) -> None:
        super().__init__(id="swatch-" + name.replace(" ", "-"))
        self.color_name = name
        self.color = color
        self.dark = dark
        self.background = background
        self.selected = False

    def render(self) -> Text:
        """A block of the colour and its name (readable on the background)."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("██", Style(color=self.color))
        text.append(" ")
        shown = readable(self.color, dark_background=self.dark, background=self.background)
        text.append(self.color_name, Style(color=shown, bold=self.selected))
        if self.selected:
            text.append(" ✓", Style(bold=True))
        return text

    def action_choose(self) -> None:
        """Pick this colour."""
        self.post_message(self.Chosen(self.color_name, self.color))

    def on_click(self) -> None:
        """A click picks this colour."""
        self.action_choose()
