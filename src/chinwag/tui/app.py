"""``chinwag chat``: the Textual app that ties the login screen, the chat screen and the
client core together.

The app owns one :class:`~chinwag.client.runner.Runner` (connect, reconnect with backoff,
restore nick, colour and rooms) and one :class:`~chinwag.client.chat.ChatModel`. Every event
the runner reports goes to the model, and the :class:`~chinwag.client.values.Changes` it returns
go to the chat screen, all on Textual's own asyncio loop: no threads.

Until the first registration the login screen is in charge, showing what the window's form
shows (:mod:`chinwag.client.login`): a refused nick is shown next to the nick field and
retried on the same connection; a server that cannot be reached, or a wrong password typed
into the form, stops the attempt and says so next to its field. Afterwards a dropped
connection shows the "Server is down" banner and the runner keeps trying.

When the model wants a password (``/login``, ``/register``, or the server saying our nick
belongs to an account and no password worked) a masked prompt opens over the chat
(:class:`~chinwag.tui.password.PasswordScreen`); what is typed goes to the model and nowhere
else. The command list (F1, ``@help``) opens over the chat too
(:class:`~chinwag.tui.help.HelpScreen`), when the model says so (``Changes.help``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping

from textual import on
from textual.app import App
from textual.binding import Binding

from chinwag.client import events as ev
from chinwag.client.chat import ChatModel
from chinwag.client.login import login_news
from chinwag.client.options import ChatOptions
from chinwag.client.runner import Backoff, Runner
from chinwag.client.saved import remember, remembered
from chinwag.client.text import clean
from chinwag.client.values import Changes, PasswordRequest
from chinwag.protocol.metadata import COLOR_KEY
from chinwag.tui.chat import ChatScreen
from chinwag.tui.help import HelpScreen
from chinwag.tui.login import LoginScreen
from chinwag.tui.password import PasswordScreen
from chinwag.tui.render import Palette
from chinwag.tui.terminal import light_background

QUIT_TIMEOUT = 2.0
"""Seconds to wait for the server to close after our QUIT."""


class ChinwagApp(App[int]):
    """The terminal client. ``ask`` shows the login form first (otherwise it connects at
    once with ``options`` and only shows the form if something needs fixing); ``theme`` is
    ``dark``, ``light`` or ``auto``. ``backoff`` and ``keepalive`` tune the runner (tests
    make them short)."""

    TITLE = "chinwag"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+c,ctrl+q", "leave", "Quit", priority=True)]

    def __init__(
        self,
        options: ChatOptions,
        *,
        ask: bool = True,
        theme: str = "auto",
        backoff: Backoff | None = None,
        keepalive: float = 60.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        environ = os.environ if environ is None else environ
        light = theme == "light" or (theme == "auto" and light_background(environ.get("COLORFGBG")))
        self.theme = "textual-light" if light else "textual-dark"
        current = self.current_theme
        self.palette = Palette.for_theme(current.dark, current.background)
        self.options = options
        self.ask = ask
        self.backoff = backoff
        self.keepalive = keepalive
        self.model: ChatModel | None = None
        self.runner: Runner | None = None
        self._runner_task: asyncio.Task[None] | None = None
        self.login: LoginScreen | None = None
        self.chat: ChatScreen | None = None
        self.password_prompt: PasswordScreen | None = None
        """The password prompt while it is open."""
        self._attempt_over = False
        """The login form ended this connection attempt (a wrong password, no server)."""

    async def on_mount(self) -> None:
        """Show the login form (filled from the command line), or connect right away."""
        self.login = LoginScreen(
            self.options, dark=self.palette.dark, background=self.palette.background
        )
        await self.push_screen(self.login)
        if not self.ask:
            self.login.submit()

    async def on_unmount(self) -> None:
        """However the app ends, the connection ends with it."""
        await self._stop_runner()

    # -- connecting ------------------------------------------------------------------------

    @on(LoginScreen.Submitted)
    async def _login(self, message: LoginScreen.Submitted) -> None:
        await self.connect(message.options)

    async def connect(self, options: ChatOptions) -> None:
        """Connect with ``options``; after a refused nick on the same server, just try the
        new nick on the open connection."""
        runner, model = self.runner, self.model
        same_server = self.options.endpoint == options.endpoint
        self.options = options
        if runner is not None and model is not None and runner.connected and same_server:
            protocol = runner.protocol
            protocol.set_metadata(COLOR_KEY, options.color)
            protocol.account_password = options.password  # for the next connections
            if not protocol.registered:
                protocol.set_nick(options.nick)
                return
        await self._stop_runner()
        self._attempt_over = False
        protocol = options.new_protocol(remembered=remembered(options))
        self.model = ChatModel(
            protocol, server_name=options.host, typing=options.typing, help_overlay=True
        )
        self.runner = Runner(
            protocol,
            options.endpoint,
            self._on_event,
            backoff=self.backoff,
            keepalive=self.keepalive,
            security=options.security(),
        )
        self._runner_task = asyncio.create_task(self.runner.run())

    async def _stop_runner(self) -> None:
        task, self._runner_task = self._runner_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.runner = None

    # -- events from the connection -----------------------------------------------------------

    def _on_event(self, event: ev.Event) -> None:
        model = self.model
        if model is None:
            return
        changes = model.handle(event)
        if self.chat is None:
            self._login_phase(event, model)
            return
        prompt = self.password_prompt
        if isinstance(event, ev.LoggedIn) and prompt is not None and not prompt.request.typed:
            prompt.action_cancel()  # logged in meanwhile: the server's question is answered
        self._show(changes)

    def _login_phase(self, event: ev.Event, model: ChatModel) -> None:
        """Before the first registration the login form shows what happens, as the window's
        does (:func:`~chinwag.client.login.login_news`)."""
        login = self.login
        news = login_news(event, self.options.address)
        if login is None or news is None or self._attempt_over:
            return
        if isinstance(event, ev.LoginFailed) and not self.ask:
            # Connecting at once from the command line, nobody typed the password into the
            # form: the chat opens and asks for it again, with the server's reason.
            return
        if news.status is not None:
            login.set_status(news.status)
        if news.field is not None:
            login.show_problem(news.field, news.problem)
        if news.stop:
            self._attempt_over = True  # what the closing connection says next is not news
            self.call_later(self._stop_runner)
        if news.ready:
            self.chat = ChatScreen(model, self.submit, self.palette)
            self.call_later(self.switch_screen, self.chat)

    def _show(self, changes: Changes) -> None:
        if changes.rooms and self.model is not None:
            remember(self.options, self.model.remembered_rooms)
        if self.chat is not None and self.chat.is_mounted:
            self.chat.apply(changes)
        if changes.password is not None:
            self.call_later(self.ask_password, changes.password)
        if changes.help:
            self.call_later(self.show_help)
        if changes.quit is not None:
            self.call_later(self.action_leave, changes.quit)

    def show_help(self) -> None:
        """Open the command list over the chat (unless it is open already)."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def ask_password(self, request: PasswordRequest) -> None:
        """Open the masked password prompt for ``request`` (unless one is open already);
        the password typed goes to the model."""
        if self.password_prompt is not None:
            return
        prompt = PasswordScreen(request)
        self.password_prompt = prompt

        def answered(password: str | None) -> None:
            self.password_prompt = None
            model = self.model
            if model is None:
                return
            if password is None:
                self._show(model.cancel_password(request))
            else:
                self._show(model.provide_password(request, password))

        self.push_screen(prompt, answered)

    # -- the person's actions -----------------------------------------------------------------

    def submit(self, line: str) -> None:
        """Run one typed line through the model and show what changed."""
        if self.model is not None:
            self._show(self.model.submit(line))

    def action_retry_now(self) -> None:
        """F5 or Ctrl-R while the server is down: try to reconnect now, not at the end of
        the countdown."""
        if self.runner is not None:
            self.runner.retry_now()

    async def action_leave(self, reason: str = "") -> None:
        """Ctrl-C, ``/quit``, ``@disconnect``: send QUIT, wait briefly, exit."""
        runner = self.runner
        if runner is not None and runner.connected:
            with contextlib.suppress(Exception):
                await runner.quit(reason or None, timeout=QUIT_TIMEOUT)
        await self._stop_runner()
        self.exit(0)


def run_app(options: ChatOptions, *, ask: bool, theme: str = "auto") -> int:
    """Run the terminal client until the person quits; the exit status."""
    app = ChinwagApp(options, ask=ask, theme=theme)
    status = app.run()
    if app.model is not None and app.model.down_reason and not app.model.ever_online:
        print(f"chinwag chat: {clean(app.model.down_reason)}")
    return status or 0
