"""``chinwag gui``: the window that ties the login form, the chat and the client together.

:class:`ChinwagGui` owns the Tk root (on the main thread) and at most one live
:class:`~chinwag.gui.bridge.Bridge` (the client core in its worker thread). Every
:data:`DRAIN_MS` milliseconds ``after()`` drains the bridge's queue: :class:`LoginNews` go to
the login form until the server accepts us, then the chat window opens and each
:class:`ChatUpdate` is drawn. What the person does goes back through the bridge's methods,
which return at once; no Tk call is made from the worker and nothing blocks Tk's thread.

Closing the window, Ctrl-Q, ``/quit`` and ``@disconnect`` all end the same way: the window
size and the last server, port, nick and colour are saved (never the password), the client
says QUIT and stops, and the window closes once its thread has ended (or after
:data:`CLOSE_TIMEOUT` seconds).
"""

from __future__ import annotations

import gc
import logging
import queue
import random
import sys
import time
import tkinter as tk
from dataclasses import replace
from pathlib import Path

from chinwag.client.login import LoginNews
from chinwag.client.options import ChatOptions
from chinwag.client.runner import Backoff
from chinwag.client.values import PasswordRequest
from chinwag.gui.bridge import Bridge, Finished, Update
from chinwag.gui.chat import ChatActions, ChatFrame
from chinwag.gui.form import LoginFields, check_login, initial_fields
from chinwag.gui.login import LoginFrame
from chinwag.gui.password import PasswordDialog
from chinwag.gui.settings import GuiSettings, load_settings, save_settings
from chinwag.gui.text import displayable
from chinwag.gui.theme import apply_theme, wants_dark
from chinwag.gui.view import ChatUpdate, GuiPalette

log = logging.getLogger("chinwag.gui")

DRAIN_MS = 25
"""How often Tk takes what the client has to show."""
DRAIN_BATCH = 200
"""Updates drawn per drain at most, so a flood never freezes the window."""
BANNER_MS = 250
"""How often the down bar's countdown is redrawn."""
CLOSE_TIMEOUT = 3.0
"""Seconds the window waits for the client to say goodbye before it closes anyway."""
DEFAULT_GEOMETRY = "1000x640"
MIN_SIZE = (760, 480)


class ChinwagGui:
    """The chat window.

    ``options`` fills the login form (``server_given``: its host and port came from the
    command line and win over the remembered ones); with ``ask`` False it connects at once.
    ``theme`` is ``auto`` (the system's), ``dark`` or ``light``. ``settings_path`` is the
    per-user file (None: remember nothing). ``display`` is the X display (None: ``$DISPLAY``).
    ``backoff``, ``keepalive``, ``connect_timeout`` tune the client; ``rng`` "Surprise me".
    """

    def __init__(
        self,
        options: ChatOptions,
        *,
        ask: bool = True,
        server_given: bool = True,
        theme: str = "auto",
        settings_path: Path | None = None,
        display: str | None = None,
        backoff: Backoff | None = None,
        keepalive: float = 60.0,
        connect_timeout: float = 10.0,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options
        self.settings_path = settings_path
        self.settings = load_settings(settings_path) if settings_path else GuiSettings()
        self.typing = options.typing and self.settings.typing
        """Typing indicators on: ``--no-typing`` or the remembered switch turn them off."""
        self.backoff = backoff
        self.keepalive = keepalive
        self.connect_timeout = connect_timeout
        self.root = tk.Tk(screenName=display, className="Chinwag")
        self.root.title("chinwag")
        self.root.minsize(*MIN_SIZE)
        self.root.geometry(self.settings.geometry or DEFAULT_GEOMETRY)
        self.palette = GuiPalette.for_theme(wants_dark(theme))
        self.fonts = apply_theme(self.root, self.palette)
        self.bridge: Bridge | None = None
        self._retired: list[Bridge] = []
        """Bridges told to stop whose threads may still be ending."""
        self._awaiting_nick = False
        """The open connection waits for another nick (the server refused one)."""
        self.chat: ChatFrame | None = None
        self.password_dialog: PasswordDialog | None = None
        self.closing = False
        self.closed = False
        self._close_deadline = 0.0
        self.login = LoginFrame(
            self.root,
            initial_fields(options, self.settings, server_given=server_given),
            self.palette,
            self.fonts,
            self.connect,
            rng=rng,
        )
        self.login.pack(fill="both", expand=True)
        self.login.entries["nick" if self.login.value("server") else "server"].focus_set()
        self.root.protocol("WM_DELETE_WINDOW", self.close)
        self.root.bind_all("<Control-q>", lambda _event: self.close())
        self._timers: dict[str, str] = {
            "drain": self.root.after(DRAIN_MS, self._drain),
            "banner": self.root.after(BANNER_MS, self._tick_banner),
        }
        """Pending ``after()`` calls by purpose, cancelled on closing: Tcl's timers outlive
        a destroyed window and would call into it."""
        if not ask:
            self._timers["submit"] = self.root.after_idle(self.login.submit)

    def run(self) -> int:
        """Show the window until it is closed; the exit status."""
        self.root.mainloop()
        return 0

    # -- connecting ----------------------------------------------------------------------------

    def connect(self, fields: LoginFields) -> None:
        """Connect (the login form's Connect): check the fields, then start a client, or try
        another nick on the connection that waits for one."""
        if self.closing:
            return
        given = self.options
        check = check_login(
            fields,
            tls=given.tls and given.fallback is None,
            room=given.room,
            trust_folder=given.trust_folder,
        )
        if check.options is None:
            self.login.show_problems(check.problems)
            return
        # The form knows nothing of typing indicators: they are the window's switch.
        options = replace(check.options, typing=self.typing)
        self.login.show_problems({})
        bridge = self.bridge
        if (
            bridge is not None
            and self._awaiting_nick
            and not bridge.finished
            and bridge.options.endpoint == options.endpoint
        ):
            self._awaiting_nick = False
            self.options = options
            self.login.set_status(f"Trying the nick {options.nick} …")
            bridge.retry(options)
            return
        self._retire_bridge()
        self.options = options
        self.login.set_status(f"Connecting to {options.address} …")
        self.login.set_busy(True)
        self.bridge = Bridge(
            options,
            self.palette,
            backoff=self.backoff,
            keepalive=self.keepalive,
            connect_timeout=self.connect_timeout,
        )
        self.bridge.start()

    def _retire_bridge(self) -> None:
        bridge, self.bridge = self.bridge, None
        self._awaiting_nick = False
        if bridge is not None:
            bridge.stop()
            self._retired.append(bridge)

    # -- what the client has to show -------------------------------------------------------------

    def _drain(self) -> None:
        """Take what the client has to show and draw it; then again in :data:`DRAIN_MS`."""
        if self.closed:
            return
        bridge = self.bridge
        for _ in range(DRAIN_BATCH):
            if bridge is None or bridge is not self.bridge or self.closed:
                break  # a new attempt, or closing: what the old one says is no news
            try:
                update = bridge.updates.get_nowait()
            except queue.Empty:
                break
            try:
                self._show(bridge, update)
            except Exception:  # a drawing bug must not stop the window from updating
                log.exception("cannot show %r", update)
        self._retired = [old for old in self._retired if not old.finished]
        if self.closing:
            self._finish_close()
        if not self.closed:
            self._timers["drain"] = self.root.after(DRAIN_MS, self._drain)

    def _show(self, bridge: Bridge, update: Update) -> None:
        if isinstance(update, LoginNews):
            self._login_news(update)
        elif isinstance(update, ChatUpdate):
            self._chat_update(update)
        elif isinstance(update, Finished):
            self._finished(bridge)

    def _login_news(self, news: LoginNews) -> None:
        login = self.login
        if news.status is not None:
            login.set_status(news.status)
        if news.field is not None:
            login.show_problem(news.field, news.problem)
            self._awaiting_nick = news.field == "nick" and not news.stop
            login.set_busy(False)
        if news.ready:
            self._remember_login()
            self._open_chat()

    def _open_chat(self) -> None:
        bridge = self.bridge
        if bridge is None:
            return
        self.chat = ChatFrame(
            self.root,
            self.palette,
            self.fonts,
            ChatActions(
                submit=bridge.submit,
                select=bridge.select,
                select_next=bridge.select_next,
                input_changed=bridge.input_changed,
                retry_now=bridge.retry_now,
                set_typing=self.set_typing,
            ),
            typing=self.typing,
        )
        self.login.pack_forget()
        self.chat.pack(fill="both", expand=True)
        self.chat.entry.focus_set()
        self.root.title(displayable(f"chinwag — {self.options.nick} on {self.options.address}"))

    def _chat_update(self, update: ChatUpdate) -> None:
        if self.chat is None:
            return
        self.chat.apply(update)
        dialog = self.password_dialog
        if (
            dialog is not None
            and not dialog.request.typed
            and update.prompt is not None
            and update.prompt.account is not None
        ):
            dialog.cancel()  # logged in meanwhile: the server's question is answered
        if update.password is not None:
            self.ask_password(update.password)
        if update.quit is not None:
            self.close(update.quit or None)

    def _finished(self, bridge: Bridge) -> None:
        """The client stopped on its own (a login problem, ``/quit``)."""
        if bridge is self.bridge and self.chat is not None:
            self.close()
        elif bridge is self.bridge:
            self.bridge = None
            self._awaiting_nick = False
            self.login.set_busy(False)

    def set_typing(self, enabled: bool) -> None:
        """The "Show typing" switch: tell the client, and remember it for the next run."""
        self.typing = enabled
        if self.bridge is not None:
            self.bridge.set_typing(enabled)
        self._save(replace(self.settings, typing=enabled))

    def ask_password(self, request: PasswordRequest) -> None:
        """Open the password prompt for ``request`` (unless one is open)."""
        if self.password_dialog is not None or self.chat is None:
            return

        def answered(request: PasswordRequest, password: str | None) -> None:
            """The prompt closed: the password (or None) goes to the client."""
            self.password_dialog = None
            bridge = self.bridge
            if bridge is not None:
                if password is None:
                    bridge.cancel_password(request)
                else:
                    bridge.provide_password(request, password)
            if self.chat is not None:
                self.chat.entry.focus_set()

        self.password_dialog = PasswordDialog(self.root, request, self.fonts, answered)

    def _tick_banner(self) -> None:
        if self.closed:
            return
        if self.chat is not None:
            self.chat.tick_banner(time.monotonic())
        self._timers["banner"] = self.root.after(BANNER_MS, self._tick_banner)

    # -- remembering and closing -----------------------------------------------------------------

    def _remember_login(self) -> None:
        """The server accepted us: remember where and as whom (never the password)."""
        options = self.options
        self._save(
            replace(
                self.settings,
                host=options.host,
                port=None if options.fallback is not None else options.port,
                tls=options.tls and options.fallback is None,
                nick=options.nick,
                color=options.color,
                cert=str(options.cert) if options.cert is not None else "",
            )
        )

    def _save(self, settings: GuiSettings) -> None:
        self.settings = settings
        if self.settings_path is not None:
            save_settings(self.settings_path, settings)

    def close(self, reason: str | None = None) -> None:
        """Ctrl-Q, the close button, ``/quit``: save, say goodbye, close when the client
        has stopped."""
        if self.closing:
            return
        self.closing = True
        self._close_deadline = time.monotonic() + CLOSE_TIMEOUT
        self._save(replace(self.settings, geometry=self.root.geometry()))
        if self.password_dialog is not None:
            self.password_dialog.cancel()
        bridge, self.bridge = self.bridge, None
        if bridge is not None:
            bridge.stop(reason)
            self._retired.append(bridge)
        self._finish_close()

    def _finish_close(self) -> None:
        waiting = [bridge for bridge in self._retired if not bridge.finished]
        if waiting and time.monotonic() < self._close_deadline:
            return  # the next drain looks again
        self.closed = True
        for timer in self._timers.values():
            self.root.after_cancel(timer)
        self.root.destroy()
        # Tk objects caught in reference cycles are freed by the cyclic collector in
        # whichever thread it happens to run; free them here, on Tk's thread.
        gc.collect()


def run_gui(
    options: ChatOptions,
    *,
    ask: bool,
    server_given: bool,
    theme: str,
    settings_path: Path | None,
) -> int:
    """Run the window until it is closed; the exit status (1 without a display)."""
    try:
        gui = ChinwagGui(
            options,
            ask=ask,
            server_given=server_given,
            theme=theme,
            settings_path=settings_path,
        )
    except tk.TclError as error:
        print(f"chinwag gui: cannot open a window: {error}", file=sys.stderr)
        return 1
    return gui.run()
