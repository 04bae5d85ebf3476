"""The login screen: server, nick, password and colour (design.md section 5's palette).

The password is optional: it is for a nick registered as an account (``/register``), and is
typed into a masked field, used to log in with SASL while connecting, and never shown.

Mistakes are shown next to the field they concern: an address or port that cannot be, a
server nobody answers on, and a nick the server refused, with the server's own reason. The
person fixes it and presses Connect again without restarting; a refused nick is retried on
the same connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Grid, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from chinwag.client.colors import PALETTE, color_name
from chinwag.client.options import (
    ChatOptions,
    OptionError,
    check_color,
    check_nick,
    check_password,
    parse_server,
)
from chinwag.client.text import clean, clean_lines
from chinwag.tui.widgets import Swatch

FIELDS = ("server", "nick", "password", "color")


class LoginScreen(Screen[None]):
    """Asks where to connect, as whom and in which colour; posts :class:`Submitted`."""

    DEFAULT_CSS = """
    LoginScreen {
        align: center middle;
    }
    #login {
        width: 64;
        max-width: 100%;
        height: auto;
        border: round $primary;
        padding: 0 2;
    }
    #login Label.title {
        width: 100%;
        content-align: center middle;
        text-style: bold;
        margin: 1 0;
    }
    #login Input {
        margin: 0 0 1 0;
    }
    #login Label {
        color: $text-muted;
    }
    #login .problem {
        color: $error;
        height: auto;
        margin: 0 0 1 0;
    }
    #login Input.-has-problem {
        margin: 0;
    }
    #login .problem.-empty {
        display: none;
    }
    #swatches {
        grid-size: 3;
        grid-gutter: 0 1;
        height: auto;
        margin: 1 0 1 0;
    }
    #status {
        height: auto;
        margin: 1 0 0 0;
        color: $text-muted;
    }
    #connect {
        margin: 0;
        width: 16;
    }
    #login Center {
        height: auto;
    }
    """

    BINDINGS = [Binding("ctrl+c,ctrl+q", "app.leave", "Quit", priority=True)]

    @dataclass
    class Submitted(Message):
        """The person pressed Connect with these (checked) options."""

        options: ChatOptions

    def __init__(self, options: ChatOptions, *, dark: bool, background: str) -> None:
        super().__init__()
        self.options = options
        self.dark = dark
        self.background = background
        self.chosen_color = options.color

    def compose(self) -> ComposeResult:
        """The form: server, nick, colour swatches and a typed colour, Connect."""
        options = self.options
        server = "" if options.host == "localhost" and not options.nick else options.typed
        with Vertical(id="login"):
            yield Label("chinwag", classes="title")
            yield Label("Server (host or host:port)")
            yield Input(server, placeholder="localhost", id="server", compact=True)
            yield Static("", id="server-problem", classes="problem -empty")
            yield Label("Nick")
            yield Input(options.nick, placeholder="your name in the chat", id="nick", compact=True)
            yield Static("", id="nick-problem", classes="problem -empty")
            yield Label("Password (only if your nick is a registered account)")
            yield Input(
                options.password or "",
                placeholder="leave empty if you have no account",
                password=True,
                id="password",
                compact=True,
            )
            yield Static("", id="password-problem", classes="problem -empty")
            yield Label("Colour: pick one, or type a name or #rrggbb")
            with Grid(id="swatches"):
                for name, color in PALETTE.items():
                    yield Swatch(name, color, dark=self.dark, background=self.background)
            yield Input(
                (color_name(options.color) or options.color) if options.color else "",
                placeholder="e.g. teal or #ff8800 (empty: one made from your nick)",
                id="color",
                compact=True,
            )
            yield Static("", id="color-problem", classes="problem -empty")
            with Center():
                yield Button("Connect", variant="primary", id="connect", compact=True)
            yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the first empty field, and mark the chosen swatch."""
        self._mark_swatch(self.chosen_color)
        for field in ("server", "nick"):
            widget = self.query_one(f"#{field}", Input)
            if not widget.value:
                widget.focus()
                return
        self.query_one("#connect", Button).focus()

    # -- reacting to the person ----------------------------------------------------------------

    @on(Swatch.Chosen)
    def _swatch_chosen(self, message: Swatch.Chosen) -> None:
        self.query_one("#color", Input).value = message.name
        self._mark_swatch(message.color)

    @on(Input.Changed, "#color")
    def _color_typed(self, message: Input.Changed) -> None:
        try:
            color = check_color(message.value)
        except OptionError:
            color = None
        self._mark_swatch(color)
        self.show_problem("color", None)

    @on(Input.Changed, "#nick")
    def _nick_typed(self) -> None:
        self.show_problem("nick", None)

    @on(Input.Changed, "#server")
    def _server_typed(self) -> None:
        self.show_problem("server", None)

    @on(Input.Changed, "#password")
    def _password_typed(self) -> None:
        self.show_problem("password", None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#connect")
    def submit(self) -> None:
        """Check the fields; post :class:`Submitted` if all are usable."""
        try:
            options = self.read_options()
        except OptionError as error:
            self.show_problem(error.field if error.field in FIELDS else "server", str(error))
            return
        self.set_status("Connecting to " + options.address + " …")
        self.post_message(self.Submitted(options))

    def read_options(self) -> ChatOptions:
        """The form as :class:`ChatOptions`; raises :class:`OptionError` for a bad field."""
        server = self.query_one("#server", Input).value.strip() or "localhost"
        # --tls (TLS only) holds for what is typed here too, unless a scheme says otherwise.
        tls_only = self.options.tls and self.options.fallback is None and "://" not in server
        where = parse_server(server, tls=tls_only)
        nick = check_nick(self.query_one("#nick", Input).value)
        password = self.query_one("#password", Input).value
        color = check_color(self.query_one("#color", Input).value)
        return ChatOptions(
            host=where.host,
            port=where.port,
            tls=where.tls,
            fallback=where.fallback,
            cert=self.options.cert,
            trust_folder=self.options.trust_folder,
            nick=nick,
            color=color,
            room=self.options.room,
            password=check_password(password) if password else None,
            typing=self.options.typing,
        )

    # -- telling the person ---------------------------------------------------------------------

    def show_problem(self, field: str, problem: str | None) -> None:
        """Show ``problem`` under ``field`` (``None`` hides it); focus that field."""
        widget = self.query_one(f"#{field}-problem", Static)
        widget.update(Text(clean_lines(problem or "")))
        widget.set_class(not problem, "-empty")
        self.query_one(f"#{field}", Input).set_class(bool(problem), "-has-problem")
        if problem:
            self.query_one(f"#{field}", Input).focus()
            self.set_status("")

    def set_status(self, text: str) -> None:
        """The line under Connect: what is happening."""
        self.query_one("#status", Static).update(Text(clean(text)))

    def _mark_swatch(self, color: str | None) -> None:
        for swatch in self.query(Swatch):
            selected = color is not None and swatch.color == color
            if swatch.selected != selected:
                swatch.selected = selected
                swatch.refresh()
