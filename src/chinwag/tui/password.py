"""The password prompt: a small window over the chat that asks for a password without echo.

Opened when the person types ``/login`` or ``/register``, and when the server says our nick
belongs to an account we are not logged in to. What is typed is shown as dots, is never kept
in the input history, and leaves this screen only as its result (to
:meth:`~chinwag.client.chat.ChatModel.provide_password`); the fields are emptied on the way.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from chinwag.client.options import OptionError, check_password
from chinwag.client.text import clean
from chinwag.client.values import PasswordRequest


class PasswordScreen(ModalScreen[str | None]):
    """Asks for the password ``request`` wants (twice for a new account); dismissed with
    the password, or with None when the person cancels (Escape or Cancel)."""

    DEFAULT_CSS = """
    PasswordScreen {
        align: center middle;
    }
    #password-box {
        width: 56;
        max-width: 100%;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 0 2;
    }
    #password-box Label.title {
        width: 100%;
        content-align: center middle;
        text-style: bold;
        margin: 1 0;
    }
    #password-box Label {
        color: $text-muted;
    }
    #password-box Input {
        margin: 0 0 1 0;
    }
    #password-reason {
        color: $warning;
        height: auto;
        margin: 0 0 1 0;
    }
    #password-step {
        color: $text-muted;
        height: auto;
        margin: 0 0 1 0;
    }
    #password-rule {
        color: $text-muted;
        height: auto;
    }
    #password-problem {
        color: $error;
        height: auto;
        margin: 0 0 1 0;
    }
    #password-box .-empty {
        display: none;
    }
    #password-buttons {
        height: auto;
        align: center middle;
        margin: 0 0 1 0;
    }
    #password-buttons Button {
        margin: 0 1;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, request: PasswordRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        """Title, why it is asked (after a failure), the masked field(s), OK and Cancel."""
        request = self.request
        reason = clean(request.reason or "")
        with Vertical(id="password-box"):
            yield Label(request.title, classes="title")
            yield Static(Text(reason), id="password-reason", classes="" if reason else "-empty")
            yield Label("Password (not shown)" if not request.confirm else "Choose a password")
            if request.rule is not None:
                yield Static(Text(request.rule), id="password-rule")
            yield Input(password=True, id="password", compact=True)
            if request.confirm:
                yield Label("The same password again")
                yield Input(password=True, id="again", compact=True)
            yield Static("", id="password-step", classes="-empty")
            yield Static("", id="password-problem", classes="-empty")
            with Horizontal(id="password-buttons"):
                verb = "Register" if request.purpose == "register" else "Log in"
                yield Button(verb, variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        """The cursor starts in the password field."""
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _first_entered(self) -> None:
        too_short = self.request.too_short(self.query_one("#password", Input).value)
        if too_short is not None:
            self.show_problem(too_short)  # before it is typed a second time
            return
        if self.request.confirm:
            self.query_one("#again", Input).focus()
            # Said once the focus has moved (focus() takes effect on the app's next turn).
            self.app.call_later(self._show_step, "Now the same password again, then Enter")
        else:
            self.submit()

    def _show_step(self, text: str) -> None:
        widget = self.query_one("#password-step", Static)
        widget.update(Text(text))
        widget.set_class(not text, "-empty")

    @on(Input.Submitted, "#again")
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        """Check what was typed; dismiss with it if it can be sent."""
        password = self.query_one("#password", Input).value
        try:
            check_password(password)
        except OptionError as error:
            self.show_problem(str(error))
            return
        too_short = self.request.too_short(password)
        if too_short is not None:
            # Said here, with the fields still open, rather than by the server afterwards.
            self.show_problem(too_short)
            self.query_one("#password", Input).focus()
            return
        if self.request.confirm and self.query_one("#again", Input).value != password:
            self.show_problem("The two passwords are not the same")
            self.query_one("#again", Input).value = ""
            self.query_one("#again", Input).focus()
            return
        self._forget()
        self.dismiss(password)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Escape or Cancel: no password."""
        self._forget()
        self.dismiss(None)

    def show_problem(self, problem: str) -> None:
        """Say what is wrong with what was typed, under the fields."""
        self._show_step("")
        widget = self.query_one("#password-problem", Static)
        widget.update(Text(problem))
        widget.set_class(not problem, "-empty")

    def _forget(self) -> None:
        """Empty the fields, so the password lives no longer than needed."""
        for field in self.query(Input):
            field.value = ""
