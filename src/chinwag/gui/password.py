"""The password prompt: a small window over the chat that asks for a password without echo.

Opened for ``/login`` and ``/register`` and when the server says our nick belongs to an
account we are not logged in to (:class:`~chinwag.client.values.PasswordRequest`). What is typed
is shown as dots, leaves the prompt only through ``on_done``, and the fields are emptied as
the prompt closes.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from chinwag.client.options import OptionError, check_password
from chinwag.client.values import PasswordRequest
from chinwag.gui.text import displayable, from_tk
from chinwag.gui.theme import Fonts

Answer = Callable[[PasswordRequest, str | None], None]
"""Gets the request and the password typed, or None when the person cancelled."""


class PasswordDialog(tk.Toplevel):
    """Asks for the password ``request`` wants (twice for a new account)."""

    def __init__(
        self, master: tk.Misc, request: PasswordRequest, fonts: Fonts, on_done: Answer
    ) -> None:
        super().__init__(master)
        self.request = request
        self.on_done = on_done
        self._answered = False
        self.title(displayable(request.title))
        self.resizable(False, False)
        self.transient(master.winfo_toplevel())
        body = ttk.Frame(self, padding=20)
        body.pack(fill="both", expand=True)
        ttk.Label(body, text=displayable(request.title), style="Heading.TLabel").pack(anchor="w")
        if request.reason:
            ttk.Label(
                body, text=displayable(request.reason), style="Problem.TLabel", wraplength=340
            ).pack(anchor="w", pady=(6, 0))
        first = "Choose a password" if request.confirm else "Password (not shown)"
        ttk.Label(body, text=first).pack(anchor="w", pady=(12, 2))
        self.password = ttk.Entry(body, show="•", width=36)
        self.password.pack(fill="x")
        # The server's rule sits under the field it is about, before it is broken, so that a
        # refusal (below) is never the first the person hears of it.
        self.rule: ttk.Label | None = None
        if request.rule is not None:
            self.rule = ttk.Label(body, text=displayable(request.rule), style="Dim.TLabel")
            self.rule.pack(anchor="w", pady=(2, 0))
        self.again: ttk.Entry | None = None
        if request.confirm:
            ttk.Label(body, text="The same password again").pack(anchor="w", pady=(10, 2))
            self.again = ttk.Entry(body, show="•", width=36)
            self.again.pack(fill="x")
        self.problem = ttk.Label(body, text="", style="Problem.TLabel", wraplength=340)
        self.problem.pack(anchor="w", pady=(6, 0))
        buttons = ttk.Frame(body)
        buttons.pack(anchor="e", pady=(12, 0))
        verb = "Register" if request.purpose == "register" else "Log in"
        # Made left to right, because Tab follows the order widgets are made in: from the
        # last field it reaches the verb first, as it reads on screen.
        self.ok = ttk.Button(buttons, text=verb, style="Accent.TButton", command=self.submit)
        self.ok.pack(side="left", padx=(0, 8))
        ttk.Button(buttons, text="Cancel", command=self.cancel).pack(side="left")
        self.password.bind("<Return>", lambda _event: self._entered())
        if self.again is not None:
            self.again.bind("<Return>", lambda _event: self.submit())
        self.bind("<Escape>", lambda _event: self.cancel())
        self.protocol("WM_DELETE_WINDOW", self.cancel)
        self.password.focus_set()

    def _entered(self) -> None:
        too_short = self.request.too_short(from_tk(self.password.get()))
        if too_short is not None:
            # Said before it is typed a second time, not after both fields are filled.
            self.problem.configure(text=too_short)
            return
        if self.again is not None:
            self.again.focus_set()
        else:
            self.submit()

    def submit(self) -> None:
        """Check what was typed; close with it if it can be sent."""
        password = from_tk(self.password.get())
        try:
            check_password(password)
        except OptionError as error:
            self.problem.configure(text=str(error))
            return
        too_short = self.request.too_short(password)
        if too_short is not None:
            # Refused here, with the dialog still open, rather than by the server once closed.
            self.problem.configure(text=too_short)
            self.password.focus_set()
            return
        if self.again is not None and from_tk(self.again.get()) != password:
            self.problem.configure(text="The two passwords are not the same")
            self.again.delete(0, "end")
            self.again.focus_set()
            return
        self._close(password)

    def cancel(self) -> None:
        """Escape, Cancel or the window's close button: no password."""
        self._close(None)

    def _close(self, password: str | None) -> None:
        if self._answered:
            return
        self._answered = True
        for entry in (self.password, self.again):
            if entry is not None:
                entry.delete(0, "end")
        self.destroy()
        self.on_done(self.request, password)
