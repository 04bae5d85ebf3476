"""The login form as Tk widgets: server, port, nick, password, colour swatches, client
certificate, Connect.

It only draws and collects: :func:`chinwag.gui.form.check_login` decides what is wrong and
:func:`chinwag.gui.form.form_news` what to say while connecting; the app passes their
verdicts to :meth:`LoginFrame.show_problem` and :meth:`LoginFrame.set_status`. A problem is
shown under its field in the error colour after a warning sign, on a line kept free for it
(so the form does not move), and typing in the field takes it away.
"""

from __future__ import annotations

import random
import tkinter as tk
from collections.abc import Callable, Mapping
from tkinter import font as tkfont
from tkinter import ttk

from chinwag.client.colors import PALETTE, ColorError, parse_color
from chinwag.gui.form import FIELDS, LoginFields, surprise_color
from chinwag.gui.text import displayable, from_tk
from chinwag.gui.theme import Fonts
from chinwag.gui.view import GuiPalette

SWATCH = 30
"""Pixels across one colour swatch."""
SWATCHES_PER_ROW = 6
PROBLEM_MARK = "\N{WARNING SIGN} "
"""Before a problem under a field: it is seen as a warning, not only by its colour."""
PROBLEM_LINES = 2
"""Lines of text kept free under each field for its problem (a sentence wraps to two)."""


class LoginFrame(ttk.Frame):
    """The form, centred in the window. ``on_submit`` gets the fields as typed when the
    person presses Connect or Enter; ``rng`` makes "Surprise me" reproducible in tests."""

    def __init__(
        self,
        master: tk.Misc,
        fields: LoginFields,
        palette: GuiPalette,
        fonts: Fonts,
        on_submit: Callable[[LoginFields], None],
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(master, padding=24)
        self.palette = palette
        self.fonts = fonts
        self.on_submit = on_submit
        self.rng = rng
        self.entries: dict[str, ttk.Entry] = {}
        self.problems: dict[str, ttk.Label] = {}
        self.swatches: dict[str, tk.Canvas] = {}
        self._problem_lines: dict[int, ttk.Frame] = {}
        card = ttk.Frame(self, padding=(28, 20))
        card.place(relx=0.5, rely=0.5, anchor="center")
        card.columnconfigure(0, weight=1)
        self.card = card

        ttk.Label(card, text="chinwag", style="Title.TLabel").grid(
            row=0, column=0, columnspan=2, sticky="w"
        )
        ttk.Label(card, text="Chat rooms on your network", style="Dim.TLabel").grid(
            row=1, column=0, columnspan=2, sticky="w", pady=(0, 14)
        )
        self._field(card, 2, 0, "server", "Server address", fields.server, width=28)
        self._field(card, 2, 1, "port", "Port", fields.port, width=7)
        self._field(card, 5, 0, "nick", "Nick", fields.nick, span=2)
        self._field(
            card,
            8,
            0,
            "password",
            "Password (only if your nick is a registered account)",
            fields.password,
            span=2,
            show="•",
        )
        self._colors(card, 11, fields.color)
        self._field(
            card,
            15,
            0,
            "cert",
            "Client certificate (optional: from chinwag make-cert, logs in without a password)",
            fields.cert,
            span=2,
        )

        self.connect_button = ttk.Button(
            card, text="Connect", style="Accent.TButton", command=self.submit, width=14
        )
        self.connect_button.grid(row=18, column=0, columnspan=2, pady=(16, 4))
        self.status = ttk.Label(card, text="", style="Dim.TLabel", anchor="center")
        self.status.grid(row=19, column=0, columnspan=2, sticky="ew")
        for entry in self.entries.values():
            entry.bind("<Return>", lambda _event: self.submit())
        self.mark_swatch(fields.color)

    # -- building ------------------------------------------------------------------------------

    def _field(
        self,
        card: ttk.Frame,
        row: int,
        column: int,
        name: str,
        label: str,
        value: str,
        *,
        span: int = 1,
        width: int = 20,
        show: str = "",
    ) -> None:
        """A label, the entry under it and the (empty) problem line under that."""
        padx = (0, 10) if column == 0 and span == 1 else 0
        ttk.Label(card, text=label).grid(
            row=row, column=column, columnspan=span, sticky="w", padx=padx
        )
        # No StringVar: its __del__ calls Tk, and a garbage collection may run it in the
        # client's thread.
        entry = ttk.Entry(card, width=width, show=show)
        entry.insert(0, displayable(value))
        entry.grid(row=row + 1, column=column, columnspan=span, sticky="ew", padx=padx, pady=2)
        line = self._problem_lines.get(row + 2)
        if line is None:  # the server and port fields share theirs
            line = self._problem_lines[row + 2] = self._problem_line(card, row + 2)
        problem = self._problem_label(line)
        entry.bind("<Key>", lambda _event: self.show_problem(name, None), add=True)
        self.entries[name] = entry
        self.problems[name] = problem

    def _colors(self, card: ttk.Frame, row: int, color: str) -> None:
        """The palette as round swatches, "Surprise me", and the colour typed or chosen."""
        ttk.Label(card, text="Colour of your name").grid(row=row, column=0, sticky="w")
        swatches = ttk.Frame(card)
        swatches.grid(row=row + 1, column=0, columnspan=2, sticky="w", pady=(4, 6))
        for index, (name, value) in enumerate(PALETTE.items()):
            canvas = tk.Canvas(
                swatches,
                width=SWATCH,
                height=SWATCH,
                background=self.palette.background,
                highlightthickness=0,
                borderwidth=0,
                takefocus=True,
                cursor="hand2",
            )
            canvas.grid(row=index // SWATCHES_PER_ROW, column=index % SWATCHES_PER_ROW, padx=3)
            for sequence in ("<Button-1>", "<Return>", "<space>"):
                canvas.bind(sequence, self._chooser(name))
            self.swatches[name] = canvas
            self._draw_swatch(name, value, selected=False)
        surprise = ttk.Button(swatches, text="Surprise me", command=self.surprise)
        surprise.grid(row=0, column=SWATCHES_PER_ROW, rowspan=2, padx=(14, 0))
        self.surprise_button = surprise

        line = ttk.Frame(card)
        line.grid(row=row + 2, column=0, columnspan=2, sticky="ew")
        line.columnconfigure(0, weight=1)
        entry = ttk.Entry(line, width=18)
        entry.insert(0, displayable(color))
        entry.grid(row=0, column=0, sticky="ew")
        ttk.Label(line, text="a name or #rrggbb; empty: one made from your nick",
                  style="Dim.TLabel").grid(row=0, column=1, sticky="w", padx=(10, 0))  # fmt: skip
        problem = self._problem_label(self._problem_line(card, row + 3))
        entry.bind("<Key>", lambda _event: self.show_problem("color", None), add=True)
        entry.bind("<KeyRelease>", lambda _event: self.mark_swatch(self.value("color")), add=True)
        self.entries["color"] = entry
        self.problems["color"] = problem

    def _problem_line(self, card: ttk.Frame, row: int) -> ttk.Frame:
        """Room under a field for its problem, reserved whether or not there is one, so
        showing one moves nothing: :data:`PROBLEM_LINES` lines high, the card's width (it
        asks for no width of its own, so a long sentence does not widen the form)."""
        linespace = int(tkfont.nametofont(self.fonts.problem, root=self).metrics("linespace"))
        line = ttk.Frame(card, width=1, height=PROBLEM_LINES * linespace)
        line.pack_propagate(False)
        line.grid(row=row, column=0, columnspan=2, sticky="ew")
        return line

    def _problem_label(self, line: ttk.Frame) -> ttk.Label:
        label = ttk.Label(line, text="", style="Problem.TLabel", anchor="w", justify="left",
                          foreground=self.palette.error)  # fmt: skip
        label.pack(side="top", fill="x")
        # Wrap at the width the line was given, which is known only once it is drawn.
        line.bind("<Configure>", lambda event: label.configure(wraplength=event.width), add=True)
        return label

    def _chooser(self, name: str) -> Callable[[object], None]:
        return lambda _event: self.choose(name)

    def _draw_swatch(self, name: str, color: str, *, selected: bool) -> None:
        canvas = self.swatches[name]
        canvas.delete("all")
        ring = self.palette.foreground if selected else self.palette.dim
        # Black and white swatches need an outline to be seen on a background like them.
        canvas.create_oval(4, 4, SWATCH - 4, SWATCH - 4, fill=color, outline=ring, width=1)
        if selected:
            canvas.create_oval(1, 1, SWATCH - 1, SWATCH - 1, outline=ring, width=2)

    # -- reading and telling ---------------------------------------------------------------------

    def value(self, name: str) -> str:
        """What field ``name`` holds."""
        return from_tk(self.entries[name].get())

    def set_value(self, name: str, value: str) -> None:
        """Put ``value`` in field ``name``."""
        entry = self.entries[name]
        entry.delete(0, "end")
        entry.insert(0, displayable(value))

    def fields(self) -> LoginFields:
        """The form as typed."""
        return LoginFields(**{name: self.value(name) for name in FIELDS})

    def submit(self) -> None:
        """Connect or Enter: hand the fields over."""
        self.on_submit(self.fields())

    def choose(self, name: str) -> None:
        """A swatch was clicked: that colour, by name, in the colour field."""
        self.set_value("color", name)
        self.show_problem("color", None)
        self.mark_swatch(name)

    def surprise(self) -> None:
        """ "Surprise me": a random palette colour, never the one chosen now."""
        self.choose(surprise_color(self.value("color"), self.rng))

    def mark_swatch(self, typed: str) -> None:
        """Ring the swatch of the colour ``typed`` (a name or hex), if it is one of them."""
        try:
            chosen = parse_color(typed) if typed.strip() else None
        except ColorError:
            chosen = None
        for name, value in PALETTE.items():
            self._draw_swatch(name, value, selected=value == chosen)

    def show_problems(self, problems: Mapping[str, str]) -> None:
        """Show each problem under its field (clearing the others); focus the first."""
        for name in FIELDS:
            self.show_problem(name, problems.get(name))
        first = next((name for name in FIELDS if name in problems), None)
        if first is not None:
            self.entries[first].focus_set()
            self.set_status("")

    def show_problem(self, name: str, problem: str | None) -> None:
        """Show ``problem`` under field ``name`` (None hides it)."""
        label = self.problems[name]
        text = PROBLEM_MARK + displayable(problem) if problem else ""
        if label.cget("text") != text:
            label.configure(text=text)
        if problem:
            self.entries[name].focus_set()

    def problem(self, name: str) -> str | None:
        """The problem shown under field ``name``, or None."""
        text = str(self.problems[name].cget("text"))
        return text.removeprefix(PROBLEM_MARK) if text.startswith(PROBLEM_MARK) else None

    def set_status(self, text: str) -> None:
        """The line under Connect: what is happening."""
        self.status.configure(text=displayable(text))

    def set_busy(self, busy: bool) -> None:
        """While connecting Connect is disabled, so one click makes one connection."""
        self.connect_button.state(["disabled"] if busy else ["!disabled"])
