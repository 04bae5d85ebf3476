"""The client core in a worker thread, and the two one-way roads between it and Tk.

Tk wants every call from the thread that created it, and nothing on that thread may block;
the client core is asyncio code that waits on sockets. So a :class:`Bridge` gives the core a
thread and an event loop of its own, in which the :class:`~chinwag.client.runner.Runner`,
the :class:`~chinwag.client.protocol.ClientProtocol`, the
:class:`~chinwag.client.chat.ChatModel` and the :class:`~chinwag.gui.view.ChatView` live and
are only ever touched:

- core to Tk: each event is handled there, and what the window must show is put on
  :attr:`Bridge.updates` (a :class:`queue.Queue`) as immutable values, :class:`LoginNews`
  until the server accepts us, then :class:`ChatUpdate`, and :class:`Finished` last. The
  window drains the queue with ``after()``; it never reads the model itself, so nothing is
  read while the other thread changes it.
- Tk to core: the methods of :class:`Bridge` (:meth:`~Bridge.submit`,
  :meth:`~Bridge.select`, :meth:`~Bridge.stop`, ...) hand the work to the loop with
  ``loop.call_soon_threadsafe`` and return at once.

A bridge runs one connection attempt to its end: a refused nick is retried on the same
connection (:meth:`~Bridge.retry`), anything else on the login form is a new bridge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chinwag.client import events as ev
from chinwag.client.chat import ChatModel
from chinwag.client.login import LoginNews
from chinwag.client.options import ChatOptions
from chinwag.client.runner import Backoff, Runner
from chinwag.client.saved import remember, remembered
from chinwag.client.values import Changes, PasswordRequest
from chinwag.gui.form import form_news
from chinwag.gui.view import ChatUpdate, ChatView, GuiPalette
from chinwag.protocol.casemap import fold
from chinwag.protocol.metadata import COLOR_KEY

log = logging.getLogger("chinwag.gui")

QUIT_TIMEOUT = 2.0
"""Seconds to wait for the server to close after our QUIT."""
TICK_SECONDS = 0.5
"""How often the model may send a read marker it held back (:meth:`ChatModel.tick`)."""


@dataclass(frozen=True, slots=True)
class Finished:
    """The client has stopped and its thread is ending; nothing more comes on the queue."""


Update = LoginNews | ChatUpdate | Finished
"""What crosses from the client's thread to Tk's."""


class Bridge:
    """One connection of the window's: the client core running in its own thread.

    ``palette`` colours the view (nick colours are made readable on its background);
    ``backoff``, ``keepalive`` and ``connect_timeout`` tune the runner (tests make them
    short). Call :meth:`start` once; read :attr:`updates` from Tk's thread.
    """

    def __init__(
        self,
        options: ChatOptions,
        palette: GuiPalette,
        *,
        backoff: Backoff | None = None,
        keepalive: float = 60.0,
        connect_timeout: float = 10.0,
        quit_timeout: float = QUIT_TIMEOUT,
    ) -> None:
        self.options = options
        self.palette = palette
        self.backoff = backoff
        self.keepalive = keepalive
        self.connect_timeout = connect_timeout
        self.quit_timeout = quit_timeout
        self.updates: queue.Queue[Update] = queue.Queue()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name="chinwag-client", daemon=True)
        # Everything below belongs to the client's thread once it has started.
        self._stopping = asyncio.Event()
        self._stop_reason: str | None = None
        self._model: ChatModel | None = None
        self._view: ChatView | None = None
        self._runner: Runner | None = None
        self._in_chat = False
        self._pending_password: PasswordRequest | None = None
        self._abandoned = False
        """The login form was told the attempt is over: later events are not news."""

    # -- Tk's side ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the client's thread; it connects at once."""
        self._thread.start()

    @property
    def finished(self) -> bool:
        """The client's thread has ended (or never started)."""
        return not self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the thread to end (not from Tk's event
        handlers: tests and the last moment of the program); whether it has."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return self.finished

    def submit(self, line: str) -> bool:
        """Run a line the person typed (a message or a command of design.md section 6)."""
        return self._post(self._submit, line)

    def input_changed(self, text: str) -> bool:
        """The input line now holds ``text``: the client says we are typing (throttled)."""
        return self._post(self._input_changed, text)

    def set_typing(self, enabled: bool) -> bool:
        """Turn typing indicators on or off, ours and other people's."""
        return self._post(self._set_typing, enabled)

    def retry_now(self) -> bool:
        """The "Retry now" button: reconnect now rather than at the end of the countdown."""
        return self._post(self._retry_now)

    def select(self, key: str) -> bool:
        """Show conversation ``key`` (a :class:`~chinwag.gui.view.SidebarEntry` key)."""
        return self._post(self._select, key)

    def select_next(self, step: int) -> bool:
        """Show the next (1) or previous (-1) conversation."""
        return self._post(self._select_next, step)

    def provide_password(self, request: PasswordRequest, password: str) -> bool:
        """The person typed ``password`` in the prompt for ``request``."""
        return self._post(self._provide_password, request, password)

    def cancel_password(self, request: PasswordRequest) -> bool:
        """The person closed the prompt for ``request`` without a password."""
        return self._post(self._cancel_password, request)

    def retry(self, options: ChatOptions) -> bool:
        """After a refused nick: try ``options.nick`` (and colour, password) on the
        connection that is waiting for one."""
        return self._post(self._retry, options)

    def stop(self, reason: str | None = None) -> bool:
        """Say goodbye (QUIT with ``reason``) and end the thread; returns at once. False
        when the client has stopped already."""
        return self._post(self._request_stop, reason)

    def _post(self, function: Callable[..., None], *args: Any) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._guarded, function, *args)
        except RuntimeError:  # the loop is closed: the client has stopped
            return False
        return True

    # -- the client's thread ----------------------------------------------------------------

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._run())
        except Exception:
            log.exception("the client stopped on an error")
        finally:
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()
            self.updates.put(Finished())

    async def _run(self) -> None:
        options = self.options
        protocol = options.new_protocol(remembered=remembered(options))
        self._model = ChatModel(protocol, server_name=options.host, typing=options.typing)
        self._view = ChatView(self._model, self.palette)
        runner = Runner(
            protocol,
            options.endpoint,
            self._on_event,
            backoff=self.backoff,
            keepalive=self.keepalive,
            connect_timeout=self.connect_timeout,
            security=options.security(),
        )
        self._runner = runner
        running = asyncio.create_task(runner.run())
        ticking = asyncio.create_task(self._tick())
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not running.done():
                with contextlib.suppress(Exception):
                    await runner.quit(self._stop_reason, timeout=self.quit_timeout)
        finally:
            for task in (running, ticking, stopping):
                task.cancel()
            await asyncio.gather(running, ticking, stopping, return_exceptions=True)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if self._model is not None:
                self._guarded(self._model.tick)
                # Someone's indicator may have run out: the view redraws the row if so.
                self._guarded(self._show, Changes())

    def _guarded(self, function: Callable[..., None], *args: Any) -> None:
        # A bug in showing one thing must not end the connection (the runner does the same
        # for its event handler).
        try:
            function(*args)
        except Exception:
            log.exception("the window's request %s failed", getattr(function, "__name__", "?"))

    def _on_event(self, event: ev.Event) -> None:
        model, view = self._model, self._view
        if model is None or view is None:
            return
        changes = model.handle(event)
        if self._in_chat:
            self._show(changes)
            return
        if changes.password is not None:  # asked before the chat opens: asked once it has
            self._pending_password = changes.password
        news = form_news(event, self.options.address)
        if news is None or self._abandoned:
            return
        self.updates.put(news)
        if news.ready:
            self._in_chat = True
            self.updates.put(replace(view.full(), password=self._pending_password))
        elif news.stop:
            self._abandoned = True
            self._request_stop(None)

    def _show(self, changes: Changes) -> None:
        if changes.rooms and self._model is not None:
            remember(self.options, self._model.remembered_rooms)
        if self._view is None or not self._in_chat:
            return
        update = self._view.update(changes)
        if not update.empty:
            self.updates.put(update)
        if changes.quit is not None:
            self._request_stop(changes.quit or None)

    def _request_stop(self, reason: str | None) -> None:
        if not self._stopping.is_set():
            self._stop_reason = reason
            self._stopping.set()

    def _submit(self, line: str) -> None:
        if self._model is not None:
            self._show(self._model.submit(line))

    def _input_changed(self, text: str) -> None:
        if self._model is not None:
            self._model.input_changed(text)

    def _set_typing(self, enabled: bool) -> None:
        model = self._model
        if model is None or model.typing.enabled == enabled:
            return
        if not enabled:
            # Those who saw our "active" would otherwise see us typing until it runs out.
            model.typing.input_changed(None, "")
        model.typing.enabled = enabled
        self._show(Changes())

    def _retry_now(self) -> None:
        if self._runner is not None:
            self._runner.retry_now()

    def _select(self, key: str) -> None:
        if self._model is not None:
            self._show(self._model.select(fold(key)))

    def _select_next(self, step: int) -> None:
        if self._model is not None:
            self._show(self._model.select_next(step))

    def _provide_password(self, request: PasswordRequest, password: str) -> None:
        if self._model is not None:
            self._show(self._model.provide_password(request, password))

    def _cancel_password(self, request: PasswordRequest) -> None:
        if self._model is not None:
            self._show(self._model.cancel_password(request))

    def _retry(self, options: ChatOptions) -> None:
        runner = self._runner
        if runner is None or self._abandoned or self._in_chat or not runner.connected:
            return  # the attempt ended meanwhile: its news says so
        protocol = runner.protocol
        self.options = options
        protocol.set_metadata(COLOR_KEY, options.color)
        protocol.account_password = options.password
        if not protocol.registered:
            protocol.set_nick(options.nick)
