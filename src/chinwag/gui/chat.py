"""The chat window's widgets: conversations on the left, the log, members on the right.

:class:`ChatFrame` draws :class:`~chinwag.gui.view.ChatUpdate` values and reports what the
person does through :class:`ChatActions`. It holds no chat state beyond what it shows.

Text goes into widgets only as literal strings: ``Text.insert(index, text, tags)``,
``Treeview.insert(text=...)`` and ``Label(text=...)`` never interpret markup, and every
string in an update has been through :func:`chinwag.gui.text.displayable`.
"""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from tkinter import font as tkfont
from tkinter import ttk
from typing import Literal

from chinwag.client.banner import NOT_CONNECTED
from chinwag.client.commands import HELP, HELP_FOOTER, Help, parse_input
from chinwag.client.search import result_number
from chinwag.client.values import ConversationKind, Link
from chinwag.gui.history import InputHistory
from chinwag.gui.text import displayable, from_tk
from chinwag.gui.theme import Fonts
from chinwag.gui.view import (
    ACTION,
    BOT,
    DIM,
    DIVIDER,
    ERROR,
    HISTORY,
    INFO,
    MENTION,
    MONO,
    TIME,
    ChatUpdate,
    GuiPalette,
    Header,
    MemberRow,
    Prompt,
    SidebarEntry,
    Status,
    TaggedRow,
    banner_text,
    tag_color,
)

FOCUS = "focus"
"""The log's tag of the search result gone to (``/goto``, a double-click on a result)."""

LOG_LINES = 1000
"""Rows the log keeps while a conversation stays on screen."""
ROW = "row"
"""The tag every row carries: wrapped lines hang under the text, not under the time."""
NEW_BELOW = "new messages \N{DOWNWARDS ARROW}"
"""The button over the foot of the log while new rows arrive out of sight."""
WHEEL_LINES = 3
"""Lines one notch of the mouse wheel scrolls the log."""
RETRY_NOW = "Retry now"
"""The button on the "Server is down" bar."""
SHOW_TYPING = "Show typing"
"""The switch for typing indicators, ours and other people's."""


def _ignored(*_args: object) -> None:
    """What an action nobody listens to does (tests that build a frame alone)."""


@dataclass(frozen=True, slots=True)
class ChatActions:
    """What the person's clicks and keys ask for (the app sends them to the client)."""

    submit: Callable[[str], object]
    """A typed line: a message or a command."""
    select: Callable[[str], object]
    """Show the conversation with this key."""
    select_next: Callable[[int], object]
    """Show the next (1) or previous (-1) conversation."""
    input_changed: Callable[[str], object] = field(default=_ignored)
    """The input line now holds this text (the client sends our typing notices)."""
    retry_now: Callable[[], object] = field(default=_ignored)
    """Reconnect now, not at the end of the countdown."""
    set_typing: Callable[[bool], object] = field(default=_ignored)
    """Typing indicators turned on (True) or off."""


class ChatFrame(ttk.Frame):
    """The main window's content once connected."""

    def __init__(
        self,
        master: tk.Misc,
        palette: GuiPalette,
        fonts: Fonts,
        actions: ChatActions,
        *,
        typing: bool = True,
    ) -> None:
        super().__init__(master)
        self.show_typing = tk.BooleanVar(self, value=typing)
        """The "Show typing" switch."""
        self.input_text = tk.StringVar(self)
        self._reporting_input = True
        """Edits of the input are typing (not while it is emptied after a send)."""
        self.palette = palette
        self.fonts = fonts
        self.actions = actions
        self.history = InputHistory()
        self.current: str | None = None
        self.status = Status(Link.ONLINE)
        self._members: dict[str, MemberRow] = {}
        self._nick_tags: set[str] = set()
        self._banner_shown: str | None = None
        self._row_heights: list[int] = []
        """Lines of the log each row takes, oldest first (a multiline message has several)."""
        self.following = True
        """The log keeps its newest line in sight (until the person scrolls up)."""
        self._build()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        palette, fonts = self.palette, self.fonts
        self.banner = tk.Frame(self, background=palette.banner)
        self.banner_label = tk.Label(
            self.banner,
            text="",
            background=palette.banner,
            foreground=palette.banner_text,
            font=fonts.bold,
            pady=6,
        )
        self.retry_button = ttk.Button(self.banner, text=RETRY_NOW, command=self.retry_now)
        self.retry_button.pack(side="right", padx=(0, 10), pady=4)
        self.banner_label.pack(side="left", fill="x", expand=True)

        self.header = ttk.Frame(self, padding=(14, 10, 14, 8))
        self.header.pack(side="top", fill="x")
        self.title_label = ttk.Label(self.header, text="", style="Heading.TLabel")
        self.title_label.pack(side="left")
        self.detail_label = ttk.Label(self.header, text="", style="Dim.TLabel")
        self.detail_label.pack(side="left", padx=(10, 0), pady=(3, 0))
        self.topic_label = ttk.Label(self.header, text="")
        self.topic_label.pack(side="left", padx=(14, 0), fill="x", expand=True)
        ttk.Separator(self).pack(side="top", fill="x")

        bottom = ttk.Frame(self, padding=(12, 8, 12, 10))
        bottom.pack(side="bottom", fill="x")
        bottom.columnconfigure(1, weight=1)
        self.prompt_label = tk.Label(
            bottom, text="", font=fonts.bold, background=palette.background
        )
        self.prompt_label.grid(row=0, column=0, padx=(0, 8))
        self.entry = ttk.Entry(bottom, font=fonts.body, textvariable=self.input_text)
        self.entry.grid(row=0, column=1, sticky="ew")
        self.send_button = ttk.Button(
            bottom, text="Send", style="Accent.TButton", command=self.send_line
        )
        self.send_button.grid(row=0, column=2, padx=(8, 0))
        self.hint = ttk.Label(bottom, text="", style="Dim.TLabel")
        self.hint.grid(row=1, column=1, sticky="w", pady=(4, 0))
        self.typing_switch = ttk.Checkbutton(
            bottom, text=SHOW_TYPING, variable=self.show_typing, command=self._typing_switched
        )
        self.typing_switch.grid(row=1, column=2, sticky="e", pady=(4, 0))
        ttk.Separator(self).pack(side="bottom", fill="x")

        panes = ttk.PanedWindow(self, orient="horizontal")
        panes.pack(side="top", fill="both", expand=True)
        self.sidebar = ttk.Treeview(
            panes, columns=("badge",), show="tree", selectmode="browse", style="Sidebar.Treeview"
        )
        self.sidebar.column("#0", width=150, stretch=True)
        self.sidebar.column("badge", width=40, anchor="e", stretch=False)
        self.sidebar.tag_configure("server", foreground=palette.dim, font=fonts.italic)
        self.sidebar.tag_configure("parted", foreground=palette.dim)
        self.sidebar.tag_configure("unread", font=fonts.bold)
        self.sidebar.tag_configure("mentioned", foreground=palette.error, font=fonts.bold)
        panes.add(self.sidebar, weight=0)

        middle = ttk.Frame(panes)
        self.log = tk.Text(
            middle,
            wrap="word",
            state="disabled",
            background=palette.background,
            foreground=palette.foreground,
            selectbackground=palette.accent,
            font=fonts.body,
            padx=12,
            pady=8,
            borderwidth=0,
            highlightthickness=0,
            spacing1=3,
            spacing3=1,
            cursor="arrow",
            takefocus=False,
            width=60,
        )
        # Packed first, and always (empty when nobody types), so that its line stays
        # reserved and the log does not jump each time someone starts or stops typing.
        self.typing_row = tk.Label(
            middle,
            text="",
            anchor="w",
            background=palette.background,
            foreground=palette.dim,
            font=fonts.italic,
            padx=12,
        )
        self.typing_row.pack(side="bottom", fill="x")
        scrollbar = ttk.Scrollbar(middle, orient="vertical", command=self._scrollbar_moved)
        self.log.configure(yscrollcommand=scrollbar.set)
        scrollbar.pack(side="right", fill="y")
        self.log.pack(side="left", fill="both", expand=True)
        panes.add(middle, weight=1)
        self._configure_log_tags()
        self.help_panel = self._help_panel(middle)
        self.new_below = ttk.Button(
            middle, text=NEW_BELOW, style="Accent.TButton", command=self.jump_to_newest
        )
        """Shown over the foot of the log while rows arrive below what the person reads."""

        self.member_list = ttk.Treeview(
            panes, show="tree", selectmode="browse", style="Sidebar.Treeview"
        )
        self.member_list.column("#0", width=170)
        self.member_list.tag_configure("away", foreground=palette.dim, font=fonts.italic)
        panes.add(self.member_list, weight=0)

        self.sidebar.bind("<<TreeviewSelect>>", self._conversation_chosen)
        self.member_list.bind("<Double-1>", self._member_clicked)
        self.member_list.bind(
            "<Return>",
            lambda _event: self._member_chosen(next(iter(self.member_list.selection()), "")),
        )
        self.input_text.trace_add("write", lambda *_args: self._input_edited())
        self.entry.bind("<Return>", lambda _event: self.send_line())
        self.entry.bind("<KP_Enter>", lambda _event: self.send_line())
        self.entry.bind("<<Paste>>", self._pasted)
        self.entry.bind("<Up>", self._back)
        self.entry.bind("<Down>", self._forward)
        self.entry.bind("<Prior>", lambda _event: self.scroll(-1, "pages"))
        self.entry.bind("<Next>", lambda _event: self.scroll(1, "pages"))
        # The wheel is handled here, not by Text's class binding, so that whether the person
        # left the foot of the log is known as soon as the view moved.
        self.log.bind("<Button-4>", lambda _event: self.scroll(-WHEEL_LINES, "units"))
        self.log.bind("<Button-5>", lambda _event: self.scroll(WHEEL_LINES, "units"))
        self.log.bind("<MouseWheel>", self._wheel)
        self.log.bind("<Double-1>", self._log_double_clicked)
        # A resize (the window opening, the banner coming and going) moves the foot of the
        # log out of sight unless the view is put back on it.
        self.log.bind("<Configure>", lambda _event: self._keep_following(), add=True)
        self.bind_all("<F1>", lambda _event: self.show_help())
        self.bind_all("<Escape>", lambda _event: self.hide_help())
        for sequence in ("<Control-n>", "<Control-Tab>", "<Alt-Down>"):
            self.bind_all(sequence, lambda _event: self._cycle(1))
        for sequence in ("<Control-p>", "<Control-Shift-Tab>", "<Alt-Up>"):
            self.bind_all(sequence, lambda _event: self._cycle(-1))
        self.draw_status(self.status)

    def _help_panel(self, master: tk.Misc) -> tk.Frame:
        """The command list, laid over the log by :meth:`show_help` (the same table
        ``@help`` prints in the terminal), with a button and Esc to close it."""
        palette, fonts = self.palette, self.fonts
        panel = tk.Frame(
            master,
            background=palette.background,
            highlightthickness=1,
            highlightbackground=palette.dim,
            padx=16,
            pady=12,
        )
        top = tk.Frame(panel, background=palette.background)
        top.pack(side="top", fill="x")
        tk.Label(top, text="Commands", font=fonts.heading, background=palette.background,
                 foreground=palette.foreground).pack(side="left")  # fmt: skip
        self.help_close = ttk.Button(top, text="Close (Esc)", command=self.hide_help)
        self.help_close.pack(side="right")
        usage = tkfont.nametofont(fonts.bold, root=self)
        column = max(usage.measure(row.usage) for row in HELP) + 24
        self.help_text = tk.Text(
            panel,
            wrap="word",
            background=palette.background,
            foreground=palette.foreground,
            font=fonts.body,
            borderwidth=0,
            highlightthickness=0,
            tabs=(column,),
            spacing1=4,
            cursor="arrow",
            takefocus=False,
        )
        self.help_text.tag_configure("usage", font=fonts.bold)
        self.help_text.tag_configure("footer", foreground=palette.dim, font=fonts.italic,
                                     spacing1=12, lmargin1=0)  # fmt: skip
        self.help_text.tag_configure("row", lmargin2=column)
        for row in HELP:
            self.help_text.insert("end", displayable(row.usage), ("usage", "row"))
            self.help_text.insert("end", "\t" + displayable(row.does) + "\n", ("row",))
        self.help_text.insert("end", displayable(HELP_FOOTER), ("footer",))
        self.help_text.configure(state="disabled")
        self.help_text.pack(side="top", fill="both", expand=True, pady=(8, 0))
        return panel

    def show_help(self) -> str:
        """F1 or ``@help``: the command list over the log, until Esc or Close."""
        self.help_panel.place(relx=0, rely=0, relwidth=1, relheight=1)
        self.help_panel.lift()
        return "break"

    def hide_help(self) -> None:
        """Esc or Close: back to the log and the input."""
        if self.help_shown:
            self.help_panel.place_forget()
            self.entry.focus_set()

    @property
    def help_shown(self) -> bool:
        """Whether the command list is over the log."""
        return bool(self.help_panel.winfo_manager())

    def _configure_log_tags(self) -> None:
        palette, fonts, log = self.palette, self.fonts, self.log
        indent = tkfont.nametofont(fonts.small, root=self).measure("00:00 ")
        log.tag_configure(ROW, lmargin2=indent)
        log.tag_configure(TIME, foreground=palette.dim, font=fonts.small)
        log.tag_configure(DIM, foreground=palette.dim)
        log.tag_configure(INFO, foreground=palette.dim, font=fonts.italic)
        log.tag_configure(ACTION, font=fonts.italic)
        log.tag_configure(BOT, foreground=palette.dim, font=fonts.small)
        log.tag_configure(MONO, font=fonts.mono)
        log.tag_configure(ERROR, foreground=palette.error)
        log.tag_configure(HISTORY, foreground=palette.dim)
        log.tag_configure(
            DIVIDER, foreground=palette.dim, font=fonts.italic, justify="center", spacing1=8
        )
        log.tag_configure(MENTION, background=palette.mention)
        log.tag_configure(FOCUS, background=palette.mention)

    # -- drawing -------------------------------------------------------------------------------

    def apply(self, update: ChatUpdate) -> None:
        """Redraw what ``update`` says changed."""
        if update.clear_log:
            self._clear_log()
            shown = next((entry.key for entry in update.conversations or () if entry.current), None)
            if shown is not None and shown != self.current:
                self.following = True  # another conversation opens at its newest line
        if update.rows:
            self.add_rows(update.rows)
        if update.focus_row is not None:
            self.show_row(update.focus_row)
        if update.conversations is not None:
            self.draw_conversations(update.conversations)
        if update.members is not None:
            self.draw_members(update.members)
        if update.header is not None:
            self.draw_header(update.header)
        if update.prompt is not None:
            self.draw_prompt(update.prompt)
        if update.status is not None:
            self.draw_status(update.status)
        if update.typing is not None:
            self.draw_typing(update.typing)

    def draw_typing(self, text: str) -> None:
        """``bob is typing…`` under the log (the row stays, empty, when nobody is)."""
        self.typing_row.configure(text=text)

    def add_rows(self, rows: Sequence[TaggedRow]) -> None:
        """Add ``rows`` at the end of the log; follow them unless the person scrolled up, in
        which case the "new messages" button shows."""
        log = self.log
        log.configure(state="normal")
        heights = self._row_heights
        for row in rows:
            if log.index("end-1c") != "1.0":
                log.insert("end", "\n", (ROW,))
            for segment in row.segments:
                for tag in segment.tags:
                    self._nick_tag(tag)
                log.insert("end", segment.text, (ROW, *segment.tags))
            # A multiline message (draft/multiline) is one row of several lines of the log.
            heights.append(1 + row.text.count("\n"))
        if len(heights) > LOG_LINES:
            dropped = len(heights) - LOG_LINES
            log.delete("1.0", f"{sum(heights[:dropped]) + 1}.0")
            del heights[:dropped]
        log.configure(state="disabled")
        if self.following:
            self._keep_following()
        elif rows:
            self._show_new_below(True)

    def show_row(self, index: int) -> None:
        """Show row ``index`` of the log (a search result gone to) in the middle of the
        view, marked, with the lines around it; the log stops following the newest line."""
        first_line = sum(self._row_heights[:index])
        line = f"{first_line + 1}.0"
        self.log.tag_remove(FOCUS, "1.0", "end")
        self.log.tag_add(FOCUS, line, f"{line} lineend")
        self.following = False
        self.log.see(line)
        self.log.update_idletasks()
        first, last = self.log.yview()
        rows = int(self.log.index("end-1c").split(".")[0])
        shown = (last - first) * rows
        self.log.yview_moveto(max(0.0, (first_line - shown / 2) / max(rows, 1)))
        self._show_new_below(True)

    def _log_double_clicked(self, event: tk.Event[tk.Misc]) -> str | None:
        """A double-click on a search result's row goes to it (``/goto N``)."""
        index = self.log.index(f"@{event.x},{event.y}")
        text = self.log.get(f"{index} linestart", f"{index} lineend")
        number = result_number(text)
        if number is None or INFO not in self.log.tag_names(f"{index} lineend -1c"):
            return None
        self.actions.submit(f"/goto {number}")
        return "break"

    def _clear_log(self) -> None:
        self._row_heights.clear()
        self.log.configure(state="normal")
        self.log.delete("1.0", "end")
        self.log.configure(state="disabled")

    # -- following the newest line -------------------------------------------------------------

    def scroll(self, number: int, what: Literal["units", "pages"]) -> str:
        """The person scrolls the log by ``number`` ``what`` (``units`` or ``pages``): it
        stops following the newest line unless this reached it."""
        self.log.yview_scroll(number, what)
        self._person_scrolled()
        return "break"

    def jump_to_newest(self) -> None:
        """Show the newest line and follow the talk again (the "new messages" button)."""
        self.following = True
        self._keep_following()

    def _scrollbar_moved(self, *args: str) -> None:
        self.log.yview(*args)
        self._person_scrolled()

    def _wheel(self, event: tk.Event[tk.Misc]) -> str:
        return self.scroll(-WHEEL_LINES if event.delta > 0 else WHEEL_LINES, "units")

    def _person_scrolled(self) -> None:
        # The line count is brought up to date first: yview's fractions are estimates while
        # Text has not measured every line, and an estimate would stop the following.
        self.log.count("1.0", "end", "update")
        self.following = self.log.yview()[1] >= 1.0
        if self.following:
            self._show_new_below(False)

    def _keep_following(self) -> None:
        if not self.following:
            return
        self.log.count("1.0", "end", "update")
        self.log.yview_moveto(1.0)
        self._show_new_below(False)

    def _show_new_below(self, shown: bool) -> None:
        if shown:
            self.new_below.place(relx=0.5, rely=1.0, y=-10, anchor="s")
            self.new_below.lift()
        else:
            self.new_below.place_forget()

    @property
    def new_below_shown(self) -> bool:
        """Whether the "new messages" button is shown."""
        return bool(self.new_below.winfo_manager())

    def _nick_tag(self, tag: str) -> None:
        """Configure a nick colour's tag the first time it is used."""
        color = tag_color(tag)
        if color is not None and tag not in self._nick_tags:
            self.log.tag_configure(tag, foreground=color, font=self.fonts.bold)
            self._nick_tags.add(tag)

    def draw_conversations(self, entries: Sequence[SidebarEntry]) -> None:
        """The conversation list, the current one selected."""
        sidebar = self.sidebar
        sidebar.delete(*sidebar.get_children())
        for entry in entries:
            tags: list[str] = []
            if entry.kind is ConversationKind.SERVER:
                tags.append("server")
            elif entry.color is not None:
                tag = "c" + entry.color
                sidebar.tag_configure(tag, foreground=entry.color)
                tags.append(tag)
            if not entry.joined:
                tags.append("parted")
            # A direct conversation keeps its person's colour; its "!" says it names us.
            if entry.mentioned and entry.color is None:
                tags.append("mentioned")
            elif entry.unread:
                tags.append("unread")
            sidebar.insert("", "end", iid=entry.key, text=entry.label, values=(entry.badge,),
                           tags=tags)  # fmt: skip
            if entry.current:
                self.current = entry.key
        if self.current is not None and sidebar.exists(self.current):
            sidebar.selection_set(self.current)
            sidebar.see(self.current)

    def draw_members(self, members: Sequence[MemberRow]) -> None:
        """The member list: status prefix and nick in its colour, a bot's marker in brackets
        (a list entry has one look: brackets set it apart from the nick), away people
        dimmed."""
        listing = self.member_list
        listing.delete(*listing.get_children())
        self._members = {}
        for index, member in enumerate(members):
            iid = f"m{index}"
            self._members[iid] = member
            tag = "c" + member.color
            listing.tag_configure(tag, foreground=member.color)
            # Set one space further apart than in the terminal: the list has no column for it.
            text = member.label + (f" [{member.bot}]" if member.bot else "")
            text += " " + member.note if member.note else ""
            listing.insert("", "end", iid=iid, text=text, tags=("away",) if member.away else (tag,))

    def draw_header(self, header: Header) -> None:
        """Name, a few words, topic."""
        self.title_label.configure(text=header.title)
        self.detail_label.configure(text=header.detail)
        self.topic_label.configure(text=header.topic)

    def draw_prompt(self, prompt: Prompt) -> None:
        """Our nick in our colour before the input."""
        self.prompt_label.configure(text=prompt.nick, foreground=prompt.color)

    def draw_status(self, status: Status) -> None:
        """Online or not: the input's hint and the down bar."""
        self.status = status
        hint = status.placeholder
        self.hint.configure(
            text=hint, foreground=self.palette.error if hint == NOT_CONNECTED else self.palette.dim
        )
        self.tick_banner()

    def tick_banner(self, now: float | None = None) -> None:
        """Show, count down or hide the "Server is down" bar (the app calls this often)."""
        text = banner_text(self.status, time.monotonic() if now is None else now)
        if text == self._banner_shown:
            return
        self._banner_shown = text
        if text is None:
            self.banner.pack_forget()
        else:
            self.banner_label.configure(text=text)
            if not self.banner.winfo_ismapped():
                self.banner.pack(side="top", fill="x", before=self.header)

    @property
    def banner_shown(self) -> str | None:
        """The bar's text while it is shown."""
        return self._banner_shown

    # -- the person's actions ------------------------------------------------------------------

    def send_line(self) -> None:
        """Enter: send the line, empty the input, remember the line for Up."""
        line = from_tk(self.entry.get())
        if not line.strip():
            return
        # The message itself says we stopped typing: emptying the input is not news.
        self._reporting_input = False
        try:
            self.entry.delete(0, "end")
        finally:
            self._reporting_input = True
        self.history.remember(line)
        if isinstance(parse_input(line), Help):
            self.show_help()  # a panel to read and close, not a table pushed into the log
            return
        self.actions.submit(line)

    def _pasted(self, _event: object) -> str | None:
        """A pasted block of several lines is sent at once, with what was typed around the
        cursor, as one message (one multiline message when the server takes them, IRCv3
        ``draft/multiline``): the one-line input could not show it. A one-line paste is
        left to Tk."""
        try:
            text = from_tk(self.entry.clipboard_get())
        except tk.TclError:
            return None
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" not in text.strip("\n"):
            return None
        typed = from_tk(self.entry.get())
        at = self.entry.index("insert")
        self._reporting_input = False
        try:
            self.entry.delete(0, "end")
        finally:
            self._reporting_input = True
        self.actions.submit(typed[:at] + text.strip("\n") + typed[at:])
        return "break"

    def retry_now(self) -> None:
        """The "Retry now" button on the down bar: reconnect without waiting."""
        self.actions.retry_now()
        self.entry.focus_set()

    def _typing_switched(self) -> None:
        self.actions.set_typing(bool(self.show_typing.get()))
        self.entry.focus_set()

    def _input_edited(self) -> None:
        if self._reporting_input:
            self.actions.input_changed(from_tk(self.input_text.get()))

    def _back(self, _event: object) -> str:
        shown = self.history.back(from_tk(self.entry.get()))
        if shown is not None:
            self._set_input(shown)
        return "break"

    def _forward(self, _event: object) -> str:
        shown = self.history.forward()
        if shown is not None:
            self._set_input(shown)
        return "break"

    def _set_input(self, text: str) -> None:
        self.entry.delete(0, "end")
        self.entry.insert(0, text)
        self.entry.icursor("end")

    def _cycle(self, step: int) -> str:
        self.actions.select_next(step)
        return "break"

    def _conversation_chosen(self, _event: object) -> None:
        selected = self.sidebar.selection()
        # Redrawing selects the current conversation too: only a different one is a choice.
        if selected and selected[0] != self.current:
            self.current = selected[0]
            self.actions.select(selected[0])
        self.entry.focus_set()

    def _member_clicked(self, event: tk.Event[tk.Misc]) -> None:
        self._member_chosen(self.member_list.identify_row(event.y))

    def _member_chosen(self, iid: str) -> None:
        """Double-click or Enter on a person: a direct conversation with them."""
        member = self._members.get(iid)
        if member is not None and not member.is_self:
            self.actions.submit("@" + member.nick)
        self.entry.focus_set()
