"""The chat screen: conversations on the left, the log in the middle, members on the right.

It draws a :class:`~chinwag.client.chat.ChatModel` and hands what the person types to it.
The app feeds it the model's :class:`~chinwag.client.values.Changes` after every event, so only
what changed is redrawn; the log of the current conversation is redrawn from the model when
the conversation changes or the terminal is resized, so long lines wrap to the new width.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, OptionList, RichLog, Static
from textual.widgets.option_list import Option

from chinwag.client.banner import NOT_CONNECTED, RETRY_HINT
from chinwag.client.chat import ChatModel
from chinwag.client.presentation import conversation_row, member_row
from chinwag.client.text import clean_line
from chinwag.client.values import Changes, ConversationKind, Link
from chinwag.protocol.casemap import fold
from chinwag.tui.render import Palette, render_entry, render_row
from chinwag.tui.widgets import ChatInput

NARROW = 70
"""Below this width the member list is hidden."""
TINY = 45
"""Below this width the conversation list is hidden too."""
REDRAWN_LINES = 500
"""Lines drawn when a conversation is shown again or the terminal resized: rendering is
about 0.3 ms a line, so a whole 2,000-line scrollback would stall the switch (bench/)."""
LOG_LINES = 1000
"""Lines the log keeps while a conversation stays on screen."""

Submit = Callable[[str], None]
"""Runs one line the person typed (the app: model.submit and what follows)."""


class ChatScreen(Screen[None]):
    """The main screen. ``submit`` runs a typed line; ``palette`` colours nicks."""

    DEFAULT_CSS = """
    ChatScreen {
        layout: vertical;
    }
    #banner {
        display: none;
        width: 100%;
        height: 1;
        background: $error;
        color: $text;
        text-style: bold;
        content-align: center middle;
    }
    #banner.-down {
        display: block;
    }
    #topic {
        width: 100%;
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    #body {
        height: 1fr;
    }
    #conversations {
        width: 20;
        height: 100%;
        border: none;
        border-right: vkey $panel-lighten-2;
        padding: 0;
    }
    #members {
        width: 20;
        height: 100%;
        border: none;
        border-left: vkey $panel-lighten-2;
        padding: 0;
    }
    #log {
        width: 1fr;
        height: 100%;
        padding: 0 1;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    #input-row {
        height: 1;
        margin: 1 0 0 0;
    }
    #typing {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    #prompt {
        width: auto;
        height: 1;
        padding: 0 1;
    }
    #input {
        width: 1fr;
        height: 1;
        border: none;
        padding: 0;
    }
    ChatScreen.-narrow #members {
        display: none;
    }
    ChatScreen.-tiny #conversations {
        display: none;
    }
    """

    BINDINGS = [
        Binding("ctrl+c,ctrl+q", "app.leave", "Quit", priority=True),
        Binding("ctrl+n,alt+down", "cycle(1)", "Next room", priority=True),
        Binding("ctrl+p,alt+up", "cycle(-1)", "Previous room", priority=True),
        Binding("pageup", "scroll_log(-1)", "Scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_log(1)", "Scroll down", show=False, priority=True),
        Binding("f1", "help", "Help", priority=True),
        Binding("f5,ctrl+r", "app.retry_now", "Retry now", show=False, priority=True),
    ]

    def __init__(self, model: ChatModel, submit: Submit, palette: Palette) -> None:
        super().__init__()
        self.model = model
        self.submit_line = submit
        self.palette = palette
        self._shown_banner: str | None = None
        self._drawn: str | None = None
        """The conversation the log shows."""

    def compose(self) -> ComposeResult:
        """Banner, topic, the three columns, the input line and the key footer."""
        yield Static("", id="banner")
        yield Static("", id="topic")
        with Horizontal(id="body"):
            yield OptionList(id="conversations")
            yield RichLog(
                id="log",
                wrap=True,
                markup=False,
                highlight=False,
                min_width=20,
                max_lines=LOG_LINES,
            )
            yield OptionList(id="members")
        yield Static("", id="typing")
        with Horizontal(id="input-row"):
            yield Static("", id="prompt")
            yield ChatInput(
                lambda word, at_start: self.model.completions(word, at_start=at_start),
                id="input",
                placeholder="Say something",
            )
        yield Footer()

    def on_mount(self) -> None:
        """Draw everything once and start the banner's countdown."""
        self.redraw_all()
        self.query_one(ChatInput).focus()
        self.set_interval(0.5, self.update_banner)
        self.set_interval(0.5, self._tick)

    def _tick(self) -> None:
        # Read markers held back by the 1 s limit, our "paused", others' expired typing.
        self.model.tick()
        self.draw_typing()

    # -- drawing ---------------------------------------------------------------------------

    def apply(self, changes: Changes) -> None:
        """Redraw what ``changes`` says changed."""
        if self.model.current != self._drawn:
            self.redraw_all()  # another conversation is on screen now
            return
        redraw = changes.redraw or self.model.search.arrived(changes)
        if redraw:
            self.draw_log()  # lines were inserted, not appended (or a result gone to came)
        log = self.query_one("#log", RichLog)
        current = self.model.current
        # Someone reading further up is not pulled down by every new line.
        follow = log.is_vertical_scroll_end
        for conversation, line in [] if redraw else changes.lines:
            if conversation.key == current:
                log.write(render_row(line, self.model.color_of, self.palette), scroll_end=follow)
        if changes.conversations:
            self.draw_conversations()
        if changes.members:
            self.draw_members()
        if changes.topic or changes.members or changes.status:
            self.draw_topic()
        if changes.status:
            self.update_banner()
        if changes.nick or changes.members:
            self.draw_prompt()
        if changes.typing:
            self.draw_typing()

    def redraw_all(self) -> None:
        """Everything from the model: after switching conversations or resizing."""
        self.draw_log()
        self.draw_conversations()
        self.draw_members()
        self.draw_topic()
        self.draw_prompt()
        self.draw_typing()
        self.update_banner()

    def draw_log(self) -> None:
        """The current conversation's lines, wrapped to the present width."""
        log = self.query_one("#log", RichLog)
        log.clear()
        self._drawn = self.model.current
        lines = list(self.model.current_conversation.lines)
        drawn = lines[max(0, len(lines) - REDRAWN_LINES) :]
        # A search result gone to (/goto) is shown in the middle, with the lines around it.
        focus = self.model.search.take_focus(self.model.current, drawn)
        focus_y = None
        for index, line in enumerate(drawn):
            if index == focus:
                focus_y = len(log.lines)
            log.write(render_row(line, self.model.color_of, self.palette), scroll_end=False)
        if focus_y is None:
            log.scroll_end(animate=False)
        else:
            log.scroll_to(y=max(0, focus_y - log.size.height // 2), animate=False)

    def draw_conversations(self) -> None:
        """The list of rooms and direct conversations with their unread counts."""
        listing = self.query_one("#conversations", OptionList)
        options = []
        keys: list[str] = []
        for key, conversation in self.model.conversations.items():
            row = conversation_row(
                conversation, current=key == self.model.current, color_of=self.model.color_of
            )
            options.append(Option(render_entry(row, self.palette), id=key))
            keys.append(key)
        listing.set_options(options)
        if self.model.current in keys:
            listing.highlighted = keys.index(self.model.current)

    def draw_members(self) -> None:
        """The current room's members, with status and away state."""
        listing = self.query_one("#members", OptionList)
        listing.set_options(
            Option(render_entry(member_row(member), self.palette), id="member:" + member.nick)
            for member in self.model.members()
        )

    def draw_topic(self) -> None:
        """The bar above the log: the conversation's name and topic."""
        conversation = self.model.current_conversation
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(clean_line(conversation.name, 40), "bold")
        topic = self.model.topic
        if self.model.link is not Link.ONLINE:
            text.append("  not connected", "dim")
        elif conversation.kind is ConversationKind.ROOM:
            count = len(self.model.members())
            text.append(f"  {count} here", "dim")
            if topic:
                text.append("  " + topic)
        elif conversation.kind is ConversationKind.DIRECT:
            text.append("  direct conversation", "dim")
        self.query_one("#topic", Static).update(text)

    def draw_typing(self) -> None:
        """``bob is typing…`` under the log (an empty row when nobody is)."""
        row = self.query_one("#typing", Static)
        text = self.model.typing_row()
        # Shown only while someone types: an empty row would take a line of the log for good.
        row.display = bool(text)
        # Text(), not a markup string: the row holds nicks from the network.
        row.update(Text(text, no_wrap=True, overflow="ellipsis"))

    def draw_prompt(self) -> None:
        """``[nick]`` before the input, in our colour."""
        text = Text()
        text.append("[", self.palette.dim)
        text.append(clean_line(self.model.nick, 30), self.palette.nick(self.model.own_color))
        text.append("]", self.palette.dim)
        self.query_one("#prompt", Static).update(text)

    def update_banner(self) -> None:
        """Show, count down or hide "Server is down — reconnecting in Ns"."""
        banner = self.model.banner(RETRY_HINT)
        if banner == self._shown_banner:
            return
        self._shown_banner = banner
        widget = self.query_one("#banner", Static)
        widget.update(Text(banner or ""))
        widget.set_class(banner is not None, "-down")
        self.query_one("#input", ChatInput).placeholder = (
            NOT_CONNECTED if self.model.link is not Link.ONLINE else "Say something"
        )

    def on_resize(self, event: Resize) -> None:
        """Hide side columns on narrow terminals; rewrap the log to the new width."""
        self.set_class(event.size.width < NARROW, "-narrow")
        self.set_class(event.size.width < TINY, "-tiny")
        self.call_after_refresh(self.draw_log)

    # -- the person's actions --------------------------------------------------------------

    @on(ChatInput.Changed, "#input")
    def _editing(self, message: ChatInput.Changed) -> None:
        self.model.input_changed(message.value)

    @on(ChatInput.Submitted, "#input")
    def _typed(self, message: ChatInput.Submitted) -> None:
        self.submit_line(message.value)

    @on(OptionList.OptionSelected, "#conversations")
    def _conversation_chosen(self, message: OptionList.OptionSelected) -> None:
        key = message.option.id
        if key is not None:
            self.show(key)
        self.query_one("#input", ChatInput).focus()

    @on(OptionList.OptionSelected, "#members")
    def _member_chosen(self, message: OptionList.OptionSelected) -> None:
        option_id = message.option.id or ""
        nick = option_id.removeprefix("member:")
        if nick and not self.model.protocol.is_me(nick):
            self.submit_line("@" + nick)
        self.query_one("#input", ChatInput).focus()

    def show(self, key: str) -> None:
        """Switch to conversation ``key``."""
        if fold(key) in self.model.conversations:
            self.model.select(fold(key))
            self.redraw_all()

    def action_cycle(self, step: int) -> None:
        """Ctrl-N / Ctrl-P: the next or previous conversation."""
        self.model.select_next(step)
        self.redraw_all()

    def action_scroll_log(self, direction: int) -> None:
        """Page Up / Page Down in the log, whatever has the focus."""
        log = self.query_one("#log", RichLog)
        if direction < 0:
            log.scroll_page_up()
        else:
            log.scroll_page_down()

    def action_help(self) -> None:
        """F1: the command list, as ``@help`` shows it."""
        self.submit_line("@help")
