"""The command list as an overlay over the chat (F1, ``@help``, ``/help``); Escape closes it.

The rows are the client core's one help table (:data:`chinwag.client.commands.HELP`), so
this screen, plain mode's printed list and the window show the same words.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from chinwag.client.commands import HELP, HELP_FOOTER


def help_table() -> Table:
    """The commands as two columns: how to type each, and what it does."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for row in HELP:
        # Text, not markup: "[reason]" and "<nick>" are words to show, not styles.
        table.add_row(Text(row.usage), Text(row.does))
    return table


class HelpScreen(ModalScreen[None]):
    """The command list in a box over the chat; Escape (or F1, or q) closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    #help-box {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 2;
    }
    #help-box Label.title {
        width: 100%;
        content-align: center middle;
        text-style: bold;
        margin: 1 0;
    }
    #help-footer, #help-close {
        margin: 1 0 0 0;
    }
    #help-close {
        color: $text-muted;
        margin: 1 0 1 0;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("f1", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        """Title, the table, the footer and how to close it."""
        with VerticalScroll(id="help-box"):
            yield Label("Commands", classes="title")
            yield Static(help_table(), id="help-table")
            yield Static(Text(HELP_FOOTER), id="help-footer")
            yield Static(Text("Esc closes this"), id="help-close")

    def action_close(self) -> None:
        """Escape: back to the chat, where the input line has the focus again."""
        self.dismiss(None)
